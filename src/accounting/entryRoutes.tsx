// One entry: its lines, its receipts (stored once by content hash), upload of a receipt.
import type { Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';
import { Form, Layout } from '../platform/web/layout.tsx';
import { actorOf, requireViewer } from '../platform/web/guards.ts';
import { InvalidInput, NotFound, TooLarge } from '../platform/errors.ts';
import { accountingRole, requireRead, requireTreasurer } from './access.ts';
import { attach } from './books.ts';
import { displayCents } from './money.ts';

const MAX_BYTES = 20 * 1024 * 1024;

export function entryRoutes(app: Hono<AppEnv>) {
  app.get('/accounting/entries/:id{[0-9]+}', async (c) => {
    const v = requireViewer(c);
    const rc = c.get('rc');
    const { t, deps } = rc;
    const role = await accountingRole(deps.db, v.personId);
    requireRead(role);
    const id = Number(c.req.param('id'));
    const e = await deps.db.selectFrom('entry').selectAll().where('id', '=', id).executeTakeFirst();
    if (!e) throw new NotFound('accounting.error.noEntry', { id });
    const lines = await deps.db.selectFrom('entry_line').selectAll().where('entry_id', '=', id).orderBy('line_no').execute();
    const files = await deps.db.selectFrom('entry_attachment').selectAll().where('entry_id', '=', id).orderBy('added_at').execute();
    return c.html(
      <Layout rc={rc} title={`${e.journal_code} ${e.number ?? t('accounting.draft')} – ${e.label}`}>
        <p class="muted">{e.entry_date} · {e.piece_ref} · {e.created_by_label}{e.validated_by_label ? ` · ${t('accounting.validate')} : ${e.validated_by_label}` : ''}</p>
        <div class="table-wrap">
          <table>
            <thead><tr><th>{t('accounting.account')}</th><th>{t('accounting.thirdParty')}</th><th>{t('accounting.section')}</th><th>{t('accounting.debit')}</th><th>{t('accounting.credit')}</th></tr></thead>
            <tbody>{lines.map((l) => <tr><td>{l.account_number}</td><td>{l.third_party_code ?? ''}</td><td>{l.section_code ?? ''}</td><td class="num">{l.debit_cents ? displayCents(l.debit_cents) : ''}</td><td class="num">{l.credit_cents ? displayCents(l.credit_cents) : ''}</td></tr>)}</tbody>
          </table>
        </div>
        <h2>{t('accounting.attachments')}</h2>
        <ul>{files.map((f) => <li><a href={`/accounting/attachments/${f.sha256}`}>{f.filename}</a></li>)}</ul>
        {role.treasurer && (
          <Form rc={rc} action={`/accounting/entries/${id}/attachments`} enctype="multipart/form-data" class="card">
            <label for="receipt">{t('accounting.attachments.add')}</label>
            <input id="receipt" name="file" type="file" required />
            <button type="submit">{t('accounting.attachments.upload')}</button>
          </Form>
        )}
      </Layout>,
    );
  });

  app.post('/accounting/entries/:id{[0-9]+}/attachments', async (c) => {
    const v = requireViewer(c);
    const { deps } = c.get('rc');
    requireTreasurer(await accountingRole(deps.db, v.personId));
    const id = Number(c.req.param('id'));
    const body = await c.req.parseBody();
    const file = body.file;
    if (!(file instanceof File) || file.size === 0) throw new InvalidInput('accounting.error.noFile');
    if (file.size > MAX_BYTES) throw new TooLarge('accounting.error.noFile');
    await attach(deps.db, actorOf(v), id, { filename: file.name.slice(0, 255) || 'piece', content: new Uint8Array(await file.arrayBuffer()), mediaType: file.type || 'application/octet-stream' });
    return c.redirect(`/accounting/entries/${id}`, 303);
  });

  app.get('/accounting/attachments/:sha{[0-9a-f]{64}}', async (c) => {
    const v = requireViewer(c);
    const { deps } = c.get('rc');
    requireRead(await accountingRole(deps.db, v.personId));
    const blob = await deps.db.selectFrom('attachment_blob').selectAll().where('sha256', '=', c.req.param('sha')).executeTakeFirst();
    if (!blob) throw new NotFound('accounting.error.noFile');
    // Served as a download: a receipt uploaded as HTML must not run in our origin.
    return c.body(new Uint8Array(blob.content), 200, { 'content-type': blob.media_type === 'application/pdf' || blob.media_type.startsWith('image/') ? blob.media_type : 'application/octet-stream', 'content-disposition': 'attachment', 'x-content-type-options': 'nosniff' });
  });
}
