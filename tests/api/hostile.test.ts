/**
 * Whole classes of bad input against every route of the staff API, read from its own OpenAPI
 * document: ids past their column's range, negative and fractional numbers, NUL characters,
 * huge strings, wrong types, in the path, the query string and the body. None may answer 5xx:
 * each is a 4xx naming the field, or an ordinary answer when the value happens to be valid.
 */
import { fc, it } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { TestService } from '../helpers/service.js';
import { call, HANYIN, startApiService, tokenFor } from './helpers.js';

let svc: TestService;
let province: string;
let county: string;

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  pattern?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  required?: string[];
}
interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  params: Param[];
  body: Schema | null;
}

let operations: Operation[] = [];

/** The values that broke routes before: past an Int or BigInt column, NUL, huge, not numbers. */
const HOSTILE_TEXT = [
  '2147483648',
  '9223372036854775808',
  '99999999999999999999999',
  '-1',
  '0',
  '1.5',
  '1e400',
  'NaN',
  'a\u0000b',
  '\u0000',
  'x'.repeat(100_000),
  '👩‍🌾',
  '\'; DROP TABLE "Worker"; --',
  '%00',
  '',
];

const hostileText = fc.oneof(
  fc.constantFrom(...HOSTILE_TEXT),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(2147483648, 2 ** 63, -1, 0, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER),
  fc.integer({ min: 1, max: 40 }),
);

/** A value for a JSON body field: mostly of its declared type, sometimes of any type. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 3) return fc.oneof(hostileText, hostileNumber, fc.constant(null));
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return fc.oneof(...variants.map((v) => valueFor(v, depth + 1)));
  if (schema.enum?.length) return fc.oneof(fc.constantFrom(...schema.enum), hostileText);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return fc.oneof(hostileNumber, hostileNumber, hostileText);
    case 'string':
      return fc.oneof(
        hostileText,
        hostileText,
        hostileNumber,
        fc.constantFrom(HANYIN, '2026-11-30', '2026-11-30T08:00:00+08:00'),
      );
    case 'boolean':
      return fc.oneof(fc.boolean(), hostileText);
    case 'array':
      return fc.oneof(fc.array(valueFor(schema.items, depth + 1), { maxLength: 3 }), hostileText);
    case 'object':
      return bodyFor(schema, depth + 1);
    default:
      return fc.oneof(hostileText, hostileNumber, fc.constant(null), fc.boolean());
  }
}

/** A body with every declared field (each maybe left out), plus now and then an undeclared one. */
function bodyFor(schema: Schema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(schema.properties ?? {});
  return fc.record(
    {
      ...Object.fromEntries(props.map(([k, s]) => [k, valueFor(s, depth)])),
      ...(depth === 0 ? { 'extra\u0000field': hostileText } : {}),
    },
    { requiredKeys: [] },
  );
}

function requestFor(op: Operation): fc.Arbitrary<{ path: string; body: unknown }> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  return fc.record({
    path: fc
      .tuple(
        fc.tuple(...pathParams.map(() => fc.oneof(hostileText, fc.integer({ min: 1, max: 40 }).map(String)))),
        fc.record(Object.fromEntries(queryParams.map((p) => [p.name, fc.oneof(hostileText, valueFor(p.schema).map(String))])), {
          requiredKeys: [],
        }),
      )
      .map(([values, query]) => {
        let path = op.path;
        pathParams.forEach((p, i) => {
          path = path.replace(`{${p.name}}`, encodeURIComponent(String(values[i])) || '%20');
        });
        const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
        return qs ? `${path}?${qs}` : path;
      }),
    body: op.body ? fc.oneof(bodyFor(op.body), hostileText, fc.constant(null), fc.array(hostileNumber)) : fc.constant(undefined),
  });
}

beforeAll(async () => {
  svc = await startApiService();
  province = await tokenFor(svc, '61', 'ADMIN');
  county = await tokenFor(svc, HANYIN, 'OPERATOR');
  const doc = (await call(svc, 'GET', '/docs/json')).body as {
    paths: Record<
      string,
      Record<string, { parameters?: Param[]; requestBody?: { content: Record<string, { schema: Schema }> } }>
    >;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema ?? null,
    })),
  );
});
afterAll(async () => {
  await svc?.stop();
});

describe('hostile input on every route', () => {
  it('the OpenAPI document lists the routes', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/confirmations',
        'GET /api/v1/tasks',
        'PATCH /api/v1/workers/{id}',
        'POST /api/v1/inbox/{id}/register',
      ]),
    );
  });

  it('ids past a column’s range in any path or query id are a 400 naming the field', async () => {
    for (const op of operations) {
      // Ids are integers or digit strings (BigInt); a free-text field such as the audit's entityId is not one.
      const isId = (x: Param) => /id$|^cursor$/i.test(x.name) && (x.schema?.type !== 'string' || x.schema.pattern !== undefined);
      for (const p of op.params.filter((x) => x.in !== 'header' && isId(x))) {
        // Past an Int column (for integer ids), past a BigInt column (for every id), negative, NUL.
        const isInt = [p.schema?.type, ...(p.schema?.anyOf ?? []).map((x) => x.type)].flat().includes('integer');
        for (const value of [...(isInt ? ['2147483648'] : []), '9223372036854775808', '-1', 'a\u0000b']) {
          let path = op.path;
          for (const other of op.params.filter((x) => x.in === 'path'))
            path = path.replace(`{${other.name}}`, other.name === p.name ? encodeURIComponent(value) : '1');
          if (p.in === 'query') path += `?${p.name}=${encodeURIComponent(value)}`;
          const r = await call(svc, op.method, path, { token: province, ...(op.body ? { json: {} } : {}) });
          expect(r.status, `${op.method} ${path} → ${r.status} ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
          expect(r.status, `${op.method} ${path}`).toBeLessThan(500);
        }
      }
    }
  });

  it('no request built from hostile values answers 5xx', async () => {
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(requestFor(op), fc.constantFrom(province, county), async (req, token) => {
          const r = await call(svc, op.method, req.path, { token, ...(req.body !== undefined ? { json: req.body } : {}) });
          expect(
            r.status,
            `${op.method} ${req.path} ${JSON.stringify(req.body)?.slice(0, 300)} → ${JSON.stringify(r.body)}`,
          ).toBeLessThan(500);
        }),
        { numRuns: 12 },
      );
    }
  });

  it('a NUL byte in any string of the body is refused with the field’s path', async () => {
    const r = await call(svc, 'POST', '/api/v1/campaigns', {
      token: county,
      json: { name: 'a\u0000b', kind: 'POLICY_NOTICE', regionCode: HANYIN, content: { text: { 'zh-CN': 'x' } } },
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('body/name must not contain NUL characters (\\u0000)');
    const q = await call(svc, 'GET', '/api/v1/workers?name=a%00b', { token: county });
    expect(q.status).toBe(400);
    expect(q.body.message).toContain('querystring/name');
  });

  it('a campaign audience naming a village that does not exist is refused at creation', async () => {
    const r = await call(svc, 'POST', '/api/v1/campaigns', {
      token: county,
      json: {
        name: '测试',
        kind: 'POLICY_NOTICE',
        regionCode: HANYIN,
        audience: { regions: ['610921100999'] },
        content: { text: { 'zh-CN': '通知' } },
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('audience/regions');
  });
});
