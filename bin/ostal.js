#!/usr/bin/env node
// Entry point of `npx ostal`: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';
register();
process.env.OSTAL_CLI = '1';
await import('../src/app/cli.ts');
