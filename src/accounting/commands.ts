import type { CliCommand } from '../platform/cli/command.ts';

export const accountingCommands: CliCommand[] = [];
