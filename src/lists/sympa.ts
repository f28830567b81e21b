// Moving a list from Sympa: its subscriber export is one address per line (`review` / dump),
// sometimes followed by a display name. Comments and blank lines are skipped.
import type { Actor } from '../platform/audit.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Queryable } from '../platform/db.ts';

export interface SubscriberLine {
  line: number;
  address: string;
  name: string;
}
export interface ParsedExport {
  subscribers: SubscriberLine[];
  invalid: Array<{ line: number; text: string }>;
}

const ADDRESS = /^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$/;

/** Pure: the lines of a Sympa export into addresses (lowercased, deduplicated) and rejected lines. */
export function parseSympaExport(text: string): ParsedExport {
  const subscribers: SubscriberLine[] = [];
  const invalid: ParsedExport['invalid'] = [];
  const seen = new Set<string>();
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [first, ...rest] = line.split(/\s+/);
    const address = first!.replace(/^<|>$/g, '').toLowerCase();
    if (!ADDRESS.test(address) || address.length > 254) {
      invalid.push({ line: i + 1, text: line.slice(0, 120) });
      return;
    }
    if (seen.has(address)) return;
    seen.add(address);
    subscribers.push({ line: i + 1, address, name: rest.join(' ').slice(0, 200) });
  });
  return { subscribers, invalid };
}

export interface ImportReport {
  added: number;
  alreadyMembers: number;
  invalid: ParsedExport['invalid'];
}

/** Adds the subscribers as hand-added members; nothing is added when a line is invalid. */
export async function importSympaSubscribers(trx: Queryable, actor: Actor, listId: number, text: string, opts: { skipInvalid?: boolean } = {}): Promise<ImportReport> {
  const parsed = parseSympaExport(text);
  if (parsed.invalid.length > 0 && !opts.skipInvalid) return { added: 0, alreadyMembers: 0, invalid: parsed.invalid };
  const existing = new Set(
    (await trx.selectFrom('list_membership').select('address').where('list_id', '=', listId).execute()).map((r) => r.address),
  );
  const fresh = parsed.subscribers.filter((s) => !existing.has(s.address));
  if (fresh.length > 0) {
    await trx
      .insertInto('list_member')
      .values(fresh.map((s) => ({ list_id: listId, address: s.address, display_name: s.name })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  await recordEvent(trx, actor, 'lists.import.sympa', String(listId), { added: fresh.length });
  return { added: fresh.length, alreadyMembers: parsed.subscribers.length - fresh.length, invalid: parsed.invalid };
}
