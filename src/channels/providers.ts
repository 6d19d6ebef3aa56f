/**
 * The providers this process talks to. With credentials: Twilio and Telegram (or compatible
 * endpoints at TWILIO_API_BASE / TELEGRAM_API_ROOT). Without: the loopback simulators, started by
 * the process that serves webhooks and described in DATA_DIR/simulators.json so that separate
 * worker processes on the same machine send to the same simulators.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Api } from 'grammy';
import twilio from 'twilio';
import type { Config } from '../config.js';
import type { Channel } from '../generated/prisma/enums.js';
import { secret } from '../secrets.js';
import { startTelegramSimulator, type TelegramSimulator } from '../simulators/telegram/index.js';
import { startTwilioSimulator, type TwilioSimulator } from '../simulators/twilio/index.js';
import { createTelegramAdapter } from './telegram/adapter.js';
import { BaseUrlRequestClient } from './twilio/client.js';
import { createTwilioSmsAdapter } from './twilio/sms-adapter.js';
import { createTwilioVoiceAdapter } from './twilio/voice-adapter.js';
import type { ChannelAdapter } from './types.js';

/** Sender number used with the simulator (a 106 service-number prefix, as Chinese bulk SMS uses). */
export const SIMULATED_FROM = '+8610690000000';

export interface TwilioSettings {
  client: twilio.Twilio;
  accountSid: string;
  authToken: string;
  /** TWILIO_API_BASE or the simulator's URL; unset for Twilio itself. */
  apiBase?: string;
  from?: string;
  messagingServiceSid?: string;
}

export interface TelegramSettings {
  api: Api;
  token: string;
  /** Bot API root when not Telegram's own (the simulator, TELEGRAM_API_ROOT). */
  apiRoot?: string;
  webhookSecret: string;
}

export interface Providers {
  twilio: TwilioSettings;
  telegram: TelegramSettings;
  adapters: Partial<Record<Channel, ChannelAdapter>>;
  /** Present when this process runs the simulators. */
  simulators?: { twilio: TwilioSimulator; telegram: TelegramSimulator };
  close(): Promise<void>;
}

interface SimulatorInfo {
  twilio: { url: string; accountSid: string; authToken: string };
  telegram: { url: string; token: string };
}

export function simulatorInfoPath(dataDir: string): string {
  return join(dataDir, 'simulators.json');
}

export function readSimulatorInfo(dataDir: string): SimulatorInfo | null {
  const p = simulatorInfoPath(dataDir);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as SimulatorInfo) : null;
}

function twilioClient(accountSid: string, authToken: string, apiBase?: string): twilio.Twilio {
  return twilio(accountSid, authToken, apiBase ? { httpClient: new BaseUrlRequestClient(apiBase) } : {});
}

/**
 * `serveWebhooks`: this process receives webhooks, so it may start the simulators. A process that
 * only works queues uses the simulators another process started.
 */
export async function createProviders(config: Config, serveWebhooks: boolean): Promise<Providers> {
  // loadConfig refuses a half-configured provider, so one variable tells which is in use.
  const realTwilio = config.TWILIO_ACCOUNT_SID !== undefined;
  const realTelegram = config.TELEGRAM_BOT_TOKEN !== undefined;
  let simulators: Providers['simulators'];
  let info: SimulatorInfo | null = null;

  if (!realTwilio || !realTelegram) {
    if (serveWebhooks) {
      const tw = await startTwilioSimulator({
        webhookBase: config.PUBLIC_BASE_URL,
        smsWebhookUrl: '/webhooks/twilio/sms',
        voiceWebhookUrl: '/webhooks/twilio/voice',
        // The service answers STOP/START itself (in Chinese too), as with Twilio's built-in
        // opt-out handling turned off on the Messaging Service.
        autoOptOut: false,
      });
      const tg = await startTelegramSimulator();
      simulators = { twilio: tw, telegram: tg };
      info = {
        twilio: { url: tw.url, accountSid: tw.accountSid, authToken: tw.authToken },
        telegram: { url: tg.url, token: tg.token },
      };
      mkdirSync(config.DATA_DIR, { recursive: true });
      writeFileSync(simulatorInfoPath(config.DATA_DIR), JSON.stringify(info, null, 2));
    } else {
      info = readSimulatorInfo(config.DATA_DIR);
      if (!info) {
        throw new Error(
          'No provider credentials and no simulators running: configure Twilio (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, ' +
            'TWILIO_FROM) and Telegram (TELEGRAM_BOT_TOKEN), or start the API process (outreach serve) first on this DATA_DIR.',
        );
      }
    }
  }

  const tw: TwilioSettings = realTwilio
    ? {
        client: twilioClient(config.TWILIO_ACCOUNT_SID!, config.TWILIO_AUTH_TOKEN!, config.TWILIO_API_BASE),
        accountSid: config.TWILIO_ACCOUNT_SID!,
        authToken: config.TWILIO_AUTH_TOKEN!,
        apiBase: config.TWILIO_API_BASE,
        from: config.TWILIO_FROM,
        messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID,
      }
    : {
        client: twilioClient(info!.twilio.accountSid, info!.twilio.authToken, info!.twilio.url),
        accountSid: info!.twilio.accountSid,
        authToken: info!.twilio.authToken,
        apiBase: info!.twilio.url,
        from: config.TWILIO_FROM ?? SIMULATED_FROM,
      };
  const tgToken = realTelegram ? config.TELEGRAM_BOT_TOKEN! : info!.telegram.token;
  const tgRoot = realTelegram ? config.TELEGRAM_API_ROOT : info!.telegram.url;
  const tg: TelegramSettings = {
    token: tgToken,
    apiRoot: tgRoot,
    api: new Api(tgToken, tgRoot ? { apiRoot: tgRoot } : undefined),
    webhookSecret: config.TELEGRAM_WEBHOOK_SECRET ?? secret(config, 'telegram-webhook'),
  };

  return {
    twilio: tw,
    telegram: tg,
    adapters: {
      SMS: createTwilioSmsAdapter({
        client: tw.client,
        accountSid: tw.accountSid,
        authToken: tw.authToken,
        apiBase: tw.apiBase,
        from: tw.from,
        messagingServiceSid: tw.messagingServiceSid,
        statusCallback: `${config.PUBLIC_BASE_URL}/webhooks/twilio/status`,
      }),
      TELEGRAM: createTelegramAdapter(tg.api),
      VOICE: createTwilioVoiceAdapter({
        client: tw.client,
        from: tw.from ?? SIMULATED_FROM,
        publicBaseUrl: config.PUBLIC_BASE_URL,
      }),
    },
    simulators,
    async close() {
      if (simulators) {
        await Promise.all([simulators.twilio.close(), simulators.telegram.close()]);
        rmSync(simulatorInfoPath(config.DATA_DIR), { force: true });
      }
    },
  };
}
