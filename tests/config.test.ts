import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('gives embedded defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe(resolve('./.data'));
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.PUBLIC_BASE_URL).toBe('http://127.0.0.1:3000');
  });

  it('treats empty strings as unset and trims a trailing slash from PUBLIC_BASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: '', PUBLIC_BASE_URL: 'https://sms.example.cn/' });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.PUBLIC_BASE_URL).toBe('https://sms.example.cn');
  });

  it.each([
    ['PORT', 'eighty', /PORT/],
    ['PORT', '70000', /PORT/],
    ['DATABASE_URL', 'mysql://x@y/z', /DATABASE_URL: expected a postgresql:\/\/ URL/],
    ['REDIS_URL', 'not a url', /REDIS_URL: expected a Redis URL/],
    ['TWILIO_FROM', '13800000000', /TWILIO_FROM: expected a sender number in E\.164/],
    ['TWILIO_ACCOUNT_SID', 'XY123', /TWILIO_ACCOUNT_SID: expected AC followed by 32 hex/],
    ['TELEGRAM_WEBHOOK_SECRET', 'has spaces in it', /TELEGRAM_WEBHOOK_SECRET/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(message);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: 'x', REDIS_URL: 'y' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual(['PORT', 'REDIS_URL']);
    }
  });

  it('never echoes a secret or a password in a URL', () => {
    const run = () => loadConfig({ TELEGRAM_BOT_TOKEN: 'short-secret-value', DATABASE_URL: 'mysql://u:pa55word@h/db' });
    expect(run).toThrowError(ConfigError);
    try {
      run();
    } catch (err) {
      const text = (err as Error).message;
      expect(text).toContain('TELEGRAM_BOT_TOKEN');
      expect(text).not.toContain('short-secret-value');
      expect(text).not.toContain('pa55word');
    }
  });

  const SID = `AC${'0'.repeat(32)}`;
  const MG = `MG${'0'.repeat(32)}`;
  it.each([
    [{ TWILIO_ACCOUNT_SID: SID }, ['TWILIO_AUTH_TOKEN', 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID']],
    [{ TWILIO_AUTH_TOKEN: 'secret-token' }, ['TWILIO_ACCOUNT_SID', 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID']],
    [{ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'secret-token' }, ['TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID']],
    [{ TWILIO_FROM: '+8610690000000' }, ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']],
    [{ TWILIO_API_BASE: 'http://127.0.0.1:9' }, ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM']],
    [{ TELEGRAM_API_ROOT: 'http://127.0.0.1:9' }, ['TELEGRAM_BOT_TOKEN']],
    [{ TELEGRAM_WEBHOOK_SECRET: 'abc' }, ['TELEGRAM_BOT_TOKEN']],
  ])('refuses a half-configured provider %o, naming what is missing', (env, missing) => {
    try {
      loadConfig(env);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).message;
      for (const name of missing) expect(text).toContain(name);
      expect(text).toMatch(/half configured/);
      expect(text).not.toContain('secret-token');
    }
  });

  it('takes a fully configured provider, and a fully unset one (its simulator)', () => {
    expect(loadConfig({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+8610690000000' }).TWILIO_FROM).toBe(
      '+8610690000000',
    );
    expect(loadConfig({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't', TWILIO_MESSAGING_SERVICE_SID: MG }).TWILIO_FROM).toBe(
      undefined,
    );
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).TELEGRAM_WEBHOOK_SECRET).toBeUndefined();
    expect(loadConfig({ TWILIO_AUTH_TOKEN: '', TELEGRAM_API_ROOT: '' }).TWILIO_AUTH_TOKEN).toBeUndefined();
  });
});
