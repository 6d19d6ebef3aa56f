import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactText } from '../src/logging.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

// A valid-looking resident ID number (checksum not relevant to redaction) and mobile numbers.
const ID = '610102199003071234';
const PHONES = ['+8613812345678', '13812345678', '138 1234 5678', '+86 138-1234-5678'];

describe('log redaction', () => {
  it.each(PHONES)('hides the phone number %s inside text', (phone) => {
    expect(redactText(`reply to ${phone} now`)).toBe('reply to [phone] now');
  });

  it('hides ID numbers, including a final X', () => {
    expect(redactText(`id ${ID} and 61010219900307123X`)).toBe('id [id] and [id]');
  });

  it('leaves ordinary numbers alone', () => {
    expect(redactText('campaign 12345 sent 70 segments at 2026-11-29')).toBe('campaign 12345 sent 70 segments at 2026-11-29');
  });

  it('keeps numbers out of messages, fields, nested objects and errors', () => {
    const { logger, lines } = capture();
    logger.info({ worker: { phone: '+8613812345678', note: `ID ${ID}` }, from: '13912345678' }, 'inbound from 13812345678');
    logger.error({ err: new Error(`send to +8613812345678 failed`) }, 'provider error');
    const out = lines.join('\n');
    expect(out).not.toMatch(/1381234|1391234|610102199003/);
    expect(out).toContain('[phone]');
    expect(out).toContain('[redacted]');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!).err.message).toBe('send to [phone] failed');
  });
});
