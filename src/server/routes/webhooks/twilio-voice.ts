/**
 * Twilio voice webhooks (registered inside the Twilio plugin, so the signature check runs first):
 *   /webhooks/twilio/voice            an incoming call: the caller's open conversation, else the menu
 *   /webhooks/twilio/voice/gather     the caller's answer: recorded in the ledger, then one flow turn
 *   /webhooks/twilio/voice/menu       after silence: the same question again (a few times, then goodbye)
 *   /webhooks/twilio/voice/message    TwiML for a call the service placed: a conversation's question,
 *                                     or a message read aloud
 *   /webhooks/twilio/voice/status     call status for placed calls (monotonic, like SMS)
 *   /webhooks/twilio/voice/recording  a recording made after the consent notice: a flow's answer
 *                                     (with ?step) and evidence of the confirmation made in the call
 *
 * The conversation is the one every channel has (src/conversations/turn.ts: who is speaking,
 * expiry, opt-out, a person, the flows of bots/); this route only reads Twilio's fields, records
 * what the caller said like any inbound message, and renders the turn as <Say>/<Gather>
 * (src/channels/twilio/render-voice.ts). A call cannot wait for a queue, so the turn runs during
 * the request, under the same per-sender lock as queued messages; the session is keyed on the
 * person's number with channel VOICE, so a dropped call resumes on the next one.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { renderVoice, type VoiceUrls } from '../../../channels/twilio/render-voice.js';
import { sayAndHangUp, voiceFor } from '../../../channels/twilio/twiml.js';
import { conversationTurn, type Incoming, underSenderLock } from '../../../conversations/turn.js';
import { attachRecording } from '../../../ledger/confirmations.js';
import { applyDeliveryStatus, twilioStatus } from '../../../ledger/delivery-status.js';
import { enqueueSends } from '../../../queues/queues.js';
import { LEDGER_ID } from './fields.js';

const CALL_SID = { type: 'string', pattern: '^CA[0-9a-fA-F]{32}$' } as const;
const callBody = {
  type: 'object',
  required: ['CallSid', 'From'],
  properties: { CallSid: CALL_SID, From: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
/** Answers in one call before it ends politely (a status report with corrections fits easily). */
const MAX_TURNS = 40;
/** Silences in a row before the call ends; the conversation stays open for the next call. */
const MAX_QUIET = 2;

const stepQuery = {
  type: 'object',
  properties: {
    step: { type: 'integer', minimum: 1, maximum: MAX_TURNS, default: 1 },
    quiet: { type: 'integer', minimum: 0, maximum: 10, default: 0 },
  },
} as const;
const idQuery = { type: 'object', required: ['m'], properties: { m: LEDGER_ID } } as const;

interface CallParams {
  CallSid: string;
  From: string;
  To?: string;
  Direction?: string;
  Digits?: string;
  SpeechResult?: string;
  AnsweredBy?: string;
  CallStatus?: string;
  RecordingSid?: string;
  RecordingUrl?: string;
  RecordingDuration?: string;
}

/** The person on the line: the caller, or the callee of a call the service placed. */
const personOf = (b: CallParams) => (b.Direction?.startsWith('outbound') && b.To ? b.To : b.From);

export const twilioVoiceRoutes: FastifyPluginAsync = async (app) => {
  const { db, texts, recorder, queues, logger } = app.deps;
  const xml = (reply: FastifyReply, body: string) => reply.type('text/xml').send(body);
  /** Where the next answer, recording or silence of the call goes; `quiet` counts silences in a row. */
  const urls = (step: number, quiet = 0): VoiceUrls => ({
    answer: `/webhooks/twilio/voice/gather?step=${step}`,
    recording: `/webhooks/twilio/voice/recording?step=${step}`,
    repeat: `/webhooks/twilio/voice/menu?step=${step}&quiet=${quiet}`,
  });

  /**
   * One conversation turn for the person on the line (src/conversations/turn.ts, under the
   * per-sender lock), rendered as TwiML; messages the turn queued go out after the commit.
   */
  async function voiceTurn(
    address: string,
    callSid: string,
    messageId: string | null,
    next: VoiceUrls,
    incoming: Incoming,
  ): Promise<string> {
    const result = await underSenderLock(db.pool, 'VOICE', address, (sql) =>
      conversationTurn({ sql, texts }, { channel: 'VOICE', address, messageId, callSid, incoming }),
    );
    if (result.queue.length)
      await enqueueSends(queues, result.queue).catch((err) =>
        logger.warn({ err }, 'voice turn messages not queued; the sweep will'),
      );
    const v = voiceFor(result.language);
    if (result.kind === 'end') return sayAndHangUp(v, ...result.lines);
    return renderVoice(result.output, result.active, v, texts.forLanguage(result.language), next);
  }

  app.post<{ Body: CallParams }>('/webhooks/twilio/voice', { schema: { body: callBody } }, async (req, reply) =>
    xml(reply, await voiceTurn(personOf(req.body), req.body.CallSid, null, urls(1), { kind: 'connect' })),
  );

  app.post<{ Body: CallParams; Querystring: { step: number; quiet: number } }>(
    '/webhooks/twilio/voice/gather',
    { schema: { body: callBody, querystring: stepQuery } },
    async (req, reply) => {
      const { CallSid, Digits, SpeechResult } = req.body;
      const address = personOf(req.body);
      const step = req.query.step;
      const answer = (Digits ?? SpeechResult ?? '').trim();
      // The step is part of the id: Twilio retrying the same request is stored once.
      const recorded = await recorder.record({
        channel: 'VOICE',
        providerId: `${CallSid}:${step}`,
        from: address,
        text: answer || null,
        payload: { CallSid, step, Digits: Digits ?? null, SpeechResult: SpeechResult ?? null },
      });
      const next = Math.min(step + 1, MAX_TURNS);
      return xml(
        reply,
        await voiceTurn(address, CallSid, recorded.id.toString(), urls(next), {
          kind: 'text',
          text: answer,
          retried: recorded.duplicate,
          lastTurn: step >= MAX_TURNS,
        }),
      );
    },
  );

  // After silence: the same question again, a few times, then goodbye (the conversation stays open).
  app.post<{ Body: CallParams; Querystring: { step: number; quiet: number } }>(
    '/webhooks/twilio/voice/menu',
    { schema: { body: callBody, querystring: stepQuery } },
    async (req, reply) => {
      const address = personOf(req.body);
      const { step, quiet } = req.query;
      return xml(
        reply,
        await voiceTurn(address, req.body.CallSid, null, urls(step, quiet + 1), { kind: 'repeat', end: quiet >= MAX_QUIET }),
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
      const machine = (req.body.AnsweredBy ?? '').startsWith('machine');
      if (msg.kind === 'FLOW' && msg.toAddress) {
        // A conversation the service started (a confirmation, a check-in): a voicemail cannot answer
        // it, so the question waits for a person (the session stays open until it expires).
        if (machine) return xml(reply, sayAndHangUp(v, t('flows:common.voice_machine')));
        return xml(reply, await voiceTurn(msg.toAddress, req.body.CallSid, null, urls(1), { kind: 'repeat' }));
      }
      // A person hears it twice (the first words are often missed); a voicemail gets it once.
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

  app.post<{ Body: CallParams & { RecordingSid: string }; Querystring: { step?: number } }>(
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
        querystring: { type: 'object', properties: { step: { type: 'integer', minimum: 1, maximum: MAX_TURNS } } },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const address = b.From ? personOf(b) : '';
      const recorded = await recorder.record({
        channel: 'VOICE',
        providerId: `${b.CallSid}:recording:${b.RecordingSid}`,
        from: address,
        text: null,
        payload: {
          CallSid: b.CallSid,
          RecordingSid: b.RecordingSid,
          RecordingUrl: b.RecordingUrl,
          RecordingDuration: b.RecordingDuration,
        },
      });
      const step = req.query.step;
      if (step === undefined || !address || recorded.duplicate) {
        // A recording outside a flow's question (or repeated): kept as evidence of the call's confirmation.
        await attachRecording(db.pool, {
          callSid: b.CallSid,
          recordingSid: b.RecordingSid,
          recordingUrl: b.RecordingUrl ?? null,
          duration: b.RecordingDuration ?? null,
        });
        return xml(reply, sayAndHangUp(voiceFor('zh-CN'), texts.forLanguage('zh-CN')('voice.received')));
      }
      const recording = { sid: b.RecordingSid, url: b.RecordingUrl ?? null };
      return xml(
        reply,
        await voiceTurn(address, b.CallSid, recorded.id.toString(), urls(step + 1), { kind: 'recording', recording }),
      );
    },
  );
};
