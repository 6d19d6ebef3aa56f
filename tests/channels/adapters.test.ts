/**
 * Adapters against the provider simulators: what each provider failure becomes. Retrying is
 * decided by these types alone, so every row here is a behaviour the queues depend on.
 */
import { Api } from 'grammy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FinalSendError, OptedOutSendError, RateLimitedSendError, RetryableSendError } from '../../src/channels/errors.js';
import { createTelegramAdapter } from '../../src/channels/telegram/adapter.js';
import { twilioClientFor } from '../../src/channels/twilio/client.js';
import { createTwilioSmsAdapter } from '../../src/channels/twilio/sms-adapter.js';
import { smsSegments, smsText } from '../../src/channels/twilio/sms-text.js';
import type { ChannelAdapter } from '../../src/channels/types.js';
import { startTelegramSimulator, startTwilioSimulator } from '../../src/simulators/index.js';

type TwilioSim = Awaited<ReturnType<typeof startTwilioSimulator>>;
type TelegramSim = Awaited<ReturnType<typeof startTelegramSimulator>>;

describe('SMS text and segments', () => {
  it.each([
    ['回复1 已就业', 1],
    ['一'.repeat(70), 1],
    ['一'.repeat(71), 2],
    ['一'.repeat(134), 2],
    ['一'.repeat(135), 3],
    ['a'.repeat(160), 1],
    ['a'.repeat(161), 2],
  ])('%s… is %i segment(s)', (text, n) => {
    expect(smsSegments(text)).toBe(n);
  });

  it('lists choices as numbered lines', () => {
    expect(
      smsText({
        text: '您现在的就业状态?',
        choices: [
          { key: '1', label: '已就业' },
          { key: '2', label: '未就业' },
        ],
      }),
    ).toBe('您现在的就业状态?\n1 已就业\n2 未就业');
  });
});

describe('Twilio SMS adapter', () => {
  let sim: TwilioSim;
  let sms: ChannelAdapter;
  beforeAll(async () => {
    sim = await startTwilioSimulator({ statusCallbackDelays: 5 });
    sms = createTwilioSmsAdapter({
      client: twilioClientFor(sim.url, sim.accountSid, sim.authToken),
      accountSid: sim.accountSid,
      authToken: sim.authToken,
      apiBase: sim.url,
      from: '+8610690000001',
      statusCallback: 'http://127.0.0.1:9/webhooks/twilio/status',
    });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('sends and returns the provider id and segments', async () => {
    const res = await sms.send({ messageId: 1n, to: '+8613800000001', text: '一'.repeat(71) });
    expect(res.providerId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(res.segments).toBe(2);
    const [m] = sim.messages({ to: '+8613800000001' });
    expect(m?.body).toBe('一'.repeat(71));
    expect(m?.from).toBe('+8610690000001');
  });

  it.each([
    ['invalid-number', FinalSendError, '21211'],
    ['unsubscribed', OptedOutSendError, '21610'],
    ['rate-limited', RateLimitedSendError, '20429'],
    ['server-error', RetryableSendError, '20500'],
    ['unavailable', RetryableSendError, '20503'],
  ] as const)('%s becomes %s', async (kind, type, code) => {
    sim.injectFailure({ kind, times: 1 });
    const err = await sms.send({ messageId: 2n, to: '+8613800000002', text: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(type);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(type === RetryableSendError || type === RateLimitedSendError);
    // Nothing was created at the provider, and the next send goes through.
    expect(sim.messages({ to: '+8613800000002' })).toHaveLength(0);
    await expect(sms.send({ messageId: 3n, to: '+8613800000002', text: 'x' })).resolves.toMatchObject({ segments: 1 });
  });

  it('a refused connection is retryable', async () => {
    const dead = createTwilioSmsAdapter({
      client: twilioClientFor('http://127.0.0.1:9', sim.accountSid, sim.authToken),
      accountSid: sim.accountSid,
      authToken: sim.authToken,
      apiBase: 'http://127.0.0.1:9',
      from: '+8610690000001',
      statusCallback: 'http://127.0.0.1:9/x',
    });
    await expect(dead.send({ messageId: 4n, to: '+8613800000003', text: 'x' })).rejects.toBeInstanceOf(RetryableSendError);
  });
});

describe('Telegram adapter', () => {
  let sim: TelegramSim;
  let tg: ChannelAdapter;
  beforeAll(async () => {
    sim = await startTelegramSimulator({ strictChats: false });
    tg = createTelegramAdapter(new Api(sim.token, { apiRoot: sim.url }));
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('sends choices as inline buttons', async () => {
    const res = await tg.send({ messageId: 1n, to: '1001', text: '您现在的就业状态?', choices: [{ key: '1', label: '已就业' }] });
    expect(res).toMatchObject({ segments: 1 });
    expect(res.providerId).toMatch(/^1001:\d+$/);
    const [m] = sim.sentMessages(1001);
    expect(m?.text).toBe('您现在的就业状态?');
    expect(JSON.stringify(m)).toContain('"callback_data":"1"');
  });

  it.each([
    ['blocked', OptedOutSendError, '403'],
    ['rate-limited', RateLimitedSendError, '429'],
    ['server-error', RetryableSendError, '500'],
    ['chat-not-found', FinalSendError, '400'],
  ] as const)('%s becomes %s', async (kind, type, code) => {
    sim.injectFailure({ kind, times: 1, retryAfter: 3 });
    const err = await tg.send({ messageId: 2n, to: '1002', text: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(type);
    expect(err.code).toBe(code);
    if (err instanceof RateLimitedSendError) expect(err.retryAfterMs).toBe(3000);
  });
});
