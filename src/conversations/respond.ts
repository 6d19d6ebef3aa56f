/**
 * What the service answers to a text message (SMS, Telegram) once opt-out and opt-in are dealt
 * with: language and staff requests, HELP (the menu), a flow's keyword, the answer to the open
 * conversation, Telegram linking, or the "please register" reply for someone not in the ledger.
 * Runs inside handle-inbound's per-sender transaction; unknown senders reach no ledger data.
 */
import { FLOWS } from '../../bots/index.js';
import type { Sql } from '../db/sql.js';
import { requestHuman } from '../flows/effects.js';
import { expireSession, isRunnable, type Party, runTurn, type Turn, type TurnOutcome } from '../flows/runner.js';
import type { FlowId } from '../flows/types.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Texts } from '../i18n.js';
import { setLanguage } from '../ledger/language.js';
import { createMessage } from '../ledger/outbound.js';
import { normaliseMobile } from '../ledger/phone.js';
import { activeSession, endSession, type StoredSession } from '../ledger/sessions.js';
import { linkTelegramChat } from '../ledger/telegram-links.js';
import type { Sender } from './identify.js';
import { bareWord, type GlobalCommand, parseConversationCommand, parseLinkCommand } from './keywords.js';

export interface TextMessage {
  id: string;
  channel: Channel;
  fromAddress: string;
  text: string | null;
  /** Telegram: the shared contact card and the sender's user id, when the message is one. */
  contact?: { phone: string; userId: string | null } | null;
  fromUserId?: string | null;
}

type Queue = Array<{ id: bigint; channel: Channel }>;

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
async function partyOf(sql: Sql, msg: TextMessage, sender: Sender | null, session: StoredSession | null): Promise<Party> {
  const base = { channel: msg.channel, address: msg.fromAddress };
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

export interface RespondDeps {
  sql: Sql;
  texts: Texts;
  now?: Date;
}

/** Handles one text message (not opt-out/opt-in); returns the outbound rows to queue. */
export async function respond(
  deps: RespondDeps,
  msg: TextMessage,
  sender: Sender | null,
  command: GlobalCommand | null,
): Promise<Queue> {
  const { sql, texts } = deps;
  const now = deps.now ?? new Date();
  let session = await activeSession(sql, msg.channel, msg.fromAddress, now);
  let party = await partyOf(sql, msg, sender, session);
  const t = () => texts.forLanguage(party.language);
  const turn = (): Turn => ({ party, inboundMessageId: msg.id, delivery: 'message' });
  const queue: Queue = [];
  const run = async (action: Parameters<typeof runTurn>[2], before: string[] = []): Promise<TurnOutcome> => {
    const out = await runTurn({ sql, texts, now }, turn(), action, before);
    queue.push(...out.queue);
    return out;
  };
  const reply = async (body: string) => {
    const id = await createMessage(sql, {
      kind: 'REPLY',
      channel: msg.channel,
      body,
      language: party.language,
      workerId: party.audience === 'worker' ? party.workerId : null,
      familyContactId: party.familyContactId,
      toAddress: msg.fromAddress,
      inReplyToId: BigInt(msg.id),
    });
    queue.push({ id, channel: msg.channel });
  };
  const known = party.audience !== 'unknown';

  const before: string[] = [];
  if (session && !isRunnable(session)) {
    await endSession(sql, session.id, 'EXPIRED');
    session = null;
  }
  if (session?.expired) {
    // Ends politely: say so, then treat the message as a new one.
    before.push(...(await expireSession({ sql, texts, now }, party, session)));
    session = null;
  }

  // Telegram: a shared contact card links the chat, if the card is the sender's own.
  if (msg.channel === 'TELEGRAM' && msg.contact) {
    const phone = normaliseMobile(msg.contact.phone);
    if (!msg.contact.userId || msg.contact.userId !== msg.fromUserId || !phone) {
      await reply(t()('flows:link.not_own'));
      return queue;
    }
    const linked = await linkTelegramChat(sql, { phone, chatId: msg.fromAddress, via: 'contact', inboundMessageId: msg.id });
    if (!linked) {
      await reply(t()('flows:link.not_found'));
      return queue;
    }
    if (session) await endSession(sql, session.id, 'COMPLETED');
    party = await partyOf(sql, msg, { workerId: linked.id, familyContactId: null, language: linked.language }, null);
    await run({ kind: 'start', flow: 'menu', open: null }, [...before, t()('flows:link.linked')]);
    return queue;
  }

  const conv = parseConversationCommand(msg.text);
  if (conv?.kind === 'language') {
    if (known) {
      await setLanguage(sql, {
        workerId: party.workerId,
        familyContactId: party.familyContactId,
        language: conv.language,
        channel: msg.channel,
        inboundMessageId: msg.id,
      });
    }
    party = { ...party, language: conv.language };
    const said = [...before, t()('flows:common.language_set')];
    if (session) await run({ kind: 'repeat', session }, said);
    else if (known) await run({ kind: 'start', flow: 'menu', open: null }, said);
    else await reply([...said, t()('unknown.sender')].join('\n'));
    return queue;
  }

  if (conv?.kind === 'human' && known && party.workerId !== null) {
    if (session) await endSession(sql, session.id, 'ESCALATED');
    await requestHuman({ sql, texts, now, party, inboundMessageId: msg.id }, session?.flow ?? 'menu');
    await reply([...before, t()('flows:common.human')].join('\n'));
    return queue;
  }

  if (command === 'help' || command === 'optin') {
    if (known) {
      await run({ kind: 'start', flow: 'menu', open: session }, before);
    } else {
      await reply(unknownText(t(), msg.channel, 'help.menu'));
    }
    return queue;
  }

  const linkPhone = msg.channel === 'TELEGRAM' ? parseLinkCommand(msg.text) : null;
  if (linkPhone !== null) {
    const phone = normaliseMobile(linkPhone);
    if (!phone) {
      await reply(t()('flows:link.bad_number'));
      return queue;
    }
    await run({ kind: 'start', flow: 'link_telegram', state: { phone }, open: session }, before);
    return queue;
  }

  const keyword = flowForKeyword(msg.text);
  if (keyword && known) {
    const flow = FLOWS[keyword];
    if (!flow.audiences.includes(party.audience) || !flow.channels.includes(msg.channel)) {
      await reply([...before, t()('flows:common.not_for_you')].join('\n'));
      return queue;
    }
    await run({ kind: 'start', flow: keyword, open: session }, before);
    return queue;
  }

  if (session) {
    await run({ kind: 'answer', session, input: { text: msg.text ?? '', messageId: msg.id } }, before);
    return queue;
  }

  if (known) {
    await run({ kind: 'start', flow: 'menu', open: null }, before);
    return queue;
  }

  const recent = await sql.query(
    `SELECT 1 FROM "OutboundMessage" WHERE channel = $1::"Channel" AND "toAddress" = $2 AND kind = 'REPLY'
       AND "workerId" IS NULL AND "familyContactId" IS NULL AND "queuedAt" > now() - $3::interval LIMIT 1`,
    [msg.channel, msg.fromAddress, UNKNOWN_REPLY_INTERVAL],
  );
  if (recent.rowCount === 0) await reply(unknownText(t(), msg.channel, 'unknown.sender'));
  return queue;
}

/** The reply for someone not in the ledger; on Telegram it also says how to link the chat. */
function unknownText(t: ReturnType<Texts['forLanguage']>, channel: Channel, key: string): string {
  return channel === 'TELEGRAM' ? `${t(key)}\n${t('flows:link.how')}` : t(key);
}
