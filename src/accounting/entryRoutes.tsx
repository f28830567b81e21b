// One entry: its lines, its receipts (stored once by content hash), upload of a receipt, and
// for a validated entry the reversal (contre-passation): a validated mirror entry, dated by
// the treasurer, that cancels it — the only correction the books allow.
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';
import { Form, Layout, Notice } from '../platform/web/layout.tsx';
import { actorOf, field, requireViewer } from '../platform/web/guards.ts';
import { intParam } from '../platform/web/forms.tsx';
import { DomainError, Forbidden, NotFound } from '../platform/errors.ts';
import { accountingRole, requireEntries, requireTreasurer } from './access.ts';
import { attach, reverseEntry } from './books.ts';
import { displayCents } from './money.ts';
import { uploadedFile } from './upload.ts';

const MAX_BYTES = 20 * 1024 * 1024;

async function entryPage(c: Context<AppEnv>, refused: { date: string; error: string } | null = null, status = 200) {
  const v = requireViewer(c);
  const rc = c.get('rc');
  const { t, deps } = rc;
  const role = await accountingRole(deps.db, v.personId);
  requireEntries(role);
  const id = intParam(c, 'id', 'accounting.error.noEntry');
  const e = await deps.db.selectFrom('entry').selectAll().where('id', '=', id).executeTakeFirst();
  if (!e) throw new NotFound('accounting.error.noEntry', { id });
  const lines = await deps.db
    .selectFrom('entry_line')
    .leftJoin('account', 'account.number', 'entry_line.account_number')
    .selectAll('entry_line')
    .select('account.label as account_label')
    .where('entry_id', '=', id)
    .orderBy('line_no')
    .execute();
  const files = await deps.db.selectFrom('entry_attachment').selectAll().where('entry_id', '=', id).orderBy('added_at').execute();
  const reversedBy = await deps.db.selectFrom('entry').select(['id', 'number', 'entry_date']).where('reverses_entry_id', '=', id).executeTakeFirst();
  const reverses = e.reverses_entry_id ? await deps.db.selectFrom('entry').select(['id', 'number']).where('id', '=', e.reverses_entry_id).executeTakeFirst() : undefined;
  const today = new Date().toISOString().slice(0, 10);
  const reversed = c.req.query('reversed');
  return c.html(
    <Layout rc={rc} title={`${e.journal_code} ${e.number ?? t('accounting.draft')} – ${e.label}`}>
      {reversed && /^\d+$/.test(reversed) && <Notice kind="ok">{t('accounting.reverse.done')}</Notice>}
      {refused && <Notice kind="error">{refused.error}</Notice>}
      <p class="muted">{e.entry_date} · {e.piece_ref} · {t('accounting.enteredBy', { who: e.created_by_label })}{e.validated_by_label ? `, ${t('accounting.validatedBy', { who: e.validated_by_label })}` : ''}</p>
      {reverses && <p>{t('accounting.reverse.reverses')} <a href={`/accounting/entries/${reverses.id}`}>{`${e.journal_code} ${reverses.number}`}</a></p>}
      {reversedBy && <p>{t('accounting.reverse.reversedBy')} <a href={`/accounting/entries/${reversedBy.id}`}>{`${e.journal_code} ${reversedBy.number ?? ''}`}</a> ({reversedBy.entry_date})</p>}
      <div class="table-wrap">
        <table>
          <thead><tr><th>{t('accounting.account')}</th><th>{t('accounting.thirdParty')}</th><th>{t('accounting.label')}</th><th>{t('accounting.section')}</th><th>{t('accounting.debit')}</th><th>{t('accounting.credit')}</th></tr></thead>
          <tbody>{lines.map((l) => <tr><td>{l.account_number}{l.account_label ? <span class="muted">{` ${l.account_label}`}</span> : ''}</td><td>{l.third_party_code ?? ''}</td><td>{l.label}</td><td>{l.section_code ?? ''}</td><td class="num">{l.debit_cents ? displayCents(l.debit_cents) : ''}</td><td class="num">{l.credit_cents ? displayCents(l.credit_cents) : ''}</td></tr>)}</tbody>
        </table>
      </div>
      {e.status === 'validated' && !reversedBy && !e.reverses_entry_id && role.treasurer && (
        <section class="card">
          <h2>{t('accounting.reverse.title')}</h2>
          <p class="hint">{t('accounting.reverse.hint')}</p>
          <Form rc={rc} action={`/accounting/entries/${id}/reverse`}>
            <label for="reverse-date">{t('accounting.reverse.date')}</label>
            <input id="reverse-date" name="date" type="date" required value={refused?.date ?? today} />
            <button type="submit">{t('accounting.reverse.button')}</button>
          </Form>
        </section>
      )}
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
    status as 200,
  );
}

export function entryRoutes(app: Hono<AppEnv>) {
  app.get('/accounting/entries/:id{[0-9]+}', (c) => entryPage(c));

  app.post('/accounting/entries/:id{[0-9]+}/reverse', async (c) => {
    const v = requireViewer(c);
    const { deps, t } = c.get('rc');
    requireTreasurer(await accountingRole(deps.db, v.personId));
    const id = intParam(c, 'id', 'accounting.error.noEntry');
    const date = field(await c.req.parseBody(), 'date');
    try {
      const rev = await reverseEntry(deps.db, actorOf(v), id, date);
      return c.redirect(`/accounting/entries/${rev.id}?reversed=${id}`, 303);
    } catch (err) {
      if (!(err instanceof DomainError) || err instanceof Forbidden || err instanceof NotFound) throw err;
      return entryPage(c, { date, error: t(err.key, err.params) }, err.status);
    }
  });

  app.post('/accounting/entries/:id{[0-9]+}/attachments', async (c) => {
    const v = requireViewer(c);
    const { deps } = c.get('rc');
    requireTreasurer(await accountingRole(deps.db, v.personId));
    const id = intParam(c, 'id', 'accounting.error.noEntry');
    const body = await c.req.parseBody();
    const file = uploadedFile(body, MAX_BYTES);
    await attach(deps.db, actorOf(v), id, { filename: file.name.slice(0, 255) || 'piece', content: new Uint8Array(await file.arrayBuffer()), mediaType: file.type || 'application/octet-stream' });
    return c.redirect(`/accounting/entries/${id}`, 303);
  });

  app.get('/accounting/attachments/:sha{[0-9a-f]{64}}', async (c) => {
    const v = requireViewer(c);
    const { deps } = c.get('rc');
    requireEntries(await accountingRole(deps.db, v.personId));
    const blob = await deps.db.selectFrom('attachment_blob').selectAll().where('sha256', '=', c.req.param('sha')).executeTakeFirst();
    if (!blob) throw new NotFound('accounting.error.noFile');
    // Served as a download: a receipt uploaded as HTML must not run in our origin.
    return c.body(new Uint8Array(blob.content), 200, { 'content-type': blob.media_type === 'application/pdf' || blob.media_type.startsWith('image/') ? blob.media_type : 'application/octet-stream', 'content-disposition': 'attachment', 'x-content-type-options': 'nosniff' });
  });
}
