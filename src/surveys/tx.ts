import type { Queryable } from '../platform/db.ts';

/**
 * Runs fn in a transaction, or in the caller's when given one (the demo loader calls the same
 * operations inside its own transaction; on PGlite a second one would wait forever).
 */
export function inTransaction<T>(db: Queryable, fn: (trx: Queryable) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
