// Bounces: delivery status notifications (RFC 3464) sent back to a copy's VERP address, and
// permanent refusals from the relay. Each member has a score per list (as Mailman does): a
// permanent failure counts 1, anything else 0.5, at most once a day; at the threshold their
// delivery is suspended and the owners are told. A member or an owner re-enables it.
import type { Queryable } from '../platform/db.ts';
import type { Mailer } from '../platform/mail.ts';
import { ensureListKeys, verifyToken } from './keys.ts';

export const BOUNCE_THRESHOLD = 5;

export interface DsnRecipient {
  recipient: string;
  action: string;
  status: string;
  diagnostic: string;
}

/** Pure: the per-recipient fields of the message/delivery-status part of a DSN (RFC 3464 §2.3). */
export function parseDsn(raw: Buffer | string): DsnRecipient[] {
  const text = (typeof raw === 'string' ? raw : raw.toString('latin1')).replace(/\r\n/g, '\n');
  const m = /content-type:\s*message\/delivery-status[^\n]*\n(?:[ \t][^\n]*\n)*(?:[a-z-]+:[^\n]*\n)*\n([\s\S]*?)(?:\n--[^\n]*|$)/i.exec(text);
  if (!m) return [];
  const blocks = m[1]!.split(/\n\s*\n/).map((b) => b.replace(/\n[ \t]+/g, ' '));
  const out: DsnRecipient[] = [];
  for (const block of blocks.slice(1)) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(block)?.[1]?.trim() ?? '';
    const recipient = field('final-recipient').replace(/^rfc822;\s*/i, '').toLowerCase();
    const action = field('action').toLowerCase();
    if (!recipient && !action) continue;
    out.push({ recipient, action, status: field('status'), diagnostic: field('diagnostic-code').slice(0, 300) });
  }
  return out;
}

/** How much a bounce weighs: a permanent failure 1, a temporary or unreadable one 0.5, a delay nothing. */
export function bounceWeight(report: DsnRecipient[]): number {
  if (report.length === 0) return 0.5;
  if (report.some((r) => r.action === 'failed' && r.status.startsWith('5'))) return 1;
  if (report.every((r) => r.action === 'delayed' || r.action === 'delivered' || r.action === 'relayed' || r.action === 'expanded')) return 0;
  return 0.5;
}

export async function recordBounce(db: Queryable, mailer: Mailer, domain: string, deliveryId: number, weight: number, now = new Date()): Promise<'counted' | 'disabled' | 'ignored'> {
  if (weight <= 0) return 'ignored';
  const d = await db.selectFrom('list_delivery').select(['list_id', 'address']).where('id', '=', deliveryId).executeTakeFirst();
  if (!d) return 'ignored';
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await db.insertInto('list_member_state').values({ list_id: d.list_id, address: d.address }).onConflict((oc) => oc.doNothing()).execute();
  const row = await db
    .updateTable('list_member_state')
    .set((eb) => ({ bounce_score: eb('bounce_score', '+', String(weight)), last_bounce_at: now }))
    .where('list_id', '=', d.list_id)
    .where('address', '=', d.address)
    .where('disabled_at', 'is', null)
    .where((eb) => eb.or([eb('last_bounce_at', 'is', null), eb('last_bounce_at', '<', dayAgo)]))
    .returning(['bounce_score'])
    .executeTakeFirst();
  if (!row) return 'ignored';
  if (Number(row.bounce_score) < BOUNCE_THRESHOLD) return 'counted';
  await db.updateTable('list_member_state').set({ disabled_at: now }).where('list_id', '=', d.list_id).where('address', '=', d.address).execute();
  const list = await db.selectFrom('mailing_list').select(['slug', 'name']).where('id', '=', d.list_id).executeTakeFirstOrThrow();
  const owners = await db
    .selectFrom('list_owner as o')
    .innerJoin('person_primary_email as e', 'e.person_id', 'o.person_id')
    .select('e.email')
    .where('o.list_id', '=', d.list_id)
    .execute();
  const to = [...new Set(owners.map((o) => o.email))];
  if (to.length) {
    await mailer.enqueue(db, {
      from: `${list.name} <${list.slug}+owner@${domain}>`,
      to,
      subject: `[${list.slug}] Distribution suspendue / Delivery suspended: ${d.address}`,
      // RFC 3834: vacation responders and other robots do not answer it.
      headers: { 'Auto-Submitted': 'auto-generated' },
      sensitive: false,
      text: `Les messages de la liste ${list.slug}@${domain} ne parviennent plus à ${d.address} : sa réception est suspendue. Vous pouvez la rétablir depuis la page de la liste.\nMessages to ${d.address} keep bouncing: delivery is suspended. You can re-enable it from the list page.\n`,
    });
  }
  return 'disabled';
}

export async function reenableMember(db: Queryable, listId: number, address: string): Promise<void> {
  await db.updateTable('list_member_state').set({ disabled_at: null, bounce_score: '0', last_bounce_at: null }).where('list_id', '=', listId).where('address', '=', address).execute();
}

export interface BounceContext {
  db: Queryable;
  domain: string;
  mailer: Mailer;
}

/** A message to `slug+bounce-<token>@domain`: whose copy bounced is in the signed token. */
export async function handleBounce(ctx: BounceContext, slug: string, token: string, raw: Buffer): Promise<void> {
  void slug;
  const keys = await ensureListKeys(ctx.db, ctx.domain);
  const id = verifyToken(keys.secret, 'bounce', token);
  if (id === undefined) return; // forged or mangled: nothing to score
  await recordBounce(ctx.db, ctx.mailer, ctx.domain, id, bounceWeight(parseDsn(raw)));
}
