import { addAdmin } from './admin.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import { UsageError, type CliCommand } from '../platform/cli/command.ts';

export const authCommands: CliCommand[] = [
  {
    words: ['admin', 'add'],
    args: 'EMAIL',
    summary: 'Make EMAIL a platform administrator (creating the person if needed) and print a one-time sign-in link.',
    async run(env, [email], opts) {
      if (!email) throw new UsageError('EMAIL is required');
      const r = await addAdmin(env.db, env.config, email, CLI_ACTOR);
      if (opts.json) env.json({ personId: r.personId, created: r.created, link: r.link, expiresInMinutes: 15 });
      else env.print(`${email} is an administrator. One-time sign-in link (15 minutes):\n  ${r.link}`);
    },
  },
];
