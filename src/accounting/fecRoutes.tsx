// The exchanges with the accountant on the web: FEC download per fiscal year (through a temporary
// file, never built in memory), FEC upload with its line-by-line report, and the audit trail of the books.
// The treasurer and the accountant use them; the accountant's upload is held to the
// accountant's own journal, as the accountant's postings are.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, type ReadStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';
import { Form, Layout, Notice } from '../platform/web/layout.tsx';
import { actorOf, requireViewer } from '../platform/web/guards.ts';
import { intParam } from '../platform/web/forms.tsx';
import { Forbidden, NotFound } from '../platform/errors.ts';
import { accountingRole } from './access.ts';
import { associationSiren, exportFec, fecFileName, importFec, type FecError } from './fec.ts';
import { uploadedFile } from './upload.ts';

const MAX_BYTES = 50 * 1024 * 1024;

async function exchanger(c: Context<AppEnv>) {
  const v = requireViewer(c);
  const role = await accountingRole(c.get('rc').deps.db, v.personId);
  if (!role.treasurer && !role.accountant) throw new Forbidden('accounting.error.setupForbidden');
  return { v, role };
}

async function fecPage(c: Context<AppEnv>, errors: FecError[] | null = null, status = 200) {
  const { role } = await exchanger(c);
  const rc = c.get('rc');
  const { t, deps } = rc;
  const years = await deps.db.selectFrom('fiscal_year').selectAll().orderBy('starts_on', 'desc').execute();
  const own = (await deps.db.selectFrom('journal').select('code').where('kind', '=', 'accountant').execute()).map((j) => j.code);
  const q = c.req.query();
  return c.html(
    <Layout rc={rc} title={t('accounting.fec.title')}>
      <p><a href="/accounting">{t('accounting.title')}</a> · <a href="/accounting/audit">{t('accounting.audit.title')}</a></p>
      {q.imported && /^\d+$/.test(q.imported) && <Notice kind="ok">{t('accounting.fec.imported', { entries: Number(q.imported), lines: Number(q.lines ?? 0), lettered: Number(q.lettered ?? 0) })}</Notice>}
      <h2>{t('accounting.fec.export')}</h2>
      <p class="hint">{t('accounting.fec.exportHint')}</p>
      <ul>
        {years.map((y) => (
          <li>
            {`${y.starts_on} – ${y.ends_on}`}{y.status === 'open' ? ` (${t('accounting.years.open')})` : ''} :{' '}
            <a href={`/accounting/years/${y.id}/fec`}>{t('accounting.fec.download')}</a> ·{' '}
            <a href={`/accounting/years/${y.id}/fec?sep=pipe&utf8=1`}>{t('accounting.fec.downloadPipe')}</a>
          </li>
        ))}
      </ul>
      <h2>{t('accounting.fec.import')}</h2>
      {errors && (
        <>
          <Notice kind="error">{t('accounting.error.fecImport', { count: errors.length })}</Notice>
          <div class="table-wrap">
            <table>
              <thead><tr><th>{t('accounting.fec.line')}</th><th>{t('accounting.fec.problem')}</th></tr></thead>
              <tbody>{errors.slice(0, 1000).map((e) => <tr><td class="num">{e.line}</td><td>{t(e.key, e.params)}</td></tr>)}</tbody>
            </table>
          </div>
        </>
      )}
      <p class="hint">{role.treasurer ? t('accounting.fec.importHint') : t('accounting.fec.importHintAccountant', { journal: own.join(', ') })}</p>
      <Form rc={rc} action="/accounting/fec/import" enctype="multipart/form-data" class="card">
        <label for="fec-file">{t('accounting.fec.file')}</label>
        <input id="fec-file" name="file" type="file" accept=".txt,.csv,text/plain" required />
        <button type="submit">{t('accounting.fec.importButton')}</button>
      </Form>
    </Layout>,
    status as 200,
  );
}

export function fecRoutes(app: Hono<AppEnv>) {
  app.get('/accounting/fec', (c) => fecPage(c));

  app.post('/accounting/fec/import', async (c) => {
    const { v, role } = await exchanger(c);
    const db = c.get('rc').deps.db;
    const body = await c.req.parseBody();
    const file = uploadedFile(body, MAX_BYTES);
    const own = (await db.selectFrom('journal').select('code').where('kind', '=', 'accountant').execute()).map((j) => j.code);
    const r = await importFec(db, actorOf(v), new Uint8Array(await file.arrayBuffer()), role.treasurer ? {} : { onlyJournals: own });
    if (!r.ok) return fecPage(c, r.errors, 400);
    return c.redirect(`/accounting/fec?imported=${r.entries}&lines=${r.lines}&lettered=${r.lettered}`, 303);
  });

  // Written to a temporary file first, then streamed from it: the export's transaction (which
  // holds PGlite's only connection) lasts as long as the database takes, never as long as a
  // slow or stalled download. The file is unlinked as soon as it is open for reading.
  app.get('/accounting/years/:id{[0-9]+}/fec', async (c) => {
    await exchanger(c);
    const db = c.get('rc').deps.db;
    const fy = await db.selectFrom('fiscal_year').selectAll().where('id', '=', intParam(c, 'id', 'accounting.error.noYearId')).executeTakeFirst();
    if (!fy) throw new NotFound('accounting.error.noYearId', { id: c.req.param('id') });
    const name = fecFileName(await associationSiren(db), fy.ends_on);
    const utf8 = c.req.query('utf8') === '1';
    const path = join(tmpdir(), `ostal-fec-${randomBytes(8).toString('hex')}.txt`);
    const file = await open(path, 'wx', 0o600);
    let reader: ReadStream;
    try {
      try {
        await exportFec(db, fy.id, async (chunk) => {
          await file.write(chunk);
        }, { separator: c.req.query('sep') === 'pipe' ? '|' : '\t', encoding: utf8 ? 'utf-8' : 'iso-8859-15' });
      } finally {
        await file.close();
      }
      reader = createReadStream(path);
      await once(reader, 'open');
    } finally {
      await unlink(path).catch(() => {});
    }
    return c.body(Readable.toWeb(reader) as ReadableStream<Uint8Array>, 200, {
      'content-type': `text/plain; charset=${utf8 ? 'utf-8' : 'iso-8859-15'}`,
      'content-disposition': `attachment; filename="${name}"`,
      'x-content-type-options': 'nosniff',
    });
  });

  app.get('/accounting/audit', async (c) => {
    await exchanger(c);
    const rc = c.get('rc');
    const { t, deps } = rc;
    const before = Number(c.req.query('before') ?? '0');
    let q = deps.db.selectFrom('audit_event').selectAll().where('action', 'like', 'accounting.%').orderBy('id', 'desc').limit(200);
    if (Number.isSafeInteger(before) && before > 0) q = q.where('id', '<', before);
    const events = await q.execute();
    const last = events.at(-1);
    return c.html(
      <Layout rc={rc} title={t('accounting.audit.title')}>
        <p class="hint">{t('accounting.audit.hint')}</p>
        <div class="table-wrap">
          <table>
            <thead><tr><th>{t('accounting.date')}</th><th>{t('accounting.audit.who')}</th><th>{t('accounting.audit.what')}</th><th>{t('accounting.audit.subject')}</th><th>{t('accounting.detail')}</th></tr></thead>
            <tbody>
              {events.map((e) => (
                <tr>
                  <td>{new Date(e.at).toISOString().slice(0, 19).replace('T', ' ')}</td>
                  <td>{e.actor_label}</td>
                  <td>{e.action.replace(/^accounting\./, '')}</td>
                  <td>{e.subject ?? ''}</td>
                  <td><code>{JSON.stringify(e.detail)}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {events.length === 200 && last && <p><a href={`/accounting/audit?before=${last.id}`}>{t('accounting.audit.older')}</a></p>}
      </Layout>,
    );
  });
}
