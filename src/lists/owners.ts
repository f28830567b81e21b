// `slug+owner@domain`: mail for the people who run a list, forwarded to its owners; and
// `postmaster@domain`, forwarded to the platform's administrators.
import type { ListsContext } from './inbound.ts';
import { simpleParser } from 'mailparser';
import { splitMessage, getHeader } from './rewrite.ts';

const MARK = 'X-Ostal-Owner-Forward';

/** Forwards a message from outside to `to`, marked so that it is forwarded once only. */
async function forward(ctx: ListsContext, mark: string, to: string[], raw: Buffer): Promise<number> {
  const { headers } = splitMessage(raw);
  // Already forwarded once (an owner's auto-reply or forward back to us): stop the loop.
  if (getHeader(headers, MARK.toLowerCase()) || to.length === 0) return 0;
  const marked = Buffer.concat([Buffer.from(`${MARK}: ${mark}\r\n`), raw]);
  await ctx.mailer.enqueueRaw(ctx.db, {
    // The null sender: a bounce of the forward must not come back to the list server.
    envelopeFrom: '',
    to,
    // The outbox shows the subject as people read it, not its MIME encoded-words.
    subject: (await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true })).subject ?? '',
    raw: marked,
    // The list server changed the message (the mark): it vouches for it with its own key.
    signAs: ctx.domain,
    // Mail from outside, as an owner will read it: it carries none of our tokens.
    sensitive: false,
  });
  return to.length;
}

export async function forwardToOwners(ctx: ListsContext, slug: string, raw: Buffer): Promise<number> {
  const list = await ctx.db.selectFrom('mailing_list').select('id').where('slug', '=', slug).executeTakeFirst();
  if (!list) return 0;
  const owners = await ctx.db
    .selectFrom('list_owner as o')
    .innerJoin('person_primary_email as e', 'e.person_id', 'o.person_id')
    .select('e.email')
    .where('o.list_id', '=', list.id)
    .execute();
  return forward(ctx, slug, [...new Set(owners.map((o) => o.email))], raw);
}

/** The platform's administrators: the people made so (`ostal admin add`) and the IT group. */
export async function forwardToPostmaster(ctx: ListsContext, raw: Buffer): Promise<number> {
  const admins = await ctx.db
    .selectFrom('person_primary_email as e')
    .select('e.email')
    .where('e.person_id', 'in', (eb) => eb.selectFrom('dir_platform_admin').select('person_id'))
    .execute();
  return forward(ctx, 'postmaster', [...new Set(admins.map((a) => a.email))], raw);
}
