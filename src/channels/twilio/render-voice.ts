/**
 * A conversation turn's reply as TwiML for a call: the lines are spoken (<Say>, Mandarin by default), and the
 * question waiting is a <Gather> the caller answers by keypad or speech; choices become "找到工作
 * 请按1". A free-text answer that is evidence (a family confirmation's reason) is a <Record> after
 * the consent notice the flow has already spoken. Silence falls through to a redirect that asks
 * again.
 */
import type { TFunction } from 'i18next';
import twilio from 'twilio';
import type { Output } from '../../flows/types.js';
import { say, type Voice } from './twiml.js';

export interface VoiceUrls {
  /** Where the answer goes (the gather route, with the turn number). */
  answer: string;
  /** Where a recording goes (the recording route, with the turn number). */
  recording: string;
  /** Where the call goes after silence: the same question again. */
  repeat: string;
}

/** TwiML for `output`: a question when `active`, else the closing lines and a goodbye. */
export function renderVoice(output: Output, active: boolean, v: Voice, t: TFunction, urls: VoiceUrls): string {
  const r = new twilio.twiml.VoiceResponse();
  const ask = active ? output.expect : undefined;
  if (!ask) {
    for (const line of output.lines) say(r, v, line);
    say(r, v, t('flows:common.voice_goodbye'));
    r.hangup();
    return r.toString();
  }
  if (ask.type === 'text' && ask.record) {
    for (const line of output.lines) say(r, v, line);
    say(r, v, t('flows:common.voice_record_hint'));
    r.record({ action: urls.recording, method: 'POST', maxLength: 120, finishOnKey: '#', playBeep: true, timeout: 5 });
    // No recording (silence): Twilio goes on with the next verb.
    say(r, v, t('flows:common.voice_noinput'));
    r.redirect({ method: 'POST' }, urls.repeat);
    return r.toString();
  }

  const spokenChoices =
    ask.type === 'choice' && output.choices?.length
      ? output.choices.map((c) => t('flows:common.voice_press', { label: c.label, key: c.key })).join('，')
      : null;
  const hint =
    ask.type === 'number'
      ? t('flows:common.voice_number_hint')
      : ask.type === 'date'
        ? t('flows:common.voice_date_hint')
        : ask.type === 'text' || ask.type === 'place'
          ? t('flows:common.voice_speak_hint')
          : null;
  const singleKeys = ask.type === 'choice' && (output.choices ?? []).every((c) => c.key.length === 1);
  const g = r.gather({
    // Places and free text cannot be keyed in; everything else can be keyed or spoken.
    input: ask.type === 'text' || ask.type === 'place' ? ['speech'] : ['dtmf', 'speech'],
    language: v.gather,
    action: urls.answer,
    method: 'POST',
    timeout: ask.type === 'choice' ? 6 : 10,
    ...(singleKeys ? { numDigits: 1 } : { finishOnKey: '#' }),
    ...(ask.type === 'text' || ask.type === 'place' ? { speechTimeout: 'auto' } : {}),
    ...(output.choices?.length ? { hints: output.choices.map((c) => c.label).join(',') } : {}),
  });
  for (const line of output.lines) g.say(v.say, line);
  if (spokenChoices) g.say(v.say, spokenChoices);
  if (hint) g.say(v.say, hint);
  say(r, v, t('flows:common.voice_noinput'));
  r.redirect({ method: 'POST' }, urls.repeat);
  return r.toString();
}
