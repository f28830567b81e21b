// Bounces: delivery status notifications (RFC 3464) sent back to a copy's VERP address.
import type { ListsContext } from './inbound.ts';

export async function handleBounce(ctx: ListsContext, slug: string, token: string, raw: Buffer): Promise<void> {
  void ctx;
  void slug;
  void token;
  void raw;
}
