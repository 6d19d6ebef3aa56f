/**
 * Twilio voice webhooks (registered inside the Twilio plugin, so the signature check runs first):
 *   /webhooks/twilio/voice            an incoming call: the keypad/speech menu, in the caller's language
 *   /webhooks/twilio/voice/gather     the caller's answer: recorded in the ledger, then acted on
 *   /webhooks/twilio/voice/message    TwiML for a call the service placed: reads the message aloud
 *   /webhooks/twilio/voice/status     call status for placed calls (monotonic, like SMS)
 *   /webhooks/twilio/voice/recording  a recording made after the consent notice: kept as evidence
 * A call cannot wait for a queue, so the answer to each step is computed here; what the caller
 * said is recorded like any inbound message.
 */
import type { FastifyPluginAsync } from 'fastify';
import { menu, sayAndHangUp, sayThenRedirect, voiceFor } from '../../../channels/twilio/twiml.js';
import { identifySender } from '../../../conversations/handle-inbound.js';
import { parseGlobalCommand } from '../../../conversations/keywords.js';
import { applyDeliveryStatus, twilioStatus } from '../../../ledger/delivery-status.js';
import { recordOptOut } from '../../../ledger/opt-outs.js';

const CALL_SID = { type: 'string', pattern: '^CA[0-9a-fA-F]{32}$' } as const;
const callBody = {
  type: 'object',
  required: ['CallSid', 'From'],
  properties: { CallSid: CALL_SID, From: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
const gatherQuery = { type: 'object', properties: { step: { type: 'integer', minimum: 1, maximum: 20, default: 1 } } } as const;
const idQuery = { type: 'object', required: ['m'], properties: { m: { type: 'string', pattern: '^[0-9]{1,19}$' } } } as const;

/** Menu rounds before the call ends politely (silence or unknown keys). */
const MAX_STEPS = 3;

interface CallParams {
  CallSid: string;
  From: string;
  Digits?: string;
  SpeechResult?: string;
  AnsweredBy?: string;
  CallStatus?: string;
  RecordingSid?: string;
  RecordingUrl?: string;
  RecordingDuration?: string;
}

export const twilioVoiceRoutes: FastifyPluginAsync = async (app) => {
  const { db, texts, recorder } = app.deps;
  const xml = (reply: import('fastify').FastifyReply, body: string) => reply.type('text/xml').send(body);
  const gatherUrl = (step: number) => `/webhooks/twilio/voice/gather?step=${step}`;

  app.post<{ Body: CallParams }>('/webhooks/twilio/voice', { schema: { body: callBody } }, async (req, reply) => {
    const sender = await identifySender(db.pool, 'VOICE', req.body.From);
    const t = texts.forLanguage(sender?.language);
    const v = voiceFor(sender?.language ?? 'zh-CN');
    if (!sender) return xml(reply, sayAndHangUp(v, t('voice.unknown')));
    return xml(reply, menu(v, t('voice.menu'), gatherUrl(1), t('voice.noinput')));
  });

  app.post<{ Body: CallParams; Querystring: { step: number } }>(
    '/webhooks/twilio/voice/gather',
    { schema: { body: callBody, querystring: gatherQuery } },
    async (req, reply) => {
      const { CallSid, From, Digits, SpeechResult } = req.body;
      const step = req.query.step;
      const sender = await identifySender(db.pool, 'VOICE', From);
      const t = texts.forLanguage(sender?.language);
      const v = voiceFor(sender?.language ?? 'zh-CN');
      const answer = (Digits ?? SpeechResult ?? '').trim();
      // The step is part of the id: Twilio retrying the same request is stored once.
      await recorder.record({
        channel: 'VOICE',
        providerId: `${CallSid}:${step}`,
        from: From,
        text: answer || null,
        payload: { CallSid, step, Digits: Digits ?? null, SpeechResult: SpeechResult ?? null },
      });
      if (answer === '9' || parseGlobalCommand(answer) === 'optout') {
        await recordOptOut(db.pool, { channel: 'VOICE', address: From, workerId: sender?.workerId, source: 'keypad' });
        return xml(reply, sayAndHangUp(v, t('voice.optout')));
      }
      if (step >= MAX_STEPS)
        return xml(reply, sayAndHangUp(v, t(answer ? 'voice.received' : 'voice.noinput'), t('voice.goodbye')));
      const nextMenu = `/webhooks/twilio/voice/menu?step=${step + 1}`;
      const said = answer === '0' ? 'voice.human' : answer ? 'voice.received' : 'voice.noinput';
      return xml(reply, sayThenRedirect(v, nextMenu, t(said)));
    },
  );

  // The menu again, for the next step of the same call.
  app.post<{ Body: CallParams; Querystring: { step: number } }>(
    '/webhooks/twilio/voice/menu',
    { schema: { body: callBody, querystring: gatherQuery } },
    async (req, reply) => {
      const sender = await identifySender(db.pool, 'VOICE', req.body.From);
      const t = texts.forLanguage(sender?.language);
      return xml(
        reply,
        menu(voiceFor(sender?.language ?? 'zh-CN'), t('voice.menu'), gatherUrl(req.query.step), t('voice.noinput')),
      );
    },
  );

  app.post<{ Body: CallParams; Querystring: { m: string } }>(
    '/webhooks/twilio/voice/message',
    { schema: { body: { type: 'object', required: ['CallSid'], properties: { CallSid: CALL_SID } }, querystring: idQuery } },
    async (req, reply) => {
      const msg = await db.prisma.outboundMessage.findUnique({ where: { id: BigInt(req.query.m) } });
      if (msg?.channel !== 'VOICE') return reply.status(404).send({ error: 'not_found', message: 'no such call message' });
      const v = voiceFor(msg.language);
      const t = texts.forLanguage(msg.language);
      // A person hears it twice (the first words are often missed); a voicemail gets it once.
      const machine = (req.body.AnsweredBy ?? '').startsWith('machine');
      return xml(reply, sayAndHangUp(v, ...(machine ? [msg.body] : [msg.body, msg.body]), t('voice.goodbye')));
    },
  );

  app.post<{ Body: CallParams; Querystring: { m: string } }>(
    '/webhooks/twilio/voice/status',
    {
      schema: {
        body: {
          type: 'object',
          required: ['CallSid', 'CallStatus'],
          properties: { CallSid: CALL_SID, CallStatus: { type: 'string' } },
        },
        querystring: idQuery,
      },
    },
    async (req, reply) => {
      const status = twilioStatus('call', req.body.CallStatus ?? '');
      if (status) {
        await applyDeliveryStatus(db.pool, {
          outboundId: BigInt(req.query.m),
          providerId: req.body.CallSid,
          status,
          errorCode: status === 'FAILED' ? req.body.CallStatus : undefined,
        });
      }
      return reply.status(204).send();
    },
  );

  app.post<{ Body: CallParams }>(
    '/webhooks/twilio/voice/recording',
    {
      schema: {
        body: {
          type: 'object',
          required: ['CallSid', 'RecordingSid'],
          properties: {
            CallSid: CALL_SID,
            RecordingSid: { type: 'string', pattern: '^RE[0-9a-fA-F]{32}$' },
            RecordingUrl: { type: 'string' },
          },
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      await recorder.record({
        channel: 'VOICE',
        providerId: `${b.CallSid}:recording:${b.RecordingSid}`,
        from: b.From ?? '',
        text: null,
        payload: {
          CallSid: b.CallSid,
          RecordingSid: b.RecordingSid,
          RecordingUrl: b.RecordingUrl,
          RecordingDuration: b.RecordingDuration,
        },
      });
      return xml(reply, sayAndHangUp(voiceFor('zh-CN'), texts.forLanguage('zh-CN')('voice.received')));
    },
  );
};
