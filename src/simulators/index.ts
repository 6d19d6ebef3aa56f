/**
 * Loopback simulators of the providers (Twilio, Telegram Bot API): real HTTP servers speaking the
 * providers' wire formats, for tests and for running the service without accounts.
 */

export { type ConsolePhone, type ConsolePhoneOptions, PHONE_HELP, startConsolePhone } from './phone.js';
export * from './telegram/index.js';
export * from './twilio/index.js';
