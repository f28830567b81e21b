// `npx ostal …`: the IT group's command line, over the same domain functions as the web.
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { DatabaseBusy, openDatabase } from '../platform/db.ts';
import { prepareDatabase } from '../platform/roles.ts';
import { createMailer } from '../platform/mail.ts';
import { DomainError } from '../platform/errors.ts';
import { translator } from '../platform/i18n/index.ts';
import { UsageError, type CliCommand, type CliEnv, type SetupCommand } from '../platform/cli/command.ts';
import { dbCommands } from '../platform/cli/db.ts';
import './messages.ts';
import { MODULES } from './modules.ts';

const COMMANDS: Array<CliCommand | SetupCommand> = [...MODULES.flatMap((m) => m.commands ?? []), ...dbCommands];

function usage(cmds: Array<CliCommand | SetupCommand> = COMMANDS): string {
  const lines = ['Usage: npx ostal <command> [options]', '', 'Commands:'];
  for (const c of cmds) {
    lines.push(`  ostal ${c.words.join(' ')} ${c.args}`.trimEnd());
    lines.push(`      ${c.summary}`);
    for (const [name, o] of Object.entries(c.options ?? {})) lines.push(`      --${name}${o.type === 'string' ? ' VALUE' : ''}  ${o.description}`);
  }
  return lines.join('\n');
}

export async function runCli(argv: string[], io = { out: (s: string) => process.stdout.write(s + '\n'), err: (s: string) => process.stderr.write(s + '\n') }): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    io.out(usage());
    return argv.length === 0 ? 64 : 0;
  }
  const cmd = COMMANDS.filter((c) => c.words.every((w, i) => argv[i] === w)).sort((a, b) => b.words.length - a.words.length)[0];
  if (!cmd) {
    io.err(`Unknown command: ${argv.join(' ')}\n\n${usage()}`);
    return 64;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(cmd.words.length),
      allowPositionals: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean' }, ...Object.fromEntries(Object.entries(cmd.options ?? {}).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }])) },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${usage([cmd])}`);
    return 64;
  }
  if (parsed.values.help) {
    io.out(usage([cmd]));
    return 0;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`Configuration error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if ('setup' in cmd) {
    try {
      return (await cmd.setup({ config, print: io.out, json: (v) => io.out(JSON.stringify(v, null, 2)) }, parsed.positionals, parsed.values as Record<string, string | boolean | undefined>)) ?? 0;
    } catch (err) {
      return refusalCode(err, cmd, io);
    }
  }
  let handle;
  try {
    handle = await openDatabase(config);
  } catch (err) {
    if (err instanceof DatabaseBusy) {
      io.err(`Error: ${err.message}`);
      return 75;
    }
    throw err;
  }
  const mailer = createMailer({ relayUrl: config.smtpRelayUrl });
  try {
    // Migrations as the owner (DATABASE_OWNER_URL); refuses to act as a superuser or an owner.
    const accepted = await prepareDatabase(config, handle);
    if (accepted) io.err(translator('en')('db.serveAsOwner', accepted.params));
    // Mail a command queues (survey reminders from cron) is signed as the server's is.
    for (const m of MODULES) await m.prepareMailer?.({ db: handle.db, config, mailer });
    const env: CliEnv = {
      handle,
      db: handle.db,
      config,
      mailer,
      modules: MODULES,
      print: io.out,
      json: (v) => io.out(JSON.stringify(v, null, 2)),
    };
    const code = await cmd.run(env, parsed.positionals, parsed.values as Record<string, string | boolean | undefined>);
    return code ?? 0;
  } catch (err) {
    return refusalCode(err, cmd, io);
  } finally {
    mailer.close();
    await handle.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/app/cli.ts') || process.env.OSTAL_CLI === '1') {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** The exit code and message of a refused command (usage 64, domain refusal 1); anything else is a crash. */
function refusalCode(err: unknown, cmd: CliCommand | SetupCommand, io: { err: (s: string) => unknown }): number {
  if (err instanceof UsageError) {
    io.err(`${err.message}\n\n${usage([cmd])}`);
    return 64;
  }
  if (err instanceof DomainError) {
    io.err(`Error: ${translator('en')(err.key, err.params)}`);
    return 1;
  }
  throw err;
}
