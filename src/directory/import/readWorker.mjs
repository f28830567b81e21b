// Entry of the worker that reads an uploaded spreadsheet (offThread.ts): a worker does not
// inherit the parent's TypeScript loader when the parent registered it by API (bin/ostal.js),
// so it registers tsx itself before loading its TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./readWorker.ts');
