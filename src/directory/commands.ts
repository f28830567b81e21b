import type { CliCommand } from '../platform/cli/command.ts';
import { yearCommands } from './year/commands.ts';
import { importCommands } from './import/commands.ts';

export const directoryCommands: CliCommand[] = [...yearCommands, ...importCommands];
