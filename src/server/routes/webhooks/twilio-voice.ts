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
 * The flows are the same as by SMS and Telegram (bots/), rendered as <Say>/<Gather>. A call
 * cannot wait for a queue, so each turn runs here, inside the same per-sender lock and
 * transaction as queued messages; the session is keyed on the person's number with channel VOICE,
 * so a dropped call resumes on the next one. What the caller said is recorded like any inbound
 * message.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type pg from 'pg';
import { FLOWS } from '../../../../bots/index.js';
import { sayAndHangUp, voiceFor } from '../../../channels/twilio/twiml.js';
import { identifySender, senderLockKey } from '../../../conversations/handle-inbound.js';
import { parseConversationCommand, parseGlobalCommand } from '../../../conversations/keywords.js';
import { inTransaction } from '../../../db/sql.js';
import { requestHuman } from '../../../flows/effects.js';
import { renderVoice, type VoiceUrls } from '../../../flows/render-voice.js';
import {
  expireSession,
  isRunnable,
  type Party,
  runTurn,
  stepContext,
  type TurnAction,
  type TurnOutcome,
} from '../../../flows/runner.js';
import type { Output, StepContext } from '../../../flows/types.js';
import type { Channel } from '../../../generated/prisma/enums.js';
import { attachRecording } from '../../../ledger/confirmations.js';
import { applyDeliveryStatus, twilioStatus } from '../../../ledger/delivery-status.js';
import { recordOptOut } from '../../../ledger/opt-outs.js';
import { enqueueSends } from '../../../ledger/outbound.js';
import { activeSession, endSession, type StoredSession } from '../../../ledger/sessions.js';
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

/** Keys the current question uses itself (a choice "0", any digits of a number or date). */
function keyIsAnswer(session: StoredSession | null, ctx: StepContext, key: string): boolean {
  const ask = session ? FLOWS[session.flow].steps[session.step]?.ask : undefined;
  if (!ask) return false;
  if (ask.type === 'number' || ask.type === 'date') return true;
  return ask.type === 'choice' && ask.choices(session!.state, ctx).some((c) => c.key === key);
}

export const twilioVoiceRoutes: FastifyPluginAsync = async (app) => {
  const { db, texts, recorder, queues, logger } = app.deps;
  const xml = (reply: FastifyReply, body: string) => reply.type('text/xml').send(body);
  /** Where the next answer, recording or silence of the call goes; `quiet` counts silences in a row. */
  const urls = (step: number, quiet = 0): VoiceUrls => ({
    answer: `/webhooks/twilio/voice/gather?step=${step}`,
    recording: `/webhooks/twilio/voice/recording?step=${step}`,
    repeat: `/webhooks/twilio/voice/menu?step=${step}&quiet=${quiet}`,
  });

  /** The ledger party for the number: a worker or registered family member (null: not in the ledger). */
  async function partyFor(sql: pg.PoolClient, address: string, session: StoredSession | null): Promise<Party | null> {
    const workerId = session ? session.workerId : null;
    const familyContactId = session ? session.familyContactId : null;
    if (session && familyContactId !== null) {
      const f = await sql.query<{ workerId: number; language: string }>(
        `SELECT "workerId", language FROM "FamilyContact" WHERE id = $1`,
        [familyContactId],
      );
      if (f.rows[0])
        return {
          channel: 'VOICE',
          address,
          audience: 'family',
          workerId: f.rows[0].workerId,
          familyContactId,
          language: f.rows[0].language,
        };
    }
    if (session && workerId !== null) {
      const w = await sql.query<{ language: string }>(`SELECT language FROM "Worker" WHERE id = $1`, [workerId]);
      if (w.rows[0])
        return { channel: 'VOICE', address, audience: 'worker', workerId, familyContactId: null, language: w.rows[0].language };
    }
    const sender = await identifySender(sql, 'VOICE', address);
    if (!sender) return null;
    if (sender.familyContactId !== null) {
      const f = await sql.query<{ workerId: number }>(`SELECT "workerId" FROM "FamilyContact" WHERE id = $1`, [
        sender.familyContactId,
      ]);
      return {
        channel: 'VOICE',
        address,
        audience: 'family',
        workerId: f.rows[0]!.workerId,
        familyContactId: sender.familyContactId,
        language: sender.language,
      };
    }
    return {
      channel: 'VOICE',
      address,
      audience: 'worker',
      workerId: sender.workerId,
      familyContactId: null,
      language: sender.language,
    };
  }

  type TurnPlan = (ctx: {
    sql: pg.PoolClient;
    party: Party;
    session: StoredSession | null;
    run(action: TurnAction, before?: string[]): Promise<TurnOutcome>;
    t: ReturnType<typeof texts.forLanguage>;
  }) => Promise<{ output: Output; active: boolean } | string>;

  /**
   * One turn for the person on the line, inside the per-sender lock: finds the open conversation
   * (ending an expired one politely), runs `plan`, and renders the result as TwiML.
   */
  async function voiceTurn(
    address: string,
    callSid: string,
    inboundId: string | null,
    next: VoiceUrls,
    plan: TurnPlan,
  ): Promise<string> {
    const queued: Array<{ id: bigint; channel: Channel }> = [];
    const twiml = await inTransaction(db.pool, async (sql) => {
      await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [senderLockKey('VOICE', address)]);
      const now = new Date();
      let session = await activeSession(sql, 'VOICE', address, now);
      if (session && !isRunnable(session)) {
        await endSession(sql, session.id, 'EXPIRED');
        session = null;
      }
      const party = await partyFor(sql, address, session);
      const t = texts.forLanguage(party?.language);
      const v = voiceFor(party?.language ?? 'zh-CN');
      if (!party) return sayAndHangUp(v, t('voice.unknown'));
      const before: string[] = [];
      if (session?.expired) {
        before.push(...(await expireSession({ sql, texts, now }, party, session)));
        session = null;
      }
      const run = async (action: TurnAction, extra: string[] = []) => {
        const out = await runTurn(
          { sql, texts, now },
          { party, inboundMessageId: inboundId, callSid, delivery: 'inline' },
          action,
          [...before, ...extra],
        );
        queued.push(...out.queue);
        return out;
      };
      const result = await plan({ sql, party, session, run, t });
      if (typeof result === 'string') return result;
      return renderVoice(result.output, result.active, v, t, next);
    });
    if (queued.length)
      await enqueueSends(queues, queued).catch((err) => logger.warn({ err }, 'voice turn messages not queued; the sweep will'));
    return twiml;
  }

  const outcome = (o: TurnOutcome) => ({ output: o.output, active: o.session !== null });

  app.post<{ Body: CallParams }>('/webhooks/twilio/voice', { schema: { body: callBody } }, async (req, reply) => {
    const address = personOf(req.body);
    return xml(
      reply,
      await voiceTurn(address, req.body.CallSid, null, urls(1), async ({ session, run, t }) =>
        // A conversation left open by a dropped call goes on where it stopped.
        outcome(
          session
            ? await run({ kind: 'repeat', session }, [t('flows:common.voice_resume')])
            : await run({ kind: 'start', flow: 'menu', open: null }),
        ),
      ),
    );
  });

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
        await voiceTurn(address, CallSid, recorded.id.toString(), urls(next), async ({ sql, party, session, run, t }) => {
          const v = voiceFor(party.language);
          const ctx = stepContext(texts, party, new Date());
          const command = parseGlobalCommand(answer);
          if ((answer === '9' && !keyIsAnswer(session, ctx, '9')) || command === 'optout') {
            await recordOptOut(sql, { channel: 'VOICE', address, workerId: party.workerId, source: 'keypad' });
            if (session) await endSession(sql, session.id, 'COMPLETED');
            return sayAndHangUp(v, t('voice.optout'));
          }
          const wantsHuman =
            (answer === '0' && !keyIsAnswer(session, ctx, '0')) || parseConversationCommand(answer)?.kind === 'human';
          if (wantsHuman && party.workerId !== null) {
            if (session) await endSession(sql, session.id, 'ESCALATED');
            await requestHuman(
              { sql, texts, now: new Date(), party, inboundMessageId: recorded.id.toString(), callSid: CallSid },
              session?.flow ?? 'menu',
            );
            return sayAndHangUp(v, t('voice.human'), t('voice.goodbye'));
          }
          if (recorded.duplicate || step >= MAX_TURNS) {
            // A repeated request must not answer twice; a very long call ends politely.
            if (!session || step >= MAX_TURNS) return sayAndHangUp(v, t('voice.goodbye'));
            return outcome(await run({ kind: 'repeat', session }));
          }
          if (command === 'help' || !session) return outcome(await run({ kind: 'start', flow: 'menu', open: session }));
          return outcome(await run({ kind: 'answer', session, input: { text: answer, messageId: recorded.id.toString() } }));
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
        await voiceTurn(address, req.body.CallSid, null, urls(step, quiet + 1), async ({ session, run, t, party }) => {
          if (!session || quiet >= MAX_QUIET) return sayAndHangUp(voiceFor(party.language), t('voice.goodbye'));
          return outcome(await run({ kind: 'repeat', session }));
        }),
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
        return xml(
          reply,
          await voiceTurn(msg.toAddress, req.body.CallSid, null, urls(1), async ({ session, run, t: tt, party }) =>
            session
              ? outcome(await run({ kind: 'repeat', session }))
              : sayAndHangUp(voiceFor(party.language), tt('voice.goodbye')),
          ),
        );
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
        await voiceTurn(address, b.CallSid, recorded.id.toString(), urls(step + 1), async ({ session, run, t, party }) => {
          if (!session) return sayAndHangUp(voiceFor(party.language), t('voice.received'), t('voice.goodbye'));
          return outcome(
            await run({ kind: 'answer', session, input: { text: '', recording, messageId: recorded.id.toString() } }),
          );
        }),
      );
    },
  );
};
