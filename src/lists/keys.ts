// The list server's keys: DKIM for MAIL_DOMAIN and the secret that signs unsubscribe links
// and VERP bounce addresses. Generated on first start, kept in the database (moved with it).
import { createHmac, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../platform/db.ts';
import type { DkimKey } from '../platform/mail.ts';

export interface ListKeys {
  domain: string;
  selector: string;
  privateKey: string;
  publicB64: string;
  secret: Buffer;
}

export async function ensureListKeys(db: Queryable, domain: string): Promise<ListKeys> {
  const found = await db.selectFrom('list_key').selectAll().where('domain', '=', domain).executeTakeFirst();
  if (!found) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const now = new Date();
    await db
      .insertInto('list_key')
      .values({
        domain,
        dkim_selector: `ostal${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`,
        dkim_private_pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        dkim_public_b64: der.toString('base64'),
        link_secret: randomBytes(32),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const row = await db.selectFrom('list_key').selectAll().where('domain', '=', domain).executeTakeFirstOrThrow();
  return { domain, selector: row.dkim_selector, privateKey: row.dkim_private_pem, publicB64: row.dkim_public_b64, secret: Buffer.from(row.link_secret) };
}

/** The key in the form the platform mailer signs with. */
export function dkimKeyOf(k: ListKeys): DkimKey {
  return { domain: k.domain, selector: k.selector, privateKey: k.privateKey };
}

/** The TXT record to publish at <selector>._domainkey.<domain>. */
export function dkimDnsRecord(k: ListKeys): { name: string; value: string } {
  return { name: `${k.selector}._domainkey.${k.domain}`, value: `v=DKIM1; k=rsa; p=${k.publicB64}` };
}

function mac(secret: Buffer, purpose: string, id: number): string {
  return createHmac('sha256', secret).update(`${purpose}:${id}`).digest('base64url').slice(0, 16);
}

/** A per-copy token: the delivery id (which names list and member) and its signature. */
export function signToken(secret: Buffer, purpose: 'unsubscribe' | 'bounce' | 'moderate', id: number): string {
  return `${id}-${mac(secret, purpose, id)}`;
}

export function verifyToken(secret: Buffer, purpose: 'unsubscribe' | 'bounce' | 'moderate', token: string): number | undefined {
  const m = /^(\d{1,15})-([A-Za-z0-9_-]{16})$/.exec(token);
  if (!m) return undefined;
  const id = Number(m[1]);
  const want = Buffer.from(mac(secret, purpose, id));
  const got = Buffer.from(m[2]!);
  return want.length === got.length && timingSafeEqual(want, got) ? id : undefined;
}
