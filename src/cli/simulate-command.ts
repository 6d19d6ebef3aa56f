/**
 * `outreach simulate sms|telegram`: talk to a running service as a phone would, through the
 * simulators it started (npm start without provider credentials), and print the replies.
 */
import type { Command } from 'commander';
import { readSimulatorInfo, SIMULATED_FROM } from '../channels/providers.js';
import { normaliseMobile } from '../ledger/phone.js';
import { cliConfig } from './context.js';

interface Reply {
  text: string;
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url.split('?')[0]} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Polls `list` until no new reply has come for `quietMs` (or `waitMs` in all), printing new ones. */
async function printReplies(list: () => Promise<Reply[]>, before: number, waitMs: number, quietMs = 1500): Promise<number> {
  const start = Date.now();
  let seen = before;
  let last = Date.now();
  while (Date.now() - start < waitMs && (seen === before || Date.now() - last < quietMs)) {
    const all = await list();
    for (const r of all.slice(seen)) console.log(`< ${r.text.replaceAll('\n', '\n  ')}`);
    if (all.length > seen) {
      seen = all.length;
      last = Date.now();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (seen === before) console.log('(no reply yet: is the service running?)');
  return seen - before;
}

function simulators() {
  const config = cliConfig();
  const info = readSimulatorInfo(config.DATA_DIR);
  if (!info) {
    throw new Error(
      `No simulators are running for DATA_DIR ${config.DATA_DIR}: start the service without provider credentials (npm start) and try again.`,
    );
  }
  return { info, serviceNumber: config.TWILIO_FROM ?? SIMULATED_FROM };
}

export function registerSimulateCommand(program: Command): void {
  const sim = program.command('simulate').description('send a message to the running service as a phone or chat would');

  sim
    .command('sms')
    .argument('<from>', 'the sending mobile number, e.g. +8613800000000')
    .argument('<text...>', 'the message')
    .option('--wait <ms>', 'how long to wait for replies', '8000')
    .description('text the service from a phone number and print its replies')
    .action(async (from: string, words: string[], opts: { wait: string }) => {
      const phone = normaliseMobile(from);
      if (!phone) throw new Error(`"${from}" is not a mainland mobile number`);
      const { info, serviceNumber } = simulators();
      const base = info.twilio.url;
      const list = async () =>
        (await call<Array<{ body: string; direction: string }>>(`${base}/_sim/messages?to=${encodeURIComponent(phone)}`))
          .filter((m) => m.direction !== 'inbound')
          .map((m) => ({ text: m.body }));
      const before = (await list()).length;
      const sent = await call<{ status: number | null }>(`${base}/_sim/sms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: phone, to: serviceNumber, body: words.join(' ') }),
      });
      console.log(`> ${words.join(' ')}   (webhook answered ${sent.status})`);
      await printReplies(list, before, Number(opts.wait));
    });

  sim
    .command('telegram')
    .argument('<chatId>', 'the Telegram chat id, e.g. 700100')
    .argument('<text...>', 'the message (a command such as /help works too)')
    .option('--wait <ms>', 'how long to wait for replies', '8000')
    .description('write to the bot from a Telegram chat and print its replies')
    .action(async (chatId: string, words: string[], opts: { wait: string }) => {
      if (!/^-?\d{1,15}$/.test(chatId)) throw new Error(`"${chatId}" is not a Telegram chat id (digits)`);
      const { info } = simulators();
      const base = info.telegram.url;
      const list = async () =>
        (await call<Array<{ text?: string }>>(`${base}/_sim/messages?chat_id=${chatId}`)).map((m) => ({ text: m.text ?? '' }));
      const before = (await list()).length;
      const sent = await call<{ status: number | null }>(`${base}/_sim/text`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chatId: Number(chatId), text: words.join(' ') }),
      });
      console.log(`> ${words.join(' ')}   (webhook answered ${sent.status})`);
      await printReplies(list, before, Number(opts.wait));
    });
}
