// `npm start`: the whole platform in one process, on PGlite in ./data unless DATABASE_URL is set.
import 'dotenv/config';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { DatabaseBusy } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import { translator } from '../platform/i18n/index.ts';
import { bootstrapLink } from '../auth/admin.ts';
import { directoryCounts } from '../directory/queries.ts';
import { startOstal } from './server.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

let running;
try {
  running = await startOstal(config);
} catch (err) {
  if (err instanceof DatabaseBusy) {
    console.error(`Cannot start: ${err.message}`);
    process.exit(75);
  }
  // A refusal about the database roles (or a schema the serving role cannot migrate).
  if (err instanceof DomainError) {
    console.error(`Cannot start: ${translator('en')(err.key, err.params)}`);
    process.exit(78);
  }
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') {
    console.error(`Cannot start: port ${config.port} is already in use (set PORT to another one)`);
    process.exit(75);
  }
  throw err;
}
const db = running.deps.db;
console.log(`Ostal is running: ${config.publicUrl}  (database: ${running.deps.handle.kind})`);
const link = await bootstrapLink(db, config);
if (link) {
  console.log(`\nFirst administrator: open this one-time sign-in link within 15 minutes:\n  ${link}\n(Restart to get a new one while it has not been used; or run: npx ostal admin add you@example.org)`);
}
if ((await directoryCounts(db)).households === 0) {
  console.log('The directory is empty: sign in and load the demo association from the home page, or run: npx ostal demo');
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('Stopping…');
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
