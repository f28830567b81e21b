// The CLI's shape: each module lists its commands (module.ts); `ostal` finds them by their words.
import type { Config } from '../config.ts';
import type { Db, Handle } from '../db.ts';
import type { Mailer } from '../mail.ts';
import type { Module } from '../module.ts';

export interface CliEnv {
  handle: Handle;
  db: Db;
  config: Config;
  mailer: Mailer;
  /** The modules the command line is composed of (src/app/modules.ts). */
  modules: readonly Module[];
  /** Plain output for people. */
  print(line: string): void;
  /** Machine output (--json). */
  json(value: unknown): void;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
}

export interface CliCommand {
  /** e.g. ['directory', 'import'] for `ostal directory import`. */
  words: string[];
  args: string;
  summary: string;
  options?: Record<string, OptionSpec>;
  run(env: CliEnv, positionals: string[], options: Record<string, string | boolean | undefined>): Promise<number | void>;
}

/** A usage error: printed with the command's usage, exit code 64. */
export class UsageError extends Error {}

/**
 * A command that opens the database itself, as its owner (`ostal db …`): it runs before the
 * serving role exists or may serve.
 */
export interface SetupCommand extends Omit<CliCommand, 'run'> {
  setup(env: Pick<CliEnv, 'config' | 'print' | 'json'>, positionals: string[], options: Record<string, string | boolean | undefined>): Promise<number | void>;
}
