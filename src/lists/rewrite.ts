// How a received message becomes the copy one member gets: pure functions over bytes.
// The message is kept byte for byte except the changes a list must make (RFC 2369/2919/8058
// headers, subject prefix, footer, Reply-To, DMARC From rewriting); DKIM signing comes after.
import { createHash } from 'node:crypto';

export interface HeaderField {
  /** Lowercased name. */
  key: string;
  /** The whole field as received, folded lines included, without the final line break. */
  line: string;
}

export interface SplitMessage {
  headers: HeaderField[];
  /** Body bytes as latin1 text (one char per byte, so nothing is re-encoded). */
  body: string;
}

/** Splits a message into its header fields and body, keeping every byte. */
export function splitMessage(raw: Buffer): SplitMessage {
  const text = raw.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const headers: HeaderField[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]!.line += '\r\n' + line;
    } else if (line.includes(':')) {
      headers.push({ key: line.slice(0, line.indexOf(':')).trim().toLowerCase(), line });
    }
  }
  return { headers, body };
}

export function headerValue(h: HeaderField): string {
  return h.line.slice(h.line.indexOf(':') + 1).replace(/\r\n[ \t]/g, ' ').trim();
}

export function getHeader(headers: HeaderField[], key: string): string | undefined {
  const h = headers.find((x) => x.key === key);
  return h ? headerValue(h) : undefined;
}

/** The List-Id value (RFC 2919): "<slug.domain>". */
export function listIdOf(slug: string, domain: string): string {
  return `${slug}.${domain}`;
}

/** True when the message already went through this list (a loop). */
export function carriesListId(headers: HeaderField[], listId: string): boolean {
  return headers.some((h) => h.key === 'list-id' && headerValue(h).toLowerCase().includes(`<${listId.toLowerCase()}>`));
}

function isAscii(s: string) {
  return /^[\x00-\x7f]*$/.test(s);
}

/** RFC 2047 encoded word when needed (display names, subject). */
export function encodeWord(s: string): string {
  if (isAscii(s)) return s;
  return `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

function quoteName(name: string): string {
  if (!isAscii(name)) return encodeWord(name);
  return /[^\w !#$%&'*+\-/=?^`{|}~]/.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}"` : name;
}

function param(value: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Utf-8 text as latin1 "bytes" to splice into the body string. */
function bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

export interface CopyList {
  slug: string;
  name: string;
  subjectPrefix: string;
  footer: string;
  replyTo: 'sender' | 'list';
}

export interface CopyInput {
  raw: Buffer;
  list: CopyList;
  domain: string;
  publicUrl: string;
  /** Decoded subject of the original, to decide whether the prefix is already there. */
  subject: string;
  from: { name: string; address: string };
  /** The sender's domain publishes p=quarantine or p=reject: From is rewritten. */
  dmarcRewrite: boolean;
  unsubscribeUrl: string;
  /** Used when the original has none. */
  date: Date;
  messageId: string;
}

const DROPPED = new Set([
  'list-id', 'list-post', 'list-help', 'list-archive', 'list-owner', 'list-subscribe', 'list-unsubscribe', 'list-unsubscribe-post',
  'precedence', 'return-path', 'delivered-to', 'x-original-to', 'bcc', 'dkim-signature', 'authentication-results',
  'arc-seal', 'arc-message-signature', 'arc-authentication-results', 'errors-to',
]);

/** The copy of a message for a list's member (unsigned). Deterministic: a retry renders the same bytes. */
export function renderCopy(input: CopyInput): Buffer {
  const { list, domain } = input;
  const { headers, body } = splitMessage(input.raw);
  const listAddress = `${list.slug}@${domain}`;
  const listPage = `${input.publicUrl}/lists/${list.slug}`;
  let kept = headers.filter((h) => !DROPPED.has(h.key));

  const out: string[] = [
    `List-Id: ${quoteName(list.name)} <${listIdOf(list.slug, domain)}>`,
    `List-Help: <${listPage}>`,
    `List-Post: <mailto:${listAddress}>`,
    `List-Archive: <${listPage}/archive>`,
    `List-Owner: <${listPage}>`,
    `List-Unsubscribe: <${input.unsubscribeUrl}>,\r\n <mailto:${list.slug}+unsubscribe@${domain}?subject=unsubscribe>`,
    // RFC 8058: a POST to the https URI unsubscribes without further confirmation.
    'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    'Precedence: list',
  ];

  // Subject prefix, once (a reply already carries it).
  if (list.subjectPrefix && !input.subject.includes(list.subjectPrefix)) {
    const i = kept.findIndex((h) => h.key === 'subject');
    const original = i >= 0 ? kept[i]!.line.slice(kept[i]!.line.indexOf(':') + 1).trimStart() : '';
    const line = `Subject: ${encodeWord(list.subjectPrefix)} ${original}`.trimEnd();
    if (i >= 0) kept[i] = { key: 'subject', line };
    else kept.push({ key: 'subject', line });
  }

  // From rewriting for senders whose domain asks receivers to refuse unaligned mail.
  const originalFrom = input.from.name ? `${quoteName(input.from.name)} <${input.from.address}>` : input.from.address;
  let replyTo: string | undefined;
  if (input.dmarcRewrite) {
    const shown = `${input.from.name || input.from.address} via ${list.name}`;
    kept = kept.map((h) => (h.key === 'from' ? { key: 'from', line: `From: ${quoteName(shown)} <${listAddress}>` } : h));
    replyTo = list.replyTo === 'list' ? `${listAddress}, ${originalFrom}` : originalFrom;
  } else if (list.replyTo === 'list') {
    replyTo = listAddress;
  }
  if (replyTo) {
    kept = kept.filter((h) => h.key !== 'reply-to');
    out.push(`Reply-To: ${replyTo}`);
  }
  if (!kept.some((h) => h.key === 'date')) out.push(`Date: ${input.date.toUTCString().replace('GMT', '+0000')}`);
  if (!kept.some((h) => h.key === 'message-id')) out.push(`Message-ID: ${input.messageId}`);

  let newBody = body;
  if (list.footer.trim()) {
    const r = addFooter(kept, body, list.footer);
    kept = r.headers;
    newBody = r.body;
  }
  const head = [...out, ...kept.map((h) => h.line)].join('\r\n');
  return Buffer.from(head + '\r\n\r\n' + newBody, 'latin1');
}

/**
 * Adds the footer without breaking the message: appended to a plain utf-8 / ascii text body,
 * added as a last part of multipart/mixed, otherwise the original becomes the first part of
 * a new multipart/mixed (as Mailman does), so signed or encoded parts are left untouched.
 */
export function addFooter(headers: HeaderField[], body: string, footer: string): { headers: HeaderField[]; body: string } {
  const ct = getHeader(headers, 'content-type') ?? 'text/plain';
  const type = ct.split(';')[0]!.trim().toLowerCase();
  const cte = (getHeader(headers, 'content-transfer-encoding') ?? '7bit').toLowerCase();
  const charset = (param(ct, 'charset') ?? 'us-ascii').toLowerCase();
  const text = `\r\n-- \r\n${footer.replace(/\r?\n/g, '\r\n')}\r\n`;
  const nl = body.length === 0 || body.endsWith('\n') ? '' : '\r\n';

  if (type === 'text/plain' && (cte === '7bit' || cte === '8bit') && (charset === 'utf-8' || (isAscii(footer) && charset === 'us-ascii'))) {
    let hs = headers;
    if (!isAscii(footer) && cte === '7bit') {
      hs = headers.filter((h) => h.key !== 'content-transfer-encoding');
      hs.push({ key: 'content-transfer-encoding', line: 'Content-Transfer-Encoding: 8bit' });
    }
    return { headers: hs, body: body + nl + bytes(text) };
  }
  const footerPart = (boundary: string) =>
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: inline\r\n\r\n` +
    Buffer.from(footer, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n') +
    '\r\n';
  const boundary = param(ct, 'boundary');
  if (type === 'multipart/mixed' && boundary) {
    const close = body.lastIndexOf(`--${boundary}--`);
    if (close >= 0) {
      const before = body.slice(0, close);
      return { headers, body: before + (before.endsWith('\n') ? '' : '\r\n') + footerPart(boundary) + body.slice(close) };
    }
  }
  const outer = 'ostal-' + createHash('sha256').update(body, 'latin1').digest('hex').slice(0, 24);
  const contentKeys = new Set(['content-type', 'content-transfer-encoding', 'content-disposition', 'content-description', 'content-id']);
  const inner = headers.filter((h) => contentKeys.has(h.key));
  const rest = headers.filter((h) => !contentKeys.has(h.key) && h.key !== 'mime-version');
  rest.push({ key: 'mime-version', line: 'MIME-Version: 1.0' });
  rest.push({ key: 'content-type', line: `Content-Type: multipart/mixed; boundary="${outer}"` });
  const innerHead = inner.length ? inner.map((h) => h.line).join('\r\n') : 'Content-Type: text/plain; charset=us-ascii';
  const wrapped = `--${outer}\r\n${innerHead}\r\n\r\n${body}${nl}\r\n${footerPart(outer)}--${outer}--\r\n`;
  return { headers: rest, body: wrapped };
}

export const SIGNED_HEADERS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version', 'Content-Type',
  'Content-Transfer-Encoding', 'In-Reply-To', 'References', 'List-Id', 'List-Help', 'List-Unsubscribe',
  'List-Unsubscribe-Post', 'List-Post', 'List-Owner', 'List-Archive',
];
