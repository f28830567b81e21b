// `slug+owner@domain`: mail for the people who run a list, forwarded to its owners.
import type { ListsContext } from './inbound.ts';
import { splitMessage, getHeader } from './rewrite.ts';

const MARK = 'X-Ostal-Owner-Forward';

export async function forwardToOwners(ctx: ListsContext, slug: string, raw: Buffer): Promise<number> {
  const { headers } = splitMessage(raw);
  // Already forwarded once (an owner's auto-reply or forward back to us): stop the loop.
  if (getHeader(headers, MARK.toLowerCase())) return 0;
  const list = await ctx.db.selectFrom('mailing_list').select('id').where('slug', '=', slug).executeTakeFirst();
  if (!list) return 0;
  const owners = await ctx.db
    .selectFrom('list_owner as o')
    .innerJoin('person_primary_email as e', 'e.person_id', 'o.person_id')
    .select('e.email')
    .where('o.list_id', '=', list.id)
    .execute();
  const to = [...new Set(owners.map((o) => o.email))];
  if (to.length === 0) return 0;
  const marked = Buffer.concat([Buffer.from(`${MARK}: ${slug}\r\n`), raw]);
  await ctx.mailer.enqueueRaw(ctx.db, {
    // The null sender: a bounce of the forward must not come back to the list server.
    envelopeFrom: '',
    to,
    subject: getHeader(headers, 'subject') ?? '',
    raw: marked,
    // The list server changed the message (the mark): it vouches for it with its own key.
    signAs: ctx.domain,
    // Mail from outside, as an owner will read it: it carries none of our tokens.
    sensitive: false,
  });
  return to.length;
}
