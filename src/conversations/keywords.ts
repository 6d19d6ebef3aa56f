/**
 * Global commands, recognised before any flow: opt-out, opt-in and help, in Chinese and English,
 * as SMS keywords and Telegram commands. Matching ignores case, spaces and punctuation around
 * the word, since people type "stop!" or " 退订。".
 */
export type GlobalCommand = 'optout' | 'optin' | 'help';

const WORDS: Record<string, GlobalCommand> = {
  stop: 'optout',
  unsubscribe: 'optout',
  退订: 'optout',
  td: 'optout',
  取消: 'optout',
  start: 'optin',
  subscribe: 'optin',
  订阅: 'optin',
  help: 'help',
  帮助: 'help',
  '?': 'help',
  '？': 'help',
  菜单: 'help',
  menu: 'help',
};

/** The message as one bare word: no Telegram slash or @botname, no surrounding punctuation, lower case. */
export function bareWord(text: string | null | undefined): string {
  if (!text) return '';
  return text
    .normalize('NFKC')
    .trim()
    .replace(/^\//, '') // Telegram commands: /stop, /start, /help (and /start@botname)
    .replace(/@\w+$/, '')
    .replace(/^[\s!！。.,，、~]+|[\s!！。.,，、~]+$/g, '')
    .toLowerCase();
}

export function parseGlobalCommand(text: string | null | undefined): GlobalCommand | null {
  return WORDS[bareWord(text)] ?? null;
}

/** Commands understood in any conversation: switch language, ask for a person. */
export type ConversationCommand = { kind: 'language'; language: 'zh-CN' | 'en' } | { kind: 'human' };

const CONVERSATION_WORDS: Record<string, ConversationCommand> = {
  中文: { kind: 'language', language: 'zh-CN' },
  汉语: { kind: 'language', language: 'zh-CN' },
  普通话: { kind: 'language', language: 'zh-CN' },
  chinese: { kind: 'language', language: 'zh-CN' },
  english: { kind: 'language', language: 'en' },
  英文: { kind: 'language', language: 'en' },
  英语: { kind: 'language', language: 'en' },
  转人工: { kind: 'human' },
  人工: { kind: 'human' },
  人工服务: { kind: 'human' },
  agent: { kind: 'human' },
  human: { kind: 'human' },
};

export function parseConversationCommand(text: string | null | undefined): ConversationCommand | null {
  return CONVERSATION_WORDS[bareWord(text)] ?? null;
}

/** "绑定 13800138000", "/link +86 138 0013 8000": the phone number part, or null. */
export function parseLinkCommand(text: string | null | undefined): string | null {
  const m = (text ?? '')
    .normalize('NFKC')
    .trim()
    .match(/^\/?(?:绑定|link)(?:@\w+)?[\s:：]*([+\d][\d\s-]{6,20})$/i);
  return m ? m[1]!.trim() : null;
}
