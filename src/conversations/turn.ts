/**
 * One turn of a conversation, for every channel: the one place that decides who is speaking,
 * ends a conversation whose time ran out, applies the global keywords (opt-out, opt-in, a person,
 * language, help, a flow's keyword), runs the flow and applies its effects. Text channels (SMS,
 * Telegram) come here from the inbound queue (handle-inbound.ts); a call comes here from the
 * voice webhooks, which only parse Twilio's fields and render the result as TwiML.
 *
 * Every turn runs inside a transaction holding the per-sender lock (`underSenderLock`, shared with
 * conversations the service starts), so turns of one person never interleave.
 *
 * How a channel differs: a text turn writes its replies as OutboundMessage rows (queued after the
 * commit); a call's turn writes nothing of its own and hands back what to say. On a call the
 * keypad stands in for the keywords: 9 opts out and 0 asks for a person, unless the question
 * waiting takes that key as an answer. A caller the ledger does not know is told how to register
 * and the call ends; an unknown texter may still opt out and gets the register reply once a day.
 */
import type pg from 'pg';
import { FLOWS } from '../../bots/index.js';
import { inTransaction, type Sql } from '../db/sql.js';
import { requestHuman } from '../flows/effects.js';
import {
  expireSession,
  isRunnable,
  type Party,
  runTurn,
  type StoredSession,
  stepContext,
  type TurnAction,
  type TurnOutcome,
} from '../flows/runner.js';
import type { FlowId, Output, StepContext } from '../flows/types.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { setLanguage } from '../ledger/language.js';
import { recordOptIn, recordOptOut } from '../ledger/opt-outs.js';
import { createMessage } from '../ledger/outbound.js';
import { normaliseMobile } from '../ledger/phone.js';
import { endSession } from '../ledger/sessions.js';
import { linkTelegramChat } from '../ledger/telegram-links.js';
import { readTurnStart, type Sender, type TurnStart } from './identify.js';
import { bareWord, parseConversationCommand, parseGlobalCommand, parseLinkCommand } from './keywords.js';

/** The per-sender lock: inbound handling, call turns and conversations the service starts share it. */
export const senderLockKey = (channel: Channel, address: string) => `inbound:${channel}:${address}`;

/** Takes the per-sender lock inside the caller's transaction (released when it ends). */
export async function lockSender(sql: Sql, channel: Channel, address: string): Promise<void> {
  await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [senderLockKey(channel, address)]);
}

/** Runs `fn` in a transaction that holds the per-sender lock of (channel, address). */
export function underSenderLock<T>(
  pool: pg.Pool,
  channel: Channel,
  address: string,
  fn: (sql: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return inTransaction(pool, async (sql) => {
    await lockSender(sql, channel, address);
    return fn(sql);
  });
}

type Queue = Array<{ id: bigint; channel: Channel }>;

/** What reached the service from the person, as far as a conversation cares. */
export type Incoming =
  /** A text message, or an answer spoken or keyed on a call. */
  | {
      kind: 'text';
      text: string | null;
      /** Telegram: the shared contact card and the sender's user id, when the message is one. */
      contact?: { phone: string; userId: string | null } | null;
      fromUserId?: string | null;
      /** A call: Twilio sent this answer again (it was taken already): ask the question again. */
      retried?: boolean;
      /** A call: the longest call allowed ends after this answer, politely. */
      lastTurn?: boolean;
    }
  /** A recording made on a call, as the answer to the question waiting. */
  | { kind: 'recording'; recording: { sid: string; url: string | null } }
  /** A call connected: the open conversation goes on where it stopped, else the menu. */
  | { kind: 'connect' }
  /** Ask the question waiting again (silence, a retried request, a call the service placed); `end`: say goodbye instead. */
  | { kind: 'repeat'; end?: boolean };

export interface TurnRequest {
  channel: Channel;
  /** Phone number (SMS, call) or chat id (Telegram) of the person. */
  address: string;
  /** The recorded InboundMessage this turn answers (null: a call connecting, silence). */
  messageId: string | null;
  callSid?: string | null;
  incoming: Incoming;
  /** The open conversation and the sender, when the caller read them under the lock already. */
  start?: TurnStart;
}

export interface ConversationDeps {
  sql: Sql;
  texts: Texts;
  now?: Date;
}

/** What the turn leaves for the channel to say; text channels have it written already. */
export type TurnResult =
  /** A flow spoke: `active` when a question waits for the answer. */
  (
    | { kind: 'flow'; output: Output; active: boolean }
    /** The exchange ends with these lines (a call hangs up after them). */
    | { kind: 'end'; lines: string[] }
  ) & {
    /** Language of the person spoken to. */
    language: string;
    /** Who the ledger says sent it (null: nobody it knows). */
    sender: Sender | null;
    /** Outbound rows to queue once the transaction commits. */
    queue: Queue;
  };

/** Unknown senders get the "please register" reply at most once a day (auto-responders loop). */
const UNKNOWN_REPLY_INTERVAL = '24 hours';

/** Flow started by a keyword, if the whole message is one. */
export function flowForKeyword(text: string | null): FlowId | null {
  const word = bareWord(text);
  if (!word) return null;
  for (const flow of Object.values(FLOWS)) if (flow.keywords.includes(word)) return flow.id;
  return null;
}

/** The party a message comes from: the open conversation's, else the sender's ledger identity. */
async function partyOf(
  sql: Sql,
  channel: Channel,
  address: string,
  sender: Sender | null,
  session: StoredSession | null,
): Promise<Party> {
  const base = { channel, address };
  // Usually the conversation is the sender's own: no need to read the ledger again.
  const sameAsSender =
    sender &&
    (!session ||
      (session.familyContactId !== null
        ? session.familyContactId === sender.familyContactId
        : sender.familyContactId === null && session.workerId === sender.workerId));
  if (sender && sameAsSender) {
    if (sender.familyContactId !== null && sender.familyWorkerId != null) {
      return {
        ...base,
        audience: 'family',
        workerId: sender.familyWorkerId,
        familyContactId: sender.familyContactId,
        language: sender.language,
      };
    }
    if (sender.workerId !== null)
      return { ...base, audience: 'worker', workerId: sender.workerId, familyContactId: null, language: sender.language };
  }
  const workerId = session ? session.workerId : (sender?.workerId ?? null);
  const familyContactId = session ? session.familyContactId : (sender?.familyContactId ?? null);
  if (familyContactId !== null) {
    const f = await sql.query<{ workerId: number; language: string }>(
      `SELECT "workerId", language FROM "FamilyContact" WHERE id = $1`,
      [familyContactId],
    );
    const row = f.rows[0];
    if (row) return { ...base, audience: 'family', workerId: row.workerId, familyContactId, language: row.language };
  }
  if (workerId !== null) {
    const w = await sql.query<{ language: string }>(`SELECT language FROM "Worker" WHERE id = $1`, [workerId]);
    if (w.rows[0]) return { ...base, audience: 'worker', workerId, familyContactId: null, language: w.rows[0].language };
  }
  return { ...base, audience: 'unknown', workerId: null, familyContactId: null, language: sender?.language ?? 'zh-CN' };
}

/** Whether the question waiting takes `key` as an answer (a choice "0", any digits of a number or date). */
function keyIsAnswer(session: StoredSession | null, ctx: StepContext, key: string): boolean {
  const ask = session ? FLOWS[session.flow].steps[session.step]?.ask : undefined;
  if (!ask) return false;
  if (ask.type === 'number' || ask.type === 'date') return true;
  return ask.type === 'choice' && ask.choices(session!.state, ctx).some((c) => c.key === key);
}

/**
 * Runs one turn for the person at (channel, address). The caller holds the per-sender lock
 * (`underSenderLock`) and has recorded the inbound message, if any.
 */
export async function conversationTurn(deps: ConversationDeps, req: TurnRequest): Promise<TurnResult> {
  const { sql, texts } = deps;
  const now = deps.now ?? new Date();
  const { channel, address, incoming } = req;
  const call = channel === 'VOICE';
  const text = incoming.kind === 'text' ? incoming.text : null;
  const queue: Queue = [];

  // One read: the open conversation (locked) and who the sender is.
  const { session: open, sender } = req.start ?? (await readTurnStart(sql, channel, address, now));
  // A session a deploy left behind (its flow or step is gone) ends rather than fail every message.
  let session: StoredSession | null = open && isRunnable(FLOWS, open) ? open : null;
  if (open && !session) await endSession(sql, open.id, 'EXPIRED');
  let party = await partyOf(sql, channel, address, sender, session);
  const t = () => texts.forLanguage(party.language);
  const known = party.audience !== 'unknown';

  /** Ends the exchange with `lines`: written as a reply on a text channel, said on a call. */
  const end = async (lines: string[]): Promise<TurnResult> => {
    if (!call && lines.length > 0) {
      const id = await createMessage(sql, {
        kind: 'REPLY',
        channel,
        body: lines.join('\n'),
        language: party.language,
        workerId: party.audience === 'worker' ? party.workerId : null,
        familyContactId: party.familyContactId,
        toAddress: address,
        inReplyToId: req.messageId === null ? null : BigInt(req.messageId),
      });
      queue.push({ id, channel });
    }
    return { kind: 'end', language: party.language, sender, lines, queue };
  };
  const run = async (action: TurnAction, before: string[] = []): Promise<TurnResult> => {
    const out: TurnOutcome = await runTurn(
      { sql, texts, flows: FLOWS, now },
      { party, inboundMessageId: req.messageId, callSid: req.callSid ?? null, delivery: call ? 'inline' : 'message' },
      action,
      before,
    );
    queue.push(...out.queue);
    return { kind: 'flow', language: party.language, sender, output: out.output, active: out.session !== null, queue };
  };

  // Opt-out first: whoever it is, whatever is open (on a call, 9 unless the question takes it).
  const command = parseGlobalCommand(text);
  const ctx = stepContext(texts, party, now);
  // A question that timed out takes no keys: its session ends below.
  const keyed = (key: string) => call && text?.trim() === key && !keyIsAnswer(session?.expired ? null : session, ctx, key);
  if (command === 'optout' || keyed('9')) {
    const changed = await recordOptOut(sql, {
      channel,
      address,
      workerId: sender?.workerId ?? null,
      source: call ? 'keypad' : 'keyword',
    });
    // Whatever was being asked is no longer wanted.
    if (session) await endSession(sql, session.id, 'COMPLETED');
    return end([t()(call ? 'voice.optout' : changed ? 'optout.confirmed' : 'optout.already')]);
  }
  if (!call && command === 'optin' && (await recordOptIn(sql, channel, address))) return end([t()('optin.confirmed')]);

  if (call && !known) return end([t()('voice.unknown')]);

  const before: string[] = [];
  if (session?.expired) {
    // Ends politely: say so, then treat the message as a new one.
    before.push(...(await expireSession({ sql, texts, flows: FLOWS, now }, party, session)));
    session = null;
  }

  switch (incoming.kind) {
    case 'connect':
      // A conversation left open by a dropped call goes on where it stopped.
      return session
        ? run({ kind: 'repeat', session }, [...before, t()('flows:common.voice_resume')])
        : run({ kind: 'start', flow: 'menu', open: null }, before);
    case 'repeat':
      if (!session || incoming.end) return end([t()('voice.goodbye')]);
      return run({ kind: 'repeat', session }, before);
    case 'recording':
      if (!session) return end([t()('voice.received'), t()('voice.goodbye')]);
      return run(
        { kind: 'answer', session, input: { text: '', recording: incoming.recording, messageId: req.messageId ?? undefined } },
        before,
      );
    case 'text':
      break;
  }

  // Telegram: a shared contact card links the chat, if the card is the sender's own.
  if (channel === 'TELEGRAM' && incoming.contact) {
    const phone = normaliseMobile(incoming.contact.phone);
    if (!incoming.contact.userId || incoming.contact.userId !== incoming.fromUserId || !phone)
      return end([t()('flows:link.not_own')]);
    const linked = await linkTelegramChat(sql, { phone, chatId: address, via: 'contact', inboundMessageId: req.messageId });
    if (!linked) return end([t()('flows:link.not_found')]);
    if (session) await endSession(sql, session.id, 'COMPLETED');
    party = await partyOf(sql, channel, address, { workerId: linked.id, familyContactId: null, language: linked.language }, null);
    return run({ kind: 'start', flow: 'menu', open: null }, [...before, t()('flows:link.linked')]);
  }

  const conv = parseConversationCommand(text);
  if (!call && conv?.kind === 'language') {
    if (known) {
      await setLanguage(sql, {
        workerId: party.workerId,
        familyContactId: party.familyContactId,
        language: conv.language,
        channel,
        inboundMessageId: req.messageId,
      });
    }
    party = { ...party, language: conv.language };
    const said = [...before, t()('flows:common.language_set')];
    if (session) return run({ kind: 'repeat', session }, said);
    if (known) return run({ kind: 'start', flow: 'menu', open: null }, said);
    return end([[...said, t()('unknown.sender')].join('\n')]);
  }

  if ((conv?.kind === 'human' || keyed('0')) && known && party.workerId !== null) {
    if (session) await endSession(sql, session.id, 'ESCALATED');
    await requestHuman(
      { sql, texts, now, party, inboundMessageId: req.messageId, callSid: req.callSid },
      session?.flow ?? 'menu',
    );
    return end(call ? [t()('voice.human'), t()('voice.goodbye')] : [[...before, t()('flows:common.human')].join('\n')]);
  }

  if (incoming.retried || incoming.lastTurn) {
    // A repeated request must not answer twice; a very long call ends politely.
    if (!session || incoming.lastTurn) return end([t()('voice.goodbye')]);
    return run({ kind: 'repeat', session }, before);
  }

  if (command === 'help' || (command === 'optin' && !call)) {
    if (known) return run({ kind: 'start', flow: 'menu', open: session }, before);
    return end([unknownText(t(), channel, 'help.menu')]);
  }

  if (!call) {
    const linkPhone = channel === 'TELEGRAM' ? parseLinkCommand(text) : null;
    if (linkPhone !== null) {
      const phone = normaliseMobile(linkPhone);
      if (!phone) return end([t()('flows:link.bad_number')]);
      return run({ kind: 'start', flow: 'link_telegram', state: { phone }, open: session }, before);
    }
    const keyword = flowForKeyword(text);
    if (keyword && known) {
      const flow = FLOWS[keyword];
      if (!flow.audiences.includes(party.audience) || !flow.channels.includes(channel))
        return end([[...before, t()('flows:common.not_for_you')].join('\n')]);
      return run({ kind: 'start', flow: keyword, open: session }, before);
    }
  }

  if (session)
    return run({ kind: 'answer', session, input: { text: text ?? '', messageId: req.messageId ?? undefined } }, before);
  if (known) return run({ kind: 'start', flow: 'menu', open: null }, before);

  const recent = await sql.query(
    `SELECT 1 FROM "OutboundMessage" WHERE channel = $1::"Channel" AND "toAddress" = $2 AND kind = 'REPLY'
       AND "workerId" IS NULL AND "familyContactId" IS NULL AND "queuedAt" > now() - $3::interval LIMIT 1`,
    [channel, address, UNKNOWN_REPLY_INTERVAL],
  );
  return end(recent.rowCount === 0 ? [unknownText(t(), channel, 'unknown.sender')] : []);
}

/** The reply for someone not in the ledger; on Telegram it also says how to link the chat. */
function unknownText(t: ReturnType<Texts['forLanguage']>, channel: Channel, key: string): string {
  return channel === 'TELEGRAM' ? `${t(key)}\n${t('flows:link.how')}` : t(key);
}
