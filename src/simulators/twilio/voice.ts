/**
 * A scripted phone call: the simulator fetches the call's TwiML like Twilio does, reads out its
 * <Say>s, and answers each <Gather> with the next step of a script (keys pressed, words spoken,
 * silence, or hanging up), following <Gather action> and <Redirect> until the call ends.
 *
 * Twilio's rules kept here: a <Gather> or <Record> without `action` posts back to the document's own URL;
 * relative URLs resolve against the document's URL; speech to a dtmf-only <Gather> (the default
 * input) is not heard, so it behaves like silence; after silence Twilio goes on with the verb after
 * the <Gather> (or posts an empty result when actionOnEmptyResult="true"); a document that ends
 * without a verb that moves on ends the call.
 */
import type { FormFields, WebhookResponse } from '../http.js';
import type { SimCall, VoiceDocument } from './store.js';
import { elementsOf, parseTwiml, TwimlParseError, textOf, type XmlElement } from './twiml.js';

/**
 * One thing the caller does when the call reaches a <Gather> or a <Record>: keys, words, silence,
 * hanging up, or speaking for `seconds` into a <Record> (a recording is made and posted to its
 * action, as Twilio does).
 */
export type CallStep =
  | { digits: string }
  | { speech: string; confidence?: number }
  | { silence: true }
  | { hangup: true }
  | { record: { seconds: number } };

/** Safety stop for documents that redirect to each other forever. */
const MAX_DOCUMENTS = 50;

export interface CallRunner {
  /** Sends a signed voice webhook and records it. */
  fetchTwiml(call: SimCall, url: string, method: 'GET' | 'POST', params: FormFields): Promise<WebhookResponse>;
  /** The parameters Twilio sends with every voice request for this call (CallSid, From, To, ...). */
  baseParams(call: SimCall, callStatus: string): FormFields;
  /** Keeps a recording of the call; returns its sid and media URL. */
  createRecording(call: SimCall, seconds: number): { sid: string; url: string };
  /** Posts a <Record recordingStatusCallback> after the recording is ready (in the background). */
  recordingStatus(call: SimCall, url: string, method: 'GET' | 'POST', params: FormFields): void;
}

/** How a scripted call ended. */
export interface CallOutcome {
  status: 'completed' | 'busy' | 'no-answer';
  /** Documents fetched (or inline TwiML) in order. */
  documents: VoiceDocument[];
}

interface NextRequest {
  url: string;
  method: 'GET' | 'POST';
  extra: FormFields;
}

/** Runs `steps` against the call's TwiML; `first` is the inbound call's first CallStatus ('ringing') or 'in-progress'. */
export async function runScriptedCall(
  runner: CallRunner,
  call: SimCall,
  steps: CallStep[],
  firstStatus: 'ringing' | 'in-progress',
): Promise<CallOutcome> {
  const script = [...steps];
  const documents: VoiceDocument[] = [];
  let next: NextRequest | null = call.url ? { url: call.url, method: call.method, extra: {} } : null;
  let inline = call.twiml;
  let callStatus: string = firstStatus;

  while (documents.length < MAX_DOCUMENTS) {
    let doc: VoiceDocument;
    if (inline !== null) {
      doc = { url: null, method: 'POST', params: {}, httpStatus: null, twiml: inline, says: [], unsupported: [] };
      inline = null;
    } else if (next) {
      const params = { ...runner.baseParams(call, callStatus), ...next.extra };
      const res = await runner.fetchTwiml(call, next.url, next.method, params);
      doc = { url: next.url, method: next.method, params, httpStatus: res.status, twiml: res.body, says: [], unsupported: [] };
      if (res.status === null || res.status < 200 || res.status >= 300) {
        // Twilio says "an application error has occurred" and hangs up.
        doc.errorCode = 11200;
        documents.push(doc);
        return { status: 'completed', documents };
      }
    } else {
      break;
    }
    callStatus = 'in-progress';
    documents.push(doc);

    let root: XmlElement;
    try {
      root = parseTwiml(doc.twiml);
    } catch (err) {
      if (!(err instanceof TwimlParseError)) throw err;
      doc.errorCode = 12100;
      return { status: 'completed', documents };
    }

    const base = doc.url;
    const resolve = (target: string): string => {
      if (base) return new URL(target, base).toString();
      return new URL(target).toString(); // inline TwiML: only absolute URLs can be followed
    };

    next = null;
    let ended = false;
    verbs: for (const verb of elementsOf(root)) {
      switch (verb.name) {
        case 'Say':
          doc.says.push(textOf(verb).trim());
          break;
        case 'Play':
        case 'Pause':
          break;
        case 'Gather': {
          for (const inner of elementsOf(verb)) if (inner.name === 'Say') doc.says.push(textOf(inner).trim());
          const input = verb.attrs.input ?? 'dtmf';
          const method = (verb.attrs.method ?? 'POST').toUpperCase() === 'GET' ? 'GET' : 'POST';
          const action = verb.attrs.action ?? null;
          doc.gather = { action, method, input };
          for (const k of ['numDigits', 'language', 'timeout'] as const) {
            if (verb.attrs[k] !== undefined) doc.gather[k] = verb.attrs[k];
          }
          const target = action ? resolve(action) : base;
          const step = script.shift();
          if (!step || 'hangup' in step) {
            ended = true;
            break verbs;
          }
          let extra: FormFields | null = null;
          if ('digits' in step && input.includes('dtmf')) {
            extra = { Digits: step.digits, FinishedOnKey: '' };
          } else if ('speech' in step && input.includes('speech')) {
            extra = { SpeechResult: step.speech, Confidence: String(step.confidence ?? 0.92) };
          } else if (verb.attrs.actionOnEmptyResult === 'true') {
            extra = {};
          }
          if (extra && target) {
            next = { url: target, method, extra };
            break verbs;
          }
          break; // no input heard: go on with the next verb
        }
        case 'Record': {
          const method = (verb.attrs.method ?? 'POST').toUpperCase() === 'GET' ? 'GET' : 'POST';
          const target = verb.attrs.action ? resolve(verb.attrs.action) : base;
          const step = script.shift();
          if (!step || 'hangup' in step) {
            ended = true;
            break verbs;
          }
          // Nothing said: Twilio keeps no recording and goes on with the next verb.
          if (!('record' in step)) break;
          const maxLength = Number(verb.attrs.maxLength ?? 3600);
          const seconds = Math.max(1, Math.min(step.record.seconds, Number.isFinite(maxLength) ? maxLength : 3600));
          const rec = runner.createRecording(call, seconds);
          doc.recording = { sid: rec.sid, duration: seconds };
          const fields = { RecordingSid: rec.sid, RecordingUrl: rec.url, RecordingDuration: String(seconds), Digits: 'hangup' };
          if (verb.attrs.recordingStatusCallback) {
            const cbMethod = (verb.attrs.recordingStatusCallbackMethod ?? 'POST').toUpperCase() === 'GET' ? 'GET' : 'POST';
            runner.recordingStatus(call, resolve(verb.attrs.recordingStatusCallback), cbMethod, {
              ...fields,
              RecordingStatus: 'completed',
              RecordingChannels: '1',
              RecordingSource: 'RecordVerb',
            });
          }
          if (target) {
            next = { url: target, method, extra: fields };
            break verbs;
          }
          break;
        }
        case 'Redirect': {
          const method = (verb.attrs.method ?? 'POST').toUpperCase() === 'GET' ? 'GET' : 'POST';
          next = { url: resolve(textOf(verb).trim()), method, extra: {} };
          break verbs;
        }
        case 'Hangup':
          ended = true;
          break verbs;
        case 'Reject':
          return { status: verb.attrs.reason === 'busy' ? 'busy' : 'no-answer', documents };
        default:
          doc.unsupported.push(verb.name);
      }
    }
    if (ended || !next) break;
  }
  return { status: 'completed', documents };
}
