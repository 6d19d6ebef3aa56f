/**
 * A phone in the terminal: lines typed become texts, Telegram messages, button presses or keypad
 * calls to the service through the simulators, and what the service sends back is printed. Lets
 * someone with no Twilio or Telegram account talk to a locally running service.
 */
import { createInterface } from 'node:readline';
import type { TelegramSimulator } from './telegram/simulator.js';
import type { TwilioSimulator } from './twilio/simulator.js';
import type { CallStep } from './twilio/voice.js';

export interface ConsolePhoneOptions {
  twilio?: TwilioSimulator;
  telegram?: TelegramSimulator;
  /** The phone's own number (From of its texts and calls). */
  phoneNumber?: string;
  /** The service's number (To of texts and calls). */
  serviceNumber?: string;
  /** The Telegram chat (and user) id of this phone. */
  chatId?: number;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

export interface ConsolePhone {
  /** Resolves when the input ends and every typed line was handled. */
  done: Promise<void>;
  close(): void;
}

export const PHONE_HELP = `Type a line to text the service by SMS. Other commands:
  tg <text>          send <text> to the Telegram bot ("tg /start" to begin)
  press <data>       press the Telegram button with that callback data
  contact            share this phone's number with the Telegram bot
  call [steps...]    call the service; each step is keys ("1"), "say:<words>", or "wait"
  help               this text`;

/** Starts reading commands from `input` (default stdin) and printing what the service sends to `output` (default stdout). */
export function startConsolePhone(opts: ConsolePhoneOptions): ConsolePhone {
  const phone = opts.phoneNumber ?? '+8613800138000';
  const service = opts.serviceNumber ?? '+15005550006';
  const chatId = opts.chatId ?? 10001;
  const out = opts.output ?? process.stdout;
  const print = (line: string) => out.write(`${line}\n`);
  const unsubscribe: Array<() => void> = [];

  if (opts.twilio) {
    unsubscribe.push(
      opts.twilio.onMessage((m) => {
        if (m.to === phone) print(`📩 SMS from ${m.from ?? service}: ${m.body}`);
      }),
    );
  }
  if (opts.telegram) {
    unsubscribe.push(
      opts.telegram.onSend((m, change) => {
        if (m.chatId !== chatId) return;
        print(`🤖 ${change === 'edited' ? '(edited) ' : ''}${m.text}`);
        for (const row of m.message.reply_markup?.inline_keyboard ?? []) {
          print(
            `   ${row.map((b) => ('callback_data' in b ? `[${b.text} → press ${b.callback_data}]` : `[${b.text}]`)).join(' ')}`,
          );
        }
        const keyboard = m.replyMarkup?.keyboard as
          | Array<Array<{ text?: string; request_contact?: boolean } | string>>
          | undefined;
        if (keyboard?.flat().some((b) => typeof b === 'object' && b.request_contact))
          print('   (the bot asks for your number: type "contact")');
      }),
    );
  }

  const handle = async (line: string): Promise<void> => {
    const text = line.trim();
    if (!text) return;
    const [command, ...rest] = text.split(/\s+/);
    const arg = text.slice(command!.length).trim();
    if (command === 'help') return void print(PHONE_HELP);
    if (command === 'tg' || command === 'press' || command === 'contact') {
      if (!opts.telegram) return void print('! no Telegram simulator is running');
      const tg = opts.telegram;
      let status: number | null;
      if (command === 'tg') status = (await tg.sendText(chatId, arg)).status;
      else if (command === 'contact') status = (await tg.shareContact(chatId, phone.replace(/^\+/, ''))).status;
      else {
        const target = [...tg.sentMessages(chatId)]
          .reverse()
          .find((m) =>
            m.message.reply_markup?.inline_keyboard.flat().some((b) => 'callback_data' in b && b.callback_data === arg),
          );
        if (!target) return void print(`! no button "${arg}" on the bot's messages`);
        status = (await tg.pressButton(chatId, target.messageId, arg)).status;
      }
      if (status === null) print('… queued for getUpdates (no webhook set)');
      else if (status >= 300) print(`! the bot's webhook answered ${status}`);
      return;
    }
    if (!opts.twilio) return void print('! no Twilio simulator is running');
    if (command === 'call') {
      const steps: CallStep[] = rest.map((s) =>
        s.startsWith('say:') ? { speech: s.slice(4) } : s === 'wait' ? { silence: true } : { digits: s },
      );
      const call = await opts.twilio.placeInboundCall({ from: phone, to: service, steps });
      for (const doc of call.documents) {
        for (const say of doc.says) print(`📞 ${say}`);
        if (doc.errorCode) print(`! Twilio error ${doc.errorCode} on ${doc.url ?? 'inline TwiML'}`);
      }
      return void print(`📞 call ended (${call.status})`);
    }
    const result = await opts.twilio.sendInbound({ from: phone, to: service, body: text });
    if (result.errorCode) print(`! Twilio error ${result.errorCode} (webhook answered ${result.status ?? 'nothing'})`);
  };

  const rl = createInterface({ input: opts.input ?? process.stdin, terminal: false });
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    chain = chain
      .then(() => handle(line))
      .catch((err: unknown) => {
        print(`! ${err instanceof Error ? err.message : String(err)}`);
      });
  });
  const done = new Promise<void>((resolve) => rl.on('close', () => resolve(chain))).finally(() => {
    for (const u of unsubscribe) u();
  });
  return { done, close: () => rl.close() };
}
