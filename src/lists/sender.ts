// Who wrote a message: the sender checks (SPF, DKIM, DMARC through mailauth) and the pure rules
// read from them. Posting, moderation by reply and unsubscription by mail all ask here, so a
// From address grants a right only where it is proven.
import { authenticate } from 'mailauth';
import type { ParsedMail } from 'mailparser';

/** The one DNS entry point of the sender checks (mailauth's resolver signature); tests pass a table. */
export type Resolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

/**
 * Pure: mail written by a robot (RFC 3834 Auto-Submitted, and the common markers of vacation
 * responders and bulk mail). It is never answered and never decides anything by itself.
 */
export function isAutomatic(header: (name: string) => string, has: (name: string) => boolean): boolean {
  const autoSubmitted = header('auto-submitted').trim().toLowerCase();
  return (
    (autoSubmitted !== '' && autoSubmitted !== 'no') ||
    ['bulk', 'junk', 'list'].includes(header('precedence').trim().toLowerCase()) ||
    has('x-autoreply') ||
    has('x-autorespond')
  );
}

export interface SenderAuth {
  spf?: string;
  dkim?: string[];
  dmarc?: string;
  /** The From domain's DMARC policy (none / quarantine / reject). */
  policy?: string;
  error?: string;
}

/** Same organisation, roughly: equal, or one a subdomain of the other (DMARC's relaxed alignment). */
function aligned(a: string, b: string): boolean {
  a = a.toLowerCase();
  b = b.toLowerCase();
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/**
 * Pure: whether the From address is proven. DMARC pass proves it and DMARC fail disproves
 * it; a domain without a DMARC record proves it by an aligned SPF or DKIM pass, which is what
 * DMARC would check (many small providers publish no record).
 */
export function fromIsAuthenticated(auth: SenderAuth, fromAddress: string, envelopeFrom: string): boolean {
  if (auth.dmarc === 'pass') return true;
  if (auth.dmarc === 'fail' || auth.error) return false;
  const fromDomain = fromAddress.split('@')[1] ?? '';
  if (!fromDomain) return false;
  const envelopeDomain = envelopeFrom.split('@')[1] ?? '';
  if (auth.spf === 'pass' && envelopeDomain && aligned(envelopeDomain, fromDomain)) return true;
  return (auth.dkim ?? []).some((r) => {
    const i = r.lastIndexOf(':');
    return r.slice(i + 1) === 'pass' && aligned(r.slice(0, i), fromDomain);
  });
}

export async function checkSender(raw: Buffer, o: { ip?: string; helo?: string; sender: string; resolver?: Resolver | undefined; mta: string }): Promise<SenderAuth> {
  try {
    const r = await authenticate(raw, {
      ip: o.ip ?? '127.0.0.1',
      helo: o.helo ?? 'localhost',
      sender: o.sender,
      mta: o.mta,
      disableArc: true,
      disableBimi: true,
      ...(o.resolver ? { resolver: o.resolver } : {}),
    });
    const dmarc = r.dmarc || undefined;
    return {
      spf: r.spf ? r.spf.status.result : undefined,
      dkim: (r.dkim.results ?? []).map((x: { signingDomain?: string; status: { result: string } }) => `${x.signingDomain ?? '?'}:${x.status.result}`),
      dmarc: dmarc?.status?.result,
      policy: (dmarc as { p?: string } | undefined)?.p,
    };
  } catch (err) {
    return { error: (err as Error).message.slice(0, 200) };
  }
}

/** Pure: `isAutomatic` over a parsed message's headers. */
export function isAutomaticMail(parsed: ParsedMail): boolean {
  return isAutomatic((name) => String(parsed.headers.get(name) ?? ''), (name) => parsed.headers.has(name));
}

/** Whether `fromAddress` is proven for this SMTP transaction (one DNS round of checks). */
export async function provenFrom(
  ctx: { domain: string; resolver?: Resolver | undefined },
  raw: Buffer,
  fromAddress: string,
  session: { envelopeFrom: string; ip?: string | undefined; helo?: string | undefined },
): Promise<boolean> {
  const auth = await checkSender(raw, { ip: session.ip, helo: session.helo, sender: session.envelopeFrom, resolver: ctx.resolver, mta: ctx.domain });
  return fromIsAuthenticated(auth, fromAddress, session.envelopeFrom);
}
