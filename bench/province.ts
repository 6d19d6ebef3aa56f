/**
 * A generated province in PostgreSQL for benchmarks: `ensureProvince(opts)` creates (or reuses,
 * when one of the same size and generator version is already there) the database
 * `outreach_bench_province`, migrated as the service migrates (src/db/migrations.ts), holding
 * by default 1,000,000 workers generated set-based in SQL (generate_series):
 *
 * - regions: 陕西省 → the cities of 10 real county codes → 10 counties → 100 townships (10 per
 *   county, code county + 101…110) → 1,100 villages (11 per township, code township + 201…211);
 * - 400,000 households (户编号 = village code + 4 digits; the first 200,000 have 3 workers, the
 *   others 2), categories mixed, spread evenly over the villages;
 * - workers: unique mainland mobiles (+86 13x…19x, the last 9 digits are the worker's number),
 *   10% English speakers, every 5th with a Telegram chat id (700000000 + n), every 12th needs
 *   voice; labour capacity 80% full, 12% partial, 8% none (those unable to work); statuses
 *   spread over every EmploymentStatus with a current EmploymentEvent (employer, place, industry,
 *   wage, insurance, reason for the unemployed); statusConfirmedAt 0–11 days ago (about a third
 *   stale) and never for every 40th;
 * - household counts and the zero-employment flag computed from the workers (about 10% of
 *   households), an open ZeroEmploymentSpell for each, and cleared spells of the past months;
 * - service contacts: a job lead for 60% of workers, a staff call for 30%, and 0–4 contacts
 *   for each zero-employment household since it entered the list;
 * - two POLICY_NOTICE campaigns with sent/delivered OutboundMessages (a third of the province,
 *   half of the first county).
 *
 * Loading drops the secondary indexes of the big tables and builds them again afterwards, and
 * skips foreign-key triggers (session_replication_role = replica): about a minute on two cores.
 *
 * BENCH_DATABASE_URL: the admin connection (default: the local server's Unix socket, see bench/defaults.ts).
 */
import pg from 'pg';
import { applyMigrations } from '../src/db/migrations.js';
import { syntheticCounties } from '../src/import/synthetic-regions.js';
import { ADMIN_URL } from './defaults.js';

export const PROVINCE_DB = 'outreach_bench_province';
/** Bumped when the generated data changes shape, so an older database is rebuilt. */
const GENERATOR_VERSION = 1;

export interface ProvinceOptions {
  /** Workers to generate (default 1,000,000); households are workers / 2.5. */
  workers?: number;
  /** Counties (default 10); each has 10 townships of 11 villages. */
  counties?: number;
  /** Admin connection used to create the database (default BENCH_DATABASE_URL or local postgres). */
  adminUrl?: string;
  /** Rebuild even when a database of the same size exists. */
  rebuild?: boolean;
  /** Progress lines (default: to stderr). */
  log?: (line: string) => void;
}

export interface Province {
  databaseUrl: string;
  workers: number;
  households: number;
  counties: number;
  /** Codes of the province and of its first county and township (for scoped benchmarks). */
  provinceCode: string;
  countyCodes: string[];
  /** True when an existing database was reused. */
  reused: boolean;
}

function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates or reuses the province database and returns its connection string. */
export async function ensureProvince(opts: ProvinceOptions = {}): Promise<Province> {
  const workers = opts.workers ?? 1_000_000;
  const counties = opts.counties ?? 10;
  const adminUrl = opts.adminUrl ?? ADMIN_URL;
  const log = opts.log ?? ((line: string) => console.error(line));
  const households = Math.max(1, Math.round(workers / 2.5));
  const databaseUrl = withDatabase(adminUrl, PROVINCE_DB);
  const seeds = syntheticCounties(counties);
  const result = (reused: boolean): Province => ({
    databaseUrl,
    workers,
    households,
    counties,
    provinceCode: '61',
    countyCodes: seeds.map((c) => c.code),
    reused,
  });

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [PROVINCE_DB]);
    if (exists.rowCount && !opts.rebuild) {
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        const marker = await db
          .query<{ workers: number; counties: number; version: number }>('SELECT workers, counties, version FROM _bench_province')
          .catch(() => ({ rows: [] }));
        const m = marker.rows[0];
        if (m && m.workers === workers && m.counties === counties && m.version === GENERATOR_VERSION) {
          log(`reusing ${PROVINCE_DB}: ${workers} workers in ${counties} counties`);
          return result(true);
        }
      } finally {
        await db.end();
      }
    }
    await admin.query(`DROP DATABASE IF EXISTS ${PROVINCE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${PROVINCE_DB}`);
  } finally {
    await admin.end();
  }

  const started = performance.now();
  const step = async (label: string, fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    log(`  ${label}: ${Math.round(performance.now() - t)} ms`);
  };
  log(`building ${PROVINCE_DB}: ${workers} workers, ${households} households, ${counties} counties`);
  await step('migrations', () => applyMigrations(databaseUrl));

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(`SET session_replication_role = replica; SET synchronous_commit = off;
                    SET maintenance_work_mem = '512MB'; SET work_mem = '128MB'`);
    const bigTables = ['Household', 'Worker', 'EmploymentEvent', 'ServiceContact', 'ZeroEmploymentSpell', 'OutboundMessage'];
    // Secondary indexes (and unique constraints built as indexes) are rebuilt after the load.
    const idx = await db.query<{ name: string; def: string }>(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY($1) AND NOT i.indisprimary`,
      [bigTables],
    );
    await step('drop indexes', () => db.query(idx.rows.map((r) => `DROP INDEX ${r.name};`).join('\n')));

    await step('regions', () => regions(db, seeds));
    await step('households', () =>
      db.query(
        `WITH v AS (SELECT row_number() OVER (ORDER BY id) - 1 AS vi, * FROM vchain),
              n AS (SELECT count(*) AS nv FROM vchain)
         INSERT INTO "Household" (id, code, "headName", category, "villageId", "townshipId", "countyId", "cityId", "provinceId",
                                  address, "createdAt", "updatedAt")
         SELECT h, v.vcode || lpad(((h - 1) / n.nv + 1)::text, 4, '0'),
                (ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴','徐','孙','胡','朱','高','林','何','郭','马','罗'])[h % 20 + 1]
                  || (ARRAY['建国','秀兰','德明','桂英','志强','玉梅','成','平','军','芳','红','伟','明','丽','勇','静','强','敏','磊','燕'])[(h / 20) % 20 + 1],
                (ARRAY['NOT_YET_OUT','NOT_YET_OUT','NOT_YET_OUT','NOT_YET_OUT','MONITORED','MONITORED','EDGE','RELOCATED','OTHER','OTHER'])[h % 10 + 1]::"HouseholdCategory",
                v.id, v."townshipId", v."countyId", v."cityId", v."provinceId",
                v.vname || (h % 12 + 1) || '组',
                now(), now()
           FROM generate_series(1, $1::int) h
           CROSS JOIN n
           JOIN v ON v.vi = (h - 1) % n.nv`,
        [households],
      ),
    );
    await step('workers', () =>
      db.query(
        `INSERT INTO "Worker" (id, "householdId", "villageId", "townshipId", "countyId", "cityId", "provinceId", name, "idHash", "idLast4",
                               gender, "birthYear", phone, "telegramChatId", language, "needsVoice", "laborCapacity",
                               "willingToWorkAway", skills, "isReturnee", "countyConfirmed", "currentStatus", "currentEventId",
                               "statusConfirmedAt", "createdAt", "updatedAt")
         SELECT i, h.id, h."villageId", h."townshipId", h."countyId", h."cityId", h."provinceId",
                (ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴','徐','孙','胡','朱','高','林','何','郭','马','罗'])[(i * 7) % 20 + 1]
                  || (ARRAY['建华','秀英','小军','海燕','志刚','丽娟','文','斌','涛','霞','鹏','娜','超','艳','杰','娟','浩','婷','波','琴'])[(i / 7) % 20 + 1],
                md5('bench-worker-' || i), lpad(((i * 37) % 10000)::text, 4, '0'),
                CASE WHEN i % 2 = 0 THEN 'M' ELSE 'F' END, 1960 + i % 45,
                '+861' || (3 + i % 7) || lpad(i::text, 9, '0'),
                CASE WHEN i % 5 = 0 THEN 700000000 + i END,
                CASE WHEN i % 10 = 0 THEN 'en' ELSE 'zh-CN' END,
                i % 12 = 0,
                s.cap::"LaborCapacity",
                CASE i % 3 WHEN 0 THEN true WHEN 1 THEN false END,
                CASE WHEN i % 4 = 0 THEN ARRAY['电工'] ELSE ARRAY[]::text[] END,
                i % 15 = 0, true,
                s.status::"EmploymentStatus",
                CASE WHEN s.status <> 'UNKNOWN' THEN i END,
                CASE WHEN i % 40 = 0 THEN NULL
                     ELSE now() - make_interval(secs => (abs(hashint4(i + 7)) % 950400)) END,
                now(), now()
           FROM generate_series(1, $1::int) i
           JOIN "Household" h ON h.id = (i - 1) % $2::int + 1
           CROSS JOIN LATERAL (
             SELECT CASE WHEN i % 25 < 2 THEN 'NONE' WHEN i % 25 < 5 THEN 'PARTIAL' ELSE 'FULL' END AS cap,
                    abs(hashint4(i)) % 100 AS k
           ) c
           CROSS JOIN LATERAL (
             SELECT c.cap,
                    CASE WHEN c.cap = 'NONE' THEN 'UNABLE_TO_WORK'
                         WHEN c.k < 22 THEN 'EMPLOYED_LOCAL' WHEN c.k < 34 THEN 'EMPLOYED_IN_PROVINCE'
                         WHEN c.k < 46 THEN 'EMPLOYED_OUT_OF_PROVINCE' WHEN c.k < 52 THEN 'EMPLOYED_JIANGSU'
                         WHEN c.k < 57 THEN 'PUBLIC_WELFARE_POST' WHEN c.k < 62 THEN 'SELF_EMPLOYED'
                         WHEN c.k < 80 THEN 'UNEMPLOYED' WHEN c.k < 86 THEN 'RETURNED_HOME'
                         WHEN c.k < 89 THEN 'TEMPORARILY_UNWILLING' ELSE 'UNKNOWN' END AS status
           ) s`,
        [workers, households],
      ),
    );
    await step('employment events', () =>
      db.query(
        `INSERT INTO "EmploymentEvent" (id, "workerId", status, employer, place, industry, "monthlyWage", insured, reason,
                                        "effectiveDate", "reportedAt", source, channel)
         SELECT w.id, w.id, w."currentStatus",
                CASE WHEN e THEN (ARRAY['县新社区工厂','秦巴茶业公司','安康富硒食品厂','西安建工集团','比亚迪西安工厂',
                                        '东莞电子厂','广州服装公司','苏州精密电子','昆山模具厂','镇政府公益岗','个体经营','物流配送站'])[w.id % 12 + 1] END,
                CASE w."currentStatus" WHEN 'EMPLOYED_LOCAL' THEN '本县' WHEN 'EMPLOYED_IN_PROVINCE' THEN '陕西省西安市'
                     WHEN 'EMPLOYED_OUT_OF_PROVINCE' THEN (ARRAY['广东省东莞市','浙江省宁波市','广东省广州市'])[w.id % 3 + 1]
                     WHEN 'EMPLOYED_JIANGSU' THEN (ARRAY['江苏省苏州市','江苏省昆山市'])[w.id % 2 + 1]
                     WHEN 'PUBLIC_WELFARE_POST' THEN '本村' WHEN 'SELF_EMPLOYED' THEN '本镇' END,
                CASE WHEN e THEN (ARRAY['制造业','建筑业','农林牧渔业','批发和零售业','住宿和餐饮业','交通运输业',
                                        '居民服务业','公共管理','信息技术','其他'])[(w.id / 3) % 10 + 1] END,
                CASE WHEN w."currentStatus" = 'PUBLIC_WELFARE_POST' THEN 800
                     WHEN e AND w.id % 20 <> 0 THEN 1800 + (abs(hashint4(w.id + 1)) % 60) * 100 END,
                CASE WHEN e THEN w.id % 3 <> 0 END,
                CASE WHEN w."currentStatus" IN ('UNEMPLOYED', 'RETURNED_HOME', 'TEMPORARILY_UNWILLING', 'UNABLE_TO_WORK')
                     THEN (ARRAY['需照顾老人','需照顾小孩','暂无合适岗位','身体原因','企业减员','技能不足'])[w.id % 6 + 1] END,
                (now() - make_interval(days => 5 + w.id % 300))::date,
                COALESCE(w."statusConfirmedAt", now() - interval '30 days'),
                'IMPORT', 'IMPORT'
           FROM "Worker" w
           CROSS JOIN LATERAL (SELECT w."currentStatus" IN ('EMPLOYED_LOCAL','EMPLOYED_IN_PROVINCE','EMPLOYED_OUT_OF_PROVINCE',
                                                            'EMPLOYED_JIANGSU','PUBLIC_WELFARE_POST','SELF_EMPLOYED') AS e) x
          WHERE w."currentStatus" <> 'UNKNOWN'`,
      ),
    );
    await step('household counts', () =>
      db.query(
        `UPDATE "Household" h
            SET "laborCount" = c.labor, "employedCount" = c.employed, "zeroEmployment" = c.labor > 0 AND c.employed = 0,
                "zeroEmploymentSince" = CASE WHEN c.labor > 0 AND c.employed = 0 THEN now() - make_interval(days => h.id % 90, hours => h.id % 24) END
           FROM (SELECT "householdId" AS id,
                        count(*) FILTER (WHERE "laborCapacity" <> 'NONE')::int AS labor,
                        count(*) FILTER (WHERE "currentStatus" IN ('EMPLOYED_LOCAL','EMPLOYED_IN_PROVINCE','EMPLOYED_OUT_OF_PROVINCE',
                                                                    'EMPLOYED_JIANGSU','PUBLIC_WELFARE_POST','SELF_EMPLOYED'))::int AS employed
                   FROM "Worker" GROUP BY "householdId") c
          WHERE h.id = c.id`,
      ),
    );
    await step('zero-employment spells', () =>
      db.query(
        `INSERT INTO "ZeroEmploymentSpell" ("householdId", "villageId", "townshipId", "countyId", "provinceId", "enteredAt", "clearedAt",
                                            stage, "nextStepAt", "updatedAt")
         SELECT id, "villageId", "townshipId", "countyId", "provinceId", "zeroEmploymentSince", NULL,
                'LEADS_SMS'::"FollowUpStage", now() + interval '1 day', now()
           FROM "Household" WHERE "zeroEmployment"
         UNION ALL
         SELECT id, "villageId", "townshipId", "countyId", "provinceId",
                now() - make_interval(days => 60 + id % 90), now() - make_interval(days => 60 + id % 90) + make_interval(days => 1 + id % 40, hours => id % 24),
                'STOPPED'::"FollowUpStage", NULL, now()
           FROM "Household" WHERE NOT "zeroEmployment" AND id % 8 = 0`,
      ),
    );
    await step('service contacts', () =>
      db.query(
        `INSERT INTO "ServiceContact" (kind, "workerId", "householdId", "occurredAt", channel)
         SELECT 'JOB_LEAD'::"ServiceKind", id, "householdId", now() - make_interval(days => id % 60), 'SMS'::"Channel"
           FROM "Worker" WHERE id % 10 < 6
         UNION ALL
         SELECT 'STAFF_CALL'::"ServiceKind", id, "householdId", now() - make_interval(days => id % 45), 'VOICE'::"Channel"
           FROM "Worker" WHERE id % 10 < 3
         UNION ALL
         SELECT (ARRAY['JOB_LEAD','TRAINING_OFFER','STAFF_CALL']::"ServiceKind"[])[k % 3 + 1], h.id, h.id,
                h."zeroEmploymentSince" + make_interval(hours => k + 1), 'SMS'::"Channel"
           FROM "Household" h CROSS JOIN generate_series(0, 3) k
          WHERE h."zeroEmployment" AND k < h.id % 5`,
      ),
    );
    await step('policy notices', () => policyNotices(db));

    await step(`rebuild ${idx.rows.length} indexes`, async () => {
      // Two at a time would compete for the same two cores; one after the other, each parallel.
      for (const r of idx.rows) await db.query(r.def);
    });
    await step('sequences', () =>
      db.query(
        `SELECT setval(pg_get_serial_sequence('"Household"', 'id'), (SELECT max(id) FROM "Household"));
         SELECT setval(pg_get_serial_sequence('"Worker"', 'id'), (SELECT max(id) FROM "Worker"));
         SELECT setval(pg_get_serial_sequence('"EmploymentEvent"', 'id'), (SELECT max(id) FROM "EmploymentEvent"))`,
      ),
    );
    await db.query('SET session_replication_role = origin');
    await step('vacuum analyze', () => db.query('VACUUM (ANALYZE)'));
    await db.query(
      `DROP TABLE IF EXISTS vchain;
       CREATE TABLE _bench_province (workers int NOT NULL, counties int NOT NULL, version int NOT NULL, built_at timestamptz NOT NULL DEFAULT now());
       INSERT INTO _bench_province (workers, counties, version) VALUES (${workers}, ${counties}, ${GENERATOR_VERSION})`,
    );
  } finally {
    await db.end();
  }
  log(`built ${PROVINCE_DB} in ${Math.round((performance.now() - started) / 1000)} s`);
  return result(false);
}

/** Province, cities, counties, then townships and villages by generate_series; vchain lists every village's chain. */
async function regions(db: pg.Client, seeds: ReturnType<typeof syntheticCounties>): Promise<void> {
  await db.query(`INSERT INTO "Region" (code, name, level) VALUES ('61', '陕西省', 'PROVINCE')`);
  const cities = [...new Map(seeds.map((s) => [s.cityCode, s.cityName])).entries()];
  await db.query(
    `INSERT INTO "Region" (code, name, level, "parentId")
     SELECT c.code, c.name, 'CITY', (SELECT id FROM "Region" WHERE code = '61')
       FROM unnest($1::text[], $2::text[]) AS c(code, name)`,
    [cities.map((c) => c[0]), cities.map((c) => c[1])],
  );
  await db.query(
    `INSERT INTO "Region" (code, name, level, "parentId")
     SELECT c.code, c.name, 'COUNTY', p.id
       FROM unnest($1::text[], $2::text[]) AS c(code, name)
       JOIN "Region" p ON p.code = left(c.code, 4)`,
    [seeds.map((s) => s.code), seeds.map((s) => s.name)],
  );
  await db.query(
    `INSERT INTO "Region" (code, name, level, "parentId")
     SELECT c.code || (100 + t), (ARRAY['城关镇','涧池镇','蒲溪镇','平梁镇','双乳镇','铁佛寺镇','漩涡镇','汉阳镇','双河口镇','观音河镇'])[t],
            'TOWNSHIP', c.id
       FROM "Region" c CROSS JOIN generate_series(1, 10) t
      WHERE c.level = 'COUNTY'`,
  );
  await db.query(
    `INSERT INTO "Region" (code, name, level, "parentId")
     SELECT t.code || (200 + v), (ARRAY['五一','紫荆','月河','新联','太平','双坪','前进','金星','红光','团结','和平'])[v] || '村',
            'VILLAGE', t.id
       FROM "Region" t CROSS JOIN generate_series(1, 11) v
      WHERE t.level = 'TOWNSHIP'`,
  );
  await db.query(
    `CREATE TABLE vchain AS
     SELECT v.id, v.code AS vcode, v.name AS vname, t.id AS "townshipId", c.id AS "countyId", ci.id AS "cityId", p.id AS "provinceId"
       FROM "Region" v
       JOIN "Region" t ON t.id = v."parentId"
       JOIN "Region" c ON c.id = t."parentId"
       JOIN "Region" ci ON ci.id = c."parentId"
       JOIN "Region" p ON p.id = ci."parentId"
      WHERE v.level = 'VILLAGE'`,
  );
}

/** Two POLICY_NOTICE campaigns with their messages: to a third of the province, and to half of the first county. */
async function policyNotices(db: pg.Client): Promise<void> {
  await db.query(
    `INSERT INTO "Campaign" (name, kind, status, "regionId", content, "launchedAt", "completedAt", "updatedAt")
     VALUES ('就业补贴政策宣传', 'POLICY_NOTICE', 'COMPLETED', (SELECT id FROM "Region" WHERE code = '61'),
             '{"zh-CN": "【就业扶贫】外出务工可申请一次性交通补贴，详询村委会。"}', now() - interval '20 days', now() - interval '19 days', now()),
            ('苏陕协作岗位政策', 'POLICY_NOTICE', 'COMPLETED', (SELECT min(id) FROM "Region" WHERE level = 'COUNTY'),
             '{"zh-CN": "【苏陕协作】赴江苏务工享受岗位补贴，回复1了解。"}', now() - interval '5 days', now() - interval '5 days', now())`,
  );
  await db.query(
    `INSERT INTO "OutboundMessage" (kind, "campaignId", "workerId", channel, language, body, status, segments, attempts,
                                    "queuedAt", "sentAt", "deliveredAt")
     SELECT 'BROADCAST', c.id, w.id, CASE WHEN w."telegramChatId" IS NOT NULL THEN 'TELEGRAM' ELSE 'SMS' END::"Channel",
            w.language, c.content->>'zh-CN', CASE WHEN w.id % 7 = 0 THEN 'SENT' ELSE 'DELIVERED' END::"MessageStatus", 1, 1,
            c."launchedAt", c."launchedAt" + make_interval(secs => w.id % 3600),
            CASE WHEN w.id % 7 <> 0 THEN c."launchedAt" + make_interval(secs => w.id % 3600 + 5) END
       FROM "Campaign" c
       JOIN "Worker" w ON (c.name = '就业补贴政策宣传' AND w.id % 3 = 0)
                       OR (c.name = '苏陕协作岗位政策' AND w."countyId" = c."regionId" AND w.id % 2 = 0)
      WHERE c.kind = 'POLICY_NOTICE'`,
  );
}
