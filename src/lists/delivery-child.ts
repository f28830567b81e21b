// Test support: a delivery worker in its own process, so a test can kill it mid-delivery.
// Usage: node --import tsx src/lists/delivery-child.ts <postgres-url | pglite-dir> <relay-url>
// OSTAL_TEST_EXIT_AFTER_250=N makes the process die right after the relay accepted its Nth
// copy, before the database records it: the duplication window of the restart test.
import { openPGlite, openPostgres } from '../platform/db.ts';
import { createDeliveryWorker } from './outbound.ts';

const [target, relay] = process.argv.slice(2);
if (!target || !relay) {
  console.error('usage: delivery-child <postgres-url | pglite-dir> <relay-url>');
  process.exit(64);
}
const exitAfter = Number(process.env.OSTAL_TEST_EXIT_AFTER_250 ?? 0);
let accepted = 0;
const handle = target.startsWith('postgres') ? await openPostgres(target, 2) : await openPGlite(target);
const worker = createDeliveryWorker({
  db: handle.db,
  domain: process.env.MAIL_DOMAIN ?? 'lists.example.org',
  publicUrl: 'https://ostal.example.org',
  relayUrl: relay,
  concurrency: 1,
  claimSeconds: Number(process.env.CLAIM_SECONDS ?? 120),
  afterRelayAccepted: exitAfter > 0 ? () => {
    if (++accepted === exitAfter) process.exit(70);
  } : undefined,
});
const n = await worker.drain();
await worker.stop();
await handle.close();
console.log(`delivered ${n}`);
