/**
 * TwiML for Mandarin calls, built with the twilio library's VoiceResponse. Twilio names the
 * languages differently for speech and for recognition: <Say language="cmn-CN"> with a Mandarin
 * voice, <Gather language="cmn-Hans-CN">.
 */
import twilio from 'twilio';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;

export interface Voice {
  say: { language: 'cmn-CN' | 'en-US'; voice: 'Polly.Zhiyu' | 'Polly.Joanna' };
  gather: 'cmn-Hans-CN' | 'en-US';
}

export function voiceFor(language: string): Voice {
  return language.startsWith('en')
    ? { say: { language: 'en-US', voice: 'Polly.Joanna' }, gather: 'en-US' }
    : { say: { language: 'cmn-CN', voice: 'Polly.Zhiyu' }, gather: 'cmn-Hans-CN' };
}

export function say(r: VoiceResponse, v: Voice, text: string): void {
  r.say(v.say, text);
}

/** A keypad-or-speech menu that posts its answer to `action`; silence falls through to `fallback`. */
export function menu(v: Voice, prompt: string, action: string, fallback: string): string {
  const r = new twilio.twiml.VoiceResponse();
  const g = r.gather({ input: ['dtmf', 'speech'], numDigits: 1, timeout: 6, language: v.gather, action, method: 'POST' });
  g.say(v.say, prompt);
  say(r, v, fallback);
  r.hangup();
  return r.toString();
}

/** Says `lines` in order and hangs up. */
export function sayAndHangUp(v: Voice, ...lines: string[]): string {
  const r = new twilio.twiml.VoiceResponse();
  for (const l of lines) say(r, v, l);
  r.hangup();
  return r.toString();
}

/** Says the lines, then continues at `next` (another menu). */
export function sayThenRedirect(v: Voice, next: string, ...lines: string[]): string {
  const r = new twilio.twiml.VoiceResponse();
  for (const l of lines) say(r, v, l);
  r.redirect({ method: 'POST' }, next);
  return r.toString();
}

/** The spoken consent notice, then a recording posted to `action` (evidence for confirmations). */
export function consentAndRecord(v: Voice, consent: string, prompt: string, action: string): string {
  const r = new twilio.twiml.VoiceResponse();
  say(r, v, consent);
  say(r, v, prompt);
  r.record({ action, method: 'POST', maxLength: 60, playBeep: true, timeout: 5 });
  return r.toString();
}
