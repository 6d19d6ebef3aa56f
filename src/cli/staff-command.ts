/**
 * `outreach staff create|list|disable|password`: staff users from the server's shell (the first
 * ADMIN of a ledger is made this way; later ones can also be made by an ADMIN over the API or the
 * console). Passwords are read from standard input, never from the command line (it would stay in
 * the shell's history and the process list). Audited as done from the command line.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { REGION_CODE_PATTERN } from '../staff/scope.js';
import { createStaffUser, listStaffUsers, STAFF_ROLES, staffUserIdByName, updateStaffUser } from '../staff/users.js';
import { withDb } from './context.js';

function regionCode(value: string): string {
  if (!REGION_CODE_PATTERN.test(value)) throw new InvalidArgumentError('expected a region code of 2 to 12 digits, e.g. 610921');
  return value;
}

/** The first line of standard input (a password piped in or typed). */
async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!line) throw new Error('--password-stdin: no password on standard input');
  return line;
}

export function registerStaffCommand(program: Command): void {
  const staff = program
    .command('staff')
    .description('staff users (sign-in for the console, owners of API tokens): create, list, disable, password');

  staff
    .command('create')
    .description('create a staff user for a region and role')
    .requiredOption('--username <name>', 'sign-in name: letters, digits, . _ -')
    .requiredOption('--region <code>', 'region code of the scope: this region and everything below it', regionCode)
    .addOption(new Option('--role <role>', 'what the user may do').choices(STAFF_ROLES).makeOptionMandatory())
    .option('--name <name>', 'full name or office, shown in the console and the audit log')
    .option('--password-stdin', 'read a console password (at least 10 characters) from standard input')
    .action(
      async (o: {
        username: string;
        region: string;
        role: (typeof STAFF_ROLES)[number];
        name?: string;
        passwordStdin?: boolean;
      }) => {
        const password = o.passwordStdin ? await readPassword() : undefined;
        const u = await withDb((db) =>
          createStaffUser(db.prisma, null, { username: o.username, name: o.name, role: o.role, regionCode: o.region, password }),
        );
        console.log(
          `created staff user ${u.username} (#${u.id}, ${u.role}, ${u.region.code} ${u.region.name} and below)${u.hasPassword ? ', password set' : ''}`,
        );
      },
    );

  staff
    .command('list')
    .description('staff users, by region')
    .option('--region <code>', 'only users of this region and below', regionCode)
    .action(async (o: { region?: string }) => {
      const users = await withDb((db) => listStaffUsers(db.prisma, null, { regionCode: o.region }));
      if (users.length === 0) console.log('no staff users');
      for (const u of users) {
        console.log(
          [
            `#${u.id}`,
            u.username,
            u.role,
            u.region.code,
            u.region.name,
            u.active ? 'active' : 'disabled',
            `${u.activeTokens} tokens`,
            u.hasPassword ? 'password' : 'no password',
            `"${u.name}"`,
          ].join('  '),
        );
      }
    });

  staff
    .command('disable <username>')
    .description('disable a staff user: sign-in refused and every API token revoked')
    .action(async (username: string) => {
      const u = await withDb(async (db) =>
        updateStaffUser(db.prisma, null, await staffUserIdByName(db.prisma, username), { active: false }),
      );
      console.log(`disabled ${u.username}; tokens in force: ${u.activeTokens}`);
    });

  staff
    .command('enable <username>')
    .description('let a disabled staff user sign in again (issue new tokens as needed)')
    .action(async (username: string) => {
      const u = await withDb(async (db) =>
        updateStaffUser(db.prisma, null, await staffUserIdByName(db.prisma, username), { active: true }),
      );
      console.log(`enabled ${u.username}`);
    });

  staff
    .command('password <username>')
    .description('set a staff user’s console password, read from standard input')
    .requiredOption('--password-stdin', 'read the password (at least 10 characters) from standard input')
    .action(async (username: string) => {
      const password = await readPassword();
      const u = await withDb(async (db) =>
        updateStaffUser(db.prisma, null, await staffUserIdByName(db.prisma, username), { password }),
      );
      console.log(`password set for ${u.username}`);
    });
}
