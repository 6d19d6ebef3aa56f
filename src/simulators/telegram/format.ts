/**
 * Text rules of the Bot API that bite in production: what parse_mode does to a message's text,
 * when Telegram refuses it ("can't parse entities"), and the bot_command entities a client attaches
 * to a user's "/start" (grammY's bot.command() relies on them).
 */
import type { MessageEntity } from 'grammy/types';

/** Raised for text Telegram would refuse; the message is Telegram's description after "Bad Request: ". */
export class FormatError extends Error {}

/** Tags Telegram accepts with parse_mode HTML. */
const HTML_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);

const HTML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot);/g, (_, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return HTML_ENTITIES[ref]!;
  });
}

/** Text as shown to the user for parse_mode HTML; throws FormatError where Telegram would answer 400. */
export function renderHtml(text: string): string {
  const stack: string[] = [];
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*)>|<(?=[a-zA-Z/])/g)) {
    const at = m.index ?? 0;
    out += text.slice(last, at);
    last = at + m[0].length;
    const byteOffset = Buffer.byteLength(text.slice(0, at));
    if (m[2] === undefined) throw new FormatError(`can't parse entities: Unclosed start tag at byte offset ${byteOffset}`);
    const name = m[2].toLowerCase();
    if (!HTML_TAGS.has(name)) {
      throw new FormatError(`can't parse entities: Unsupported start tag "${name}" at byte offset ${byteOffset}`);
    }
    if (m[1] === '/') {
      if (stack.pop() !== name) {
        throw new FormatError(
          `can't parse entities: Unmatched end tag at byte offset ${byteOffset}, expected "</${stack.at(-1) ?? ''}>", found "</${name}>"`,
        );
      }
    } else {
      stack.push(name);
    }
  }
  out += text.slice(last);
  if (stack.length) {
    throw new FormatError(`can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"`);
  }
  return decodeHtml(out);
}

/** Characters MarkdownV2 reserves that are never formatting by themselves: unescaped, Telegram refuses the text. */
const MDV2_RESERVED = new Set(['.', '!', '#', '+', '-', '=', '{', '}']);
const MDV2_MARKERS = new Set(['*', '_', '~', '`', '|']);

/**
 * Text as shown for parse_mode MarkdownV2 (markers and escapes removed). Checks the rule most
 * templates break: '.', '!', '-', ... must be escaped with '\' outside code.
 */
export function renderMarkdownV2(text: string): string {
  let out = '';
  let inCode = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      out += text[++i];
      continue;
    }
    if (ch === '`') {
      inCode = !inCode;
      continue;
    }
    if (inCode) {
      out += ch;
      continue;
    }
    if (MDV2_RESERVED.has(ch)) {
      throw new FormatError(`can't parse entities: Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
    }
    if (MDV2_MARKERS.has(ch)) continue;
    out += ch;
  }
  return out;
}

/** Renders `text` for a parse_mode (undefined: as is). */
export function renderText(text: string, parseMode: string | undefined): string {
  if (!parseMode) return text;
  if (parseMode === 'HTML') return renderHtml(text);
  if (parseMode === 'MarkdownV2') return renderMarkdownV2(text);
  if (parseMode === 'Markdown') return text.replace(/[*_`]/g, '');
  throw new FormatError(`unsupported parse_mode "${parseMode}"`);
}

/** The bot_command entities Telegram attaches to a user's text ("/start", "/help@some_bot"). Offsets are UTF-16. */
export function commandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const m of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)/g)) {
    const offset = (m.index ?? 0) + m[1]!.length;
    entities.push({ type: 'bot_command', offset, length: m[2]!.length });
  }
  return entities;
}
