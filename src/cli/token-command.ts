/**
 * `outreach token create|revoke|list`: API tokens for staff. A token is bound to a staff user of
 * one region and role (created on first use, reused after), printed once and kept only as a hash.
 *
 * Like `outreach import`, this opens the ledger itself: on the embedded defaults stop the service
 * first (the embedded ledger belongs to one process), or run with DATABASE_URL.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { StaffRole } from '../generated/prisma/enums.js';
import { recordAudit } from '../staff/audit.js';
import { REGION_CODE_PATTERN } from '../staff/scope.js';
import { issueToken, listTokens, revokeToken } from '../staff/tokens.js';
import { ensureStaffUser, STAFF_ROLES } from '../staff/users.js';
import { withDb } from './context.js';

function regionCode(value: string): string {
  if (!REGION_CODE_PATTERN.test(value)) throw new InvalidArgumentError('expected a region code of 2 to 12 digits, e.g. 610921');
  return value;
}

function positiveDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of days');
  return n;
}

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('API tokens for staff: create, revoke, list');

  token
    .command('create')
    .description('create a token for the staff user of a region and role (the user is created when missing); prints it once')
    .requiredOption('--region <code>', 'region code of the scope: this region and everything below it', regionCode)
    .addOption(new Option('--role <role>', 'what the token may do').choices(STAFF_ROLES).makeOptionMandatory())
    .option('--name <name>', 'what the token is for (shown in `token list`)')
    .option('--username <username>', 'staff username (default: <role>-<region code>)')
    .option('--expires-days <n>', 'the token stops working after this many days', positiveDays)
    .action(async (opts: { region: string; role: StaffRole; name?: string; username?: string; expiresDays?: number }) => {
      const issued = await withDb(async (db) => {
        const { user, region, created } = await ensureStaffUser(db.pool, {
          regionCode: opts.region,
          role: opts.role,
          username: opts.username,
        });
        const expiresAt = opts.expiresDays ? new Date(Date.now() + opts.expiresDays * 86_400_000) : null;
        const t = await issueToken(db.pool, {
          staffUserId: user.id,
          name: opts.name ?? `cli ${new Date().toISOString()}`,
          expiresAt,
        });
        await recordAudit(db.pool, {
          staffUserId: null,
          action: 'token.create',
          entity: 'ApiToken',
          entityId: t.id,
          regionId: region.id,
          details: { via: 'cli', prefix: t.prefix, username: user.username, role: user.role, userCreated: created },
        });
        return { ...t, user, region, created };
      });
      console.log(
        `${issued.created ? '新建用户 / created' : '沿用用户 / reused'} staff user ${issued.user.username} ` +
          `(${issued.user.role}, ${issued.region.code} ${issued.region.name} and below)`,
      );
      console.log(`令牌只显示这一次，请妥善保存 / the token is shown only this once (prefix ${issued.prefix}):`);
      console.log(issued.token);
      if (issued.expiresAt) console.log(`expires ${issued.expiresAt.toISOString()}`);
    });

  token
    .command('revoke')
    .description('revoke the token with this prefix (as `token list` shows it)')
    .argument('<prefix>', 'the token prefix, e.g. otk_AbCd1234')
    .action(async (prefix: string) => {
      const result = await withDb(async (db) => {
        const r = await revokeToken(db.pool, prefix);
        if (r.ok && !r.token.alreadyRevoked) {
          await recordAudit(db.pool, {
            staffUserId: null,
            action: 'token.revoke',
            entity: 'ApiToken',
            entityId: r.token.id,
            details: { via: 'cli', prefix: r.token.prefix },
          });
        }
        return r;
      });
      if (!result.ok) {
        throw new Error(
          result.problem === 'unknown'
            ? `没有该前缀的令牌 / no token with prefix ${prefix}`
            : `前缀对应 ${result.matches} 个令牌，请写完整 / prefix ${prefix} matches ${result.matches} tokens; give more of it`,
        );
      }
      console.log(
        `${result.token.alreadyRevoked ? 'already revoked' : 'revoked'}: ${result.token.prefix} (${result.token.name})`,
      );
    });

  token
    .command('list')
    .description('list tokens (never the tokens themselves)')
    .option('--region <code>', 'only tokens of staff users in this region and below', regionCode)
    .action(async (opts: { region?: string }) => {
      const tokens = await withDb((db) => listTokens(db.pool, { regionCode: opts.region }));
      if (tokens.length === 0) {
        console.log('no tokens');
        return;
      }
      for (const t of tokens) {
        const state = t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= new Date() ? 'expired' : 'active';
        console.log(
          [
            t.prefix,
            state,
            t.username,
            t.role,
            t.regionCode,
            `"${t.name}"`,
            `created ${when(t.createdAt)}`,
            `last used ${when(t.lastUsedAt)}`,
          ].join('  '),
        );
      }
    });
}
