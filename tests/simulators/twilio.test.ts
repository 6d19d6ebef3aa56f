import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BaseUrlRequestClient,
  DEFAULT_ACCOUNT_SID,
  DEFAULT_AUTH_TOKEN,
  segmentCount,
  startTwilioSimulator,
  type TwilioSimulator,
  twilioClientFor,
  twilioSignature,
} from '../../src/simulators/twilio/index.js';
import { type Receiver, startReceiver } from './receiver.js';

const FROM = '+15005550006';
const TO = '+8613800138000';
const CHINESE_71 = `${'您好'.repeat(35)}。`; // 71 UCS-2 characters

/** What the official client throws for an API error. */
interface RestErrorShape {
  status: number;
  code: number;
  moreInfo: string;
}

async function restError(p: Promise<unknown>): Promise<RestErrorShape & Error> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(twilio.RestException);
    return err as RestErrorShape & Error;
  }
  throw new Error('expected the call to fail');
}

describe('Twilio simulator through the official twilio client', () => {
  let sim: TwilioSimulator;
  let client: twilio.Twilio;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver({
      '/sms': (req) => {
        const signature = String(req.headers['x-twilio-signature'] ?? '');
        const valid = twilio.validateRequest(DEFAULT_AUTH_TOKEN, signature, receiver.url + req.url, req.body);
        if (!valid) return { status: 403, body: 'bad signature' };
        const twiml = new twilio.twiml.MessagingResponse();
        twiml.message(`收到：${String(req.body.Body)}`);
        twiml.message('回复 1 报到');
        return { type: 'text/xml', body: twiml.toString() };
      },
      '/voice': () => {
        const r = new twilio.twiml.VoiceResponse();
        const g = r.gather({ action: '/voice/menu?step=1', numDigits: 1, input: ['dtmf', 'speech'], language: 'cmn-Hans-CN' });
        g.say({ language: 'cmn-CN' }, '请按 1 报到，按 2 求助');
        r.say('没有收到输入');
        r.redirect('/voice');
        return { type: 'text/xml', body: r.toString() };
      },
      '/voice/menu': (req) => {
        const r = new twilio.twiml.VoiceResponse();
        const choice = String(req.body.Digits ?? req.body.SpeechResult ?? '');
        r.say(choice === '1' || choice === '报到' ? '已报到，谢谢' : `未知选择 ${choice}`);
        r.hangup();
        return { type: 'text/xml', body: r.toString() };
      },
      '/voice-dtmf-only': () => {
        const r = new twilio.twiml.VoiceResponse();
        r.gather({ action: '/voice/menu', numDigits: 1 }).say('请按键');
        r.say('再见');
        return { type: 'text/xml', body: r.toString() };
      },
      '/broken': () => ({ status: 500, body: 'boom' }),
    });
    sim = await startTwilioSimulator({ webhookBase: receiver.url, smsWebhookUrl: '/sms', statusCallbackDelays: 1 });
    client = twilioClientFor(sim.url, sim.accountSid, sim.authToken);
  });

  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  afterEach(async () => {
    await sim.idle();
    sim.reset();
    sim.configure({ statusCallbackMode: 'in-order', statusCallbackDelays: 1, keepMessages: true });
    receiver.requests.length = 0;
  });

  it('uses fake credentials that pass the formats', () => {
    expect(sim.accountSid).toBe(DEFAULT_ACCOUNT_SID);
    expect(sim.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(sim.authToken).toMatch(/^[0-9a-f]{32}$/);
  });

  it('redirects every twilio.com host (regions and edges too) to the base URL, keeping path and query', () => {
    const rc = new BaseUrlRequestClient('http://127.0.0.1:4010/prefix/');
    expect(rc.rewrite('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=2')).toBe(
      'http://127.0.0.1:4010/prefix/2010-04-01/Accounts/AC1/Messages.json?PageSize=2',
    );
    expect(rc.rewrite('https://api.sydney.au1.twilio.com/2010-04-01/x.json')).toBe(
      'http://127.0.0.1:4010/prefix/2010-04-01/x.json',
    );
    expect(rc.rewrite('https://example.org/a')).toBe('https://example.org/a');
  });

  it('creates a message and answers with the Message resource Twilio returns', async () => {
    const m = await client.messages.create({ to: TO, from: FROM, body: CHINESE_71 });
    expect(m.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(m.accountSid).toBe(sim.accountSid);
    expect(m.status).toBe('queued');
    expect(m.numSegments).toBe('2'); // UCS-2: 71 > 70, so 67 per segment
    expect(m.direction).toBe('outbound-api');
    expect(m.to).toBe(TO);
    expect(m.from).toBe(FROM);
    expect(m.errorCode).toBeNull();
    expect(m.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(m.dateCreated.getTime())).toBe(false);
    expect(m.uri).toBe(`/2010-04-01/Accounts/${sim.accountSid}/Messages/${m.sid}.json`);
    const recorded = sim.messages();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.body).toBe(CHINESE_71);
    expect(recorded[0]!.params.To).toBe(TO);
  });

  it('counts segments like carriers do', () => {
    expect(segmentCount('您'.repeat(70))).toBe(1);
    expect(segmentCount('您'.repeat(71))).toBe(2);
    expect(segmentCount('您'.repeat(134))).toBe(2);
    expect(segmentCount('您'.repeat(135))).toBe(3);
    expect(segmentCount('a'.repeat(160))).toBe(1);
    expect(segmentCount('a'.repeat(161))).toBe(2);
    expect(segmentCount('a'.repeat(306))).toBe(2);
    expect(segmentCount('a'.repeat(307))).toBe(3);
    expect(segmentCount('{'.repeat(80))).toBe(1); // extension characters take two septets
    expect(segmentCount('{'.repeat(81))).toBe(2);
    expect(segmentCount(`${'a'.repeat(159)}😀`)).toBe(3); // one emoji makes all of it UCS-2
  });

  it('lists messages newest first, pages through next_page_uri and filters by To and DateSent', async () => {
    const other = '+8613900139000';
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) {
      sids.push((await client.messages.create({ to: i % 2 ? other : TO, from: FROM, body: `msg ${i}` })).sid);
    }
    const firstPage = await client.messages.page({ pageSize: 2 });
    expect(firstPage.instances.map((m) => m.sid)).toEqual([sids[4], sids[3]]);
    expect(firstPage.nextPageUrl).toContain('PageToken=PA');

    const all = await client.messages.list({ pageSize: 2 }); // follows next_page_uri through the simulator
    expect(all.map((m) => m.sid)).toEqual([...sids].reverse());

    const toOther = await client.messages.list({ to: other });
    expect(toOther.map((m) => m.body).sort()).toEqual(['msg 1', 'msg 3']);

    const fetched = await client.messages(sids[2]!).fetch();
    expect(fetched.body).toBe('msg 2');

    await sim.idle(); // now every message was sent today
    const today = await client.messages.list({ dateSent: new Date() });
    expect(today).toHaveLength(5);
    const tomorrow = await client.messages.list({ dateSentAfter: new Date(Date.now() + 86_400_000) });
    expect(tomorrow).toHaveLength(0);

    const missing = await restError(client.messages(`SM${'0'.repeat(32)}`).fetch());
    expect(missing.status).toBe(404);
    expect(missing.code).toBe(20404);
  });

  it('rejects wrong credentials with 401 and code 20003', async () => {
    const wrong = twilioClientFor(sim.url, sim.accountSid, 'f'.repeat(32));
    const err = await restError(wrong.messages.create({ to: TO, from: FROM, body: 'x' }));
    expect(err.status).toBe(401);
    expect(err.code).toBe(20003);
    expect(sim.messages()).toHaveLength(0);
  });

  it('answers injected failures with the codes and statuses Twilio uses, then recovers', async () => {
    sim.injectFailure({ kind: 'invalid-number' });
    sim.injectFailure({ kind: 'unsubscribed' });
    sim.injectFailure({ kind: 'rate-limited', retryAfterSeconds: 7 });
    sim.injectFailure({ kind: 'unavailable' });
    const send = () => client.messages.create({ to: TO, from: FROM, body: '你好' });

    const invalid = await restError(send());
    expect([invalid.status, invalid.code]).toEqual([400, 21211]);
    expect(invalid.moreInfo).toBe('https://www.twilio.com/docs/errors/21211');
    const unsubscribed = await restError(send());
    expect([unsubscribed.status, unsubscribed.code]).toEqual([400, 21610]);
    const limited = await restError(send());
    expect([limited.status, limited.code]).toEqual([429, 20429]);
    const unavailable = await restError(send());
    expect([unavailable.status, unavailable.code]).toEqual([503, 20503]);

    expect((await send()).status).toBe('queued'); // every rule was used up
    expect(sim.messages()).toHaveLength(1);
  });

  it('sends the Retry-After header with a 429, fails only the targeted number, and can be slow', async () => {
    sim.injectFailure({ kind: 'rate-limited', retryAfterSeconds: 7 });
    const raw = await fetch(`${sim.url}/2010-04-01/Accounts/${sim.accountSid}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ To: TO, From: FROM, Body: 'x' }).toString(),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('7');
    expect(await raw.json()).toEqual({
      code: 20429,
      message: 'Too Many Requests',
      more_info: 'https://www.twilio.com/docs/errors/20429',
      status: 429,
    });

    const bad = '+8613700137000';
    sim.injectFailure({ kind: 'invalid-number', to: bad, times: Number.POSITIVE_INFINITY });
    expect((await client.messages.create({ to: TO, from: FROM, body: 'ok' })).status).toBe('queued');
    expect((await restError(client.messages.create({ to: bad, from: FROM, body: 'x' }))).code).toBe(21211);
    expect((await restError(client.messages.create({ to: bad, from: FROM, body: 'x' }))).code).toBe(21211);

    sim.clearFailures();
    sim.injectFailure({ kind: 'slow', delayMs: 150 });
    const started = Date.now();
    await client.messages.create({ to: TO, from: FROM, body: 'slow' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers 503 to everything during an outage, and 500 when told', async () => {
    sim.setOutage(true);
    expect((await restError(client.messages.list())).status).toBe(503);
    sim.setOutage(false);
    sim.injectFailure({ kind: 'server-error' });
    const err = await restError(client.messages.create({ to: TO, from: FROM, body: 'x' }));
    expect([err.status, err.code]).toEqual([500, 20500]);
    expect((await client.messages.list()).length).toBe(0);
  });

  it('validates like Twilio: invalid To, missing Body, opted-out recipient', async () => {
    expect((await restError(client.messages.create({ to: '13800138000abc', from: FROM, body: 'x' }))).code).toBe(21211);
    expect((await restError(client.messages.create({ to: TO, from: FROM }))).code).toBe(21602);
    sim.optOut(TO);
    expect((await restError(client.messages.create({ to: TO, from: FROM, body: 'x' }))).code).toBe(21610);
  });

  it('posts signed status callbacks queued → sent → delivered that twilio.validateRequest accepts', async () => {
    const callback = `${receiver.url}/status?campaign=7`;
    const m = await client.messages.create({ to: TO, from: FROM, body: 'hello', statusCallback: callback });
    await sim.idle();
    const got = receiver.to('/status');
    expect(got.map((r) => r.body.MessageStatus)).toEqual(['queued', 'sent', 'delivered']);
    for (const r of got) {
      expect(r.body).toMatchObject({
        MessageSid: m.sid,
        SmsSid: m.sid,
        AccountSid: sim.accountSid,
        To: TO,
        From: FROM,
        ApiVersion: '2010-04-01',
      });
      expect(r.body.SmsStatus).toBe(r.body.MessageStatus);
      expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const signature = String(r.headers['x-twilio-signature']);
      expect(twilio.validateRequest(sim.authToken, signature, receiver.url + r.url, r.body)).toBe(true);
      expect(twilio.validateRequest(sim.authToken, signature, receiver.url + r.url, { ...r.body, MessageStatus: 'failed' })).toBe(
        false,
      );
      expect(twilio.validateRequest('0'.repeat(32), signature, receiver.url + r.url, r.body)).toBe(false);
    }
    const final = await client.messages(m.sid).fetch();
    expect(final.status).toBe('delivered');
    expect(final.dateSent).toBeInstanceOf(Date);
    expect(sim.webhookDeliveries('message-status').map((d) => d.response.status)).toEqual([204, 204, 204]);
  });

  it('ends a message undelivered with ErrorCode when told, and can send callbacks out of order and repeated', async () => {
    sim.failDelivery({ status: 'undelivered', errorCode: 30006, to: TO });
    const m = await client.messages.create({ to: TO, from: FROM, body: 'x', statusCallback: `${receiver.url}/status` });
    await sim.idle();
    expect(receiver.to('/status').map((r) => [r.body.MessageStatus, r.body.ErrorCode])).toEqual([
      ['queued', undefined],
      ['sent', undefined],
      ['undelivered', '30006'],
    ]);
    const fetched = await client.messages(m.sid).fetch();
    expect([fetched.status, fetched.errorCode]).toEqual(['undelivered', 30006]);

    receiver.requests.length = 0;
    sim.configure({ statusCallbackMode: 'disorder' });
    await client.messages.create({ to: TO, from: FROM, body: 'y', statusCallback: `${receiver.url}/status` });
    await sim.idle();
    expect(receiver.to('/status').map((r) => r.body.MessageStatus)).toEqual(['delivered', 'queued', 'sent', 'delivered']);
  });

  it('drops a message after its final callback when told not to keep messages (load tests)', async () => {
    sim.configure({ keepMessages: false, statusCallbacks: 'final' });
    const seen: string[] = [];
    const off = sim.onMessage((m) => seen.push(m.sid));
    const m = await client.messages.create({ to: TO, from: FROM, body: 'x', statusCallback: `${receiver.url}/status` });
    await sim.idle();
    expect(receiver.to('/status').map((r) => [r.body.MessageSid, r.body.MessageStatus])).toEqual([[m.sid, 'delivered']]);
    expect(seen).toContain(m.sid);
    expect(sim.messages({ to: TO })).toEqual([]);
    off();
    sim.configure({ statusCallbacks: 'every' });
  });

  it('accepts a MessagingServiceSid without From and picks the sender later', async () => {
    const service = `MG${'a'.repeat(32)}`;
    const m = await client.messages.create({ to: TO, messagingServiceSid: service, body: 'x' });
    expect(m.status).toBe('accepted');
    expect(m.from).toBeNull();
    expect(m.messagingServiceSid).toBe(service);
    await sim.idle();
    expect((await client.messages(m.sid).fetch()).from).toBe('+15005550006');
  });

  it('delivers an inbound SMS signed, and reads the <Message> replies out of the TwiML', async () => {
    const result = await sim.sendInbound({ from: TO, to: FROM, body: '报到 张三' });
    expect(result.status).toBe(200); // the receiver checked the signature with twilio.validateRequest
    expect(result.messages).toEqual(['收到：报到 张三', '回复 1 报到']);
    const [req] = receiver.to('/sms');
    expect(req!.body).toMatchObject({
      MessageSid: result.messageSid,
      SmsSid: result.messageSid,
      SmsMessageSid: result.messageSid,
      AccountSid: sim.accountSid,
      From: TO,
      To: FROM,
      Body: '报到 张三',
      NumMedia: '0',
      NumSegments: '1',
      FromCountry: 'CN',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    });
    expect(result.messageSid).toMatch(/^SM[0-9a-f]{32}$/);
    const replies = sim.messages({ direction: 'outbound-reply' });
    expect(replies.map((m) => [m.from, m.to, m.body])).toEqual([
      [FROM, TO, '收到：报到 张三'],
      [FROM, TO, '回复 1 报到'],
    ]);
    expect(sim.messages({ direction: 'inbound' })).toHaveLength(1);

    // The same MessageSid again (Twilio retrying) is delivered again but recorded once.
    const again = await sim.sendInbound({ from: TO, to: FROM, body: '报到 张三', messageSid: result.messageSid });
    expect(again.messageSid).toBe(result.messageSid);
    expect(receiver.to('/sms')).toHaveLength(2);
    expect(sim.messages({ direction: 'inbound' })).toHaveLength(1);
  });

  it('reports a webhook that fails as error 11200, and a signature made with another token is refused', async () => {
    const broken = await sim.sendInbound({ from: TO, to: FROM, body: 'x', url: `${receiver.url}/broken` });
    expect([broken.status, broken.errorCode, broken.messages]).toEqual([500, 11200, []]);

    const other = await startTwilioSimulator({ authToken: '0'.repeat(32), smsWebhookUrl: `${receiver.url}/sms` });
    try {
      const refused = await other.sendInbound({ from: TO, to: FROM, body: 'x' });
      expect(refused.status).toBe(403);
    } finally {
      await other.close();
    }
  });

  it('opts a number out when it texts STOP, as Twilio does, and back in on START', async () => {
    await sim.sendInbound({ from: TO, to: FROM, body: 'STOP' });
    expect(receiver.to('/sms')[0]!.body.OptOutType).toBe('STOP');
    expect((await restError(client.messages.create({ to: TO, from: FROM, body: 'x' }))).code).toBe(21610);
    await sim.sendInbound({ from: TO, to: FROM, body: 'start' });
    expect((await client.messages.create({ to: TO, from: FROM, body: 'x' })).status).toBe('queued');
  });

  it('signs webhooks with the configured URL while delivering them to deliveryBase (a proxy)', async () => {
    const publicUrl = 'https://outreach.example.org/sms';
    sim.configure({ deliveryBase: receiver.url });
    try {
      await sim.sendInbound({ from: TO, to: FROM, body: 'hi', url: publicUrl });
    } finally {
      sim.configure({ deliveryBase: undefined });
    }
    const [req] = receiver.to('/sms');
    const signature = String(req!.headers['x-twilio-signature']);
    expect(twilio.validateRequest(sim.authToken, signature, publicUrl, req!.body)).toBe(true);
    expect(twilio.validateRequest(sim.authToken, signature, receiver.url + req!.url, req!.body)).toBe(false);
    expect(signature).toBe(twilioSignature(sim.authToken, publicUrl, req!.body as Record<string, string>));
  });

  it('plays a scripted outbound call: fetches Url, follows <Gather action> with Digits, sends call callbacks', async () => {
    const call = await client.calls.create({
      to: TO,
      from: FROM,
      url: `${receiver.url}/voice`,
      statusCallback: `${receiver.url}/call-status`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.status).toBe('queued');

    const result = await sim.answerCall(call.sid, [{ digits: '1' }]);
    expect(result.status).toBe('completed');
    expect(result.documents.map((d) => d.url)).toEqual([`${receiver.url}/voice`, `${receiver.url}/voice/menu?step=1`]);
    expect(result.says).toEqual(['请按 1 报到，按 2 求助', '已报到，谢谢']);
    expect(result.documents[0]!.gather).toMatchObject({ input: 'dtmf speech', numDigits: '1', language: 'cmn-Hans-CN' });

    const [first, menu] = receiver.to('/voice').concat(receiver.to('/voice/menu'));
    expect(first!.body).toMatchObject({
      CallSid: call.sid,
      CallStatus: 'in-progress',
      Direction: 'outbound-api',
      From: FROM,
      To: TO,
    });
    expect(menu!.body).toMatchObject({ CallSid: call.sid, Digits: '1' });
    for (const r of [first!, menu!]) {
      expect(twilio.validateRequest(sim.authToken, String(r.headers['x-twilio-signature']), receiver.url + r.url, r.body)).toBe(
        true,
      );
    }
    const statuses = receiver.to('/call-status').map((r) => r.body.CallStatus);
    expect(statuses).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    const completed = receiver.to('/call-status')[3]!;
    expect(Number(completed.body.CallDuration)).toBeGreaterThanOrEqual(1);
    expect(
      twilio.validateRequest(
        sim.authToken,
        String(completed.headers['x-twilio-signature']),
        receiver.url + completed.url,
        completed.body,
      ),
    ).toBe(true);

    const fetched = await client.calls(call.sid).fetch();
    expect(fetched.status).toBe('completed');
    expect((await client.calls.list({ to: TO })).map((c) => c.sid)).toEqual([call.sid]);
  });

  it('answers a speech step with SpeechResult, and treats speech to a dtmf-only Gather as silence', async () => {
    const speech = await sim.placeInboundCall({ from: TO, to: FROM, url: `${receiver.url}/voice`, steps: [{ speech: '报到' }] });
    expect(speech.says).toEqual(['请按 1 报到，按 2 求助', '已报到，谢谢']);
    const menu = receiver.to('/voice/menu')[0]!;
    expect(menu.body).toMatchObject({ SpeechResult: '报到', Direction: 'inbound' });
    expect(receiver.to('/voice')[0]!.body.CallStatus).toBe('ringing');

    const ignored = await sim.placeInboundCall({
      from: TO,
      to: FROM,
      url: `${receiver.url}/voice-dtmf-only`,
      steps: [{ speech: '一' }],
    });
    expect(ignored.says).toEqual(['请按键', '再见']); // went on past the Gather
    expect(ignored.documents).toHaveLength(1);
  });

  it('follows <Redirect> after a silent Gather and ends a call with busy and its callback', async () => {
    const res = await sim.placeInboundCall({
      from: TO,
      to: FROM,
      url: `${receiver.url}/voice`,
      steps: [{ silence: true }, { digits: '2' }],
    });
    expect(res.says).toEqual(['请按 1 报到，按 2 求助', '没有收到输入', '请按 1 报到，按 2 求助', '未知选择 2']);

    const call = await client.calls.create({
      to: TO,
      from: FROM,
      twiml: '<Response><Say>hi</Say></Response>',
      statusCallback: `${receiver.url}/call-status`,
    });
    await sim.endCall(call.sid, 'busy');
    await expect(sim.answerCall(call.sid)).rejects.toThrow(/is busy, not queued/);
    expect((await client.calls(call.sid).fetch()).status).toBe('busy');
    expect(receiver.to('/call-status').map((r) => r.body.CallStatus)).toEqual(['busy']);
  });

  it('plays TwiML passed inline with the call (Twiml instead of Url)', async () => {
    const call = await client.calls.create({
      to: TO,
      from: FROM,
      twiml: '<Response><Say language="cmn-CN">您好</Say><Hangup/></Response>',
    });
    const result = await sim.answerCall(call.sid);
    expect(result.says).toEqual(['您好']);
    expect(result.documents.map((d) => d.url)).toEqual([null]);
    expect(sim.call(call.sid)!.status).toBe('completed');
  });
});
