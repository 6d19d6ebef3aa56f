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

export function parseGlobalCommand(text: string | null | undefined): GlobalCommand | null {
  if (!text) return null;
  const word = text
    .trim()
    .replace(/^\//, '') // Telegram commands: /stop, /start, /help (and /start@botname)
    .replace(/@\w+$/, '')
    .replace(/^[\s!！。.,，、~]+|[\s!！。.,，、~]+$/g, '')
    .toLowerCase();
  return WORDS[word] ?? null;
}
