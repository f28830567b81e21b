// Import pages (administrators): explanation and upload, preview with the full error report,
// confirmation, and a status page that refreshes itself while the import runs.
import { intParam } from '../../platform/web/forms.tsx';
import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv, Ctx, RequestContext } from '../../platform/web/context.ts';
import { Form, Layout, Notice } from '../../platform/web/layout.tsx';
import { actorOf, field, requireAdmin } from '../../platform/web/guards.ts';
import { InvalidInput, NotFound } from '../../platform/errors.ts';
import type { MessageKey } from '../../platform/i18n/index.ts';
import { checkFileSize, nothingToChange, type ImportReport } from './importDirectory.ts';
import { GROUP_ROLE_WORDS, GROUP_TYPE_WORDS, LAYOUT_ORDER, LAYOUTS, STAFF_FUNCTION_WORDS, type Layout as LayoutName } from './layouts.ts';
import { PLAN_KINDS, type Counts, type ImportIssue } from './plan.ts';
import { MAX_FILE_BYTES } from './read.ts';
import { templateCsv, templateXlsx } from './templates.ts';
import { confirmUpload, forgetOldUploads, getUpload, markInterrupted, PREVIEW_ROWS, recentUploads, runProgress, storeUpload, uploadPreview, type UploadInfo } from './uploads.ts';

const MAX_MB = MAX_FILE_BYTES / (1024 * 1024);
const LEVELS = 'TPS, PS, MS, GS, CP, CE1, CE2, CM1, CM2';

/**
 * The upload's size limit, applied before anything reads the body (the CSRF check parses
 * it): a larger Content-Length is refused at once, a body without one is cut at the limit.
 * Registered in app.tsx ahead of the CSRF middleware.
 */
export const importUploadLimit: MiddlewareHandler<AppEnv> = bodyLimit({
  // The file plus the multipart envelope and the form's other fields.
  maxSize: MAX_FILE_BYTES + 64 * 1024,
  onError: (c) => {
    const rc = (c as Ctx).get('rc');
    return (c as Ctx).html(
      <Layout rc={rc} title={rc.t('import.title')}>
        <Notice kind="error">{rc.t('import.error.tooLarge', { size: `> ${MAX_MB}`, max: MAX_MB })}</Notice>
        <p>
          <a href="/directory/import">{rc.t('import.preview.another')}</a>
        </p>
      </Layout>,
      413,
    );
  },
});

function graceSeconds(rc: RequestContext) {
  // PGlite has one process by construction (its folder is locked): a 'running' row that
  // this process is not applying is dead at once. A server may have other processes.
  return rc.deps.handle.kind === 'pglite' ? 0 : 15;
}

function layoutName(rc: RequestContext, l: LayoutName | null): string {
  return l ? rc.t(`import.layout.${l}` as MessageKey) : '?';
}

function ErrorTable({ rc, errors }: { rc: RequestContext; errors: ImportIssue[] }) {
  const { t } = rc;
  return (
    <section aria-labelledby="import-errors">
      <h2 id="import-errors">{t('import.errors.title', { n: errors.length })}</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('import.errors.sheet')}</th>
              <th scope="col">{t('import.errors.line')}</th>
              <th scope="col">{t('import.errors.column')}</th>
              <th scope="col">{t('import.errors.message')}</th>
            </tr>
          </thead>
          <tbody>
            {errors.map((e) => (
              <tr class="error-row">
                <td>{e.sheet}</td>
                <td>{e.line ?? ''}</td>
                <td>{e.column}</td>
                <td>{t(e.key, e.params)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CountsTable({ rc, counts }: { rc: RequestContext; counts: Counts }) {
  const { t } = rc;
  const kinds = PLAN_KINDS.filter((k) => counts[k].create + counts[k].update + counts[k].unchanged > 0);
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('import.preview.kind')}</th>
            <th scope="col">{t('import.action.create')}</th>
            <th scope="col">{t('import.action.update')}</th>
            <th scope="col">{t('import.action.unchanged')}</th>
          </tr>
        </thead>
        <tbody>
          {kinds.map((k) => (
            <tr>
              <th scope="row">{t(`import.kind.${k}` as MessageKey)}</th>
              <td data-count={`${k}.create`}>{counts[k].create}</td>
              <td data-count={`${k}.update`}>{counts[k].update}</td>
              <td data-count={`${k}.unchanged`}>{counts[k].unchanged}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Preview({ rc, upload, report, canConfirm }: { rc: RequestContext; upload: UploadInfo; report: ImportReport; canConfirm: boolean }) {
  const { t } = rc;
  return (
    <>
      <p>{t('import.preview.file', { file: upload.fileName, size: Math.ceil(upload.size / 1024) })}</p>
      <ul>
        {report.sheets.map((s) => (
          <li>
            {s.layout ? t('import.preview.sheet', { sheet: s.name, layout: layoutName(rc, s.layout), rows: s.rows }) : t('import.preview.sheetUnknown', { sheet: s.name })}
            {s.ignoredColumns.length > 0 && <span class="muted"> — {t('import.preview.ignored', { columns: s.ignoredColumns.join(', ') })}</span>}
          </li>
        ))}
      </ul>
      {report.errors.length > 0 ? (
        <>
          <Notice kind="error">{t('import.allOrNothing')}</Notice>
          <ErrorTable rc={rc} errors={report.errors} />
        </>
      ) : (
        <>
          <h2>{t('import.preview.counts')}</h2>
          <CountsTable rc={rc} counts={report.counts} />
          {nothingToChange(report) ? (
            <Notice kind="info">{t('import.preview.nothing')}</Notice>
          ) : (
            <>
              <h2>{t('import.preview.firstChanges')}</h2>
              {PLAN_KINDS.filter((k) => report.changes[k].length > 0).map((k) => (
                <section class="card" aria-labelledby={`changes-${k}`}>
                  <h3 id={`changes-${k}`}>{t(`import.kind.${k}` as MessageKey)}</h3>
                  <ul class="plain">
                    {report.changes[k].slice(0, PREVIEW_ROWS).map((ch) => (
                      <li>
                        <span class="tag">{t(`import.action.${ch.action}` as MessageKey)}</span> {ch.label}
                        {ch.before !== undefined && <span class="muted"> ({t('import.action.before', { before: ch.before })})</span>}{' '}
                        <span class="muted">
                          — {ch.sheet}:{ch.line}
                        </span>
                      </li>
                    ))}
                  </ul>
                  {/* The stored preview keeps the first PREVIEW_ROWS changes of each kind; the counts give the rest. */}
                  {report.counts[k].create + report.counts[k].update > report.changes[k].length && (
                    <p class="muted">{t('import.preview.more', { n: report.counts[k].create + report.counts[k].update - report.changes[k].length })}</p>
                  )}
                </section>
              ))}
            </>
          )}
          {canConfirm ? (
            <Form rc={rc} action={`/directory/import/${upload.id}/confirm`}>
              <input type="hidden" name="sha256" value={upload.sha256} />
              <p class="hint">{t('import.preview.confirmHelp')}</p>
              <p>
                <button type="submit">{t('import.preview.confirm')}</button>
              </p>
            </Form>
          ) : (
            <Notice kind="info">{t('import.preview.notYours')}</Notice>
          )}
        </>
      )}
      <p>
        <a href="/directory/import">{t('import.preview.another')}</a>
      </p>
    </>
  );
}

export function importRoutes(app: Hono<AppEnv>) {
  app.get('/directory/import', async (c) => {
    requireAdmin(c);
    const rc = c.get('rc');
    const { t } = rc;
    await markInterrupted(rc.deps.db, graceSeconds(rc));
    await forgetOldUploads(rc.deps.db);
    const recent = await recentUploads(rc.deps.db);
    const help: Record<LayoutName, string> = {
      classes: t('import.layout.classes.help', { levels: LEVELS }),
      staff: t('import.layout.staff.help', { functions: STAFF_FUNCTION_WORDS }),
      families: t('import.layout.families.help'),
      groups: t('import.layout.groups.help', { types: GROUP_TYPE_WORDS, roles: GROUP_ROLE_WORDS }),
    };
    return c.html(
      <Layout rc={rc} title={t('import.title')}>
        <p>{t('import.intro')}</p>
        <Notice kind="info">{t('import.noDelete')}</Notice>
        <section class="card" aria-labelledby="upload-title">
          <h2 id="upload-title">{t('import.upload.title')}</h2>
          <Form rc={rc} action="/directory/import" enctype="multipart/form-data">
            <label for="import-file">{t('import.upload.label')}</label>
            <input
              id="import-file"
              name="file"
              type="file"
              required
              accept=".csv,.xlsx,.txt,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              aria-describedby="import-file-hint"
            />
            <p class="hint" id="import-file-hint">
              {t('import.upload.hint', { max: MAX_MB })}
            </p>
            <p>
              <button type="submit">{t('import.upload.submit')}</button>
            </p>
          </Form>
        </section>
        <h2>{t('import.templates.title')}</h2>
        <ul>
          <li>
            <a href="/directory/import/template.xlsx" download="ostal-import.xlsx">
              {t('import.templates.xlsx')}
            </a>
          </li>
          {LAYOUT_ORDER.map((l) => (
            <li>
              <a href={`/directory/import/template.csv?layout=${l}`} download={`ostal-${l}.csv`}>
                {t('import.templates.csv', { layout: layoutName(rc, l) })}
              </a>
            </li>
          ))}
        </ul>
        <h2>{t('import.layouts.title')}</h2>
        <p>{t('import.layouts.intro')}</p>
        {LAYOUT_ORDER.map((l) => (
          <section aria-labelledby={`layout-${l}`}>
            <h3 id={`layout-${l}`}>{layoutName(rc, l)}</h3>
            <p>{help[l]}</p>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('import.layouts.column')}</th>
                    <th scope="col">{t('import.layouts.required')}</th>
                    <th scope="col">{t('import.layouts.aliases')}</th>
                  </tr>
                </thead>
                <tbody>
                  {LAYOUTS[l].map((col) => (
                    <tr>
                      <td>
                        <code>{col.name}</code>
                      </td>
                      <td>{col.required ? t('common.yes') : t('common.no')}</td>
                      <td class="muted">{col.aliases.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        ))}
        {recent.length > 0 && (
          <>
            <h2>{t('import.recent.title')}</h2>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('import.recent.file')}</th>
                    <th scope="col">{t('import.recent.date')}</th>
                    <th scope="col">{t('import.recent.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {recent.map((u) => (
                    <tr>
                      <td>
                        <a href={`/directory/import/${u.id}`}>{u.fileName}</a>
                      </td>
                      <td>{u.createdAt.toISOString().slice(0, 16).replace('T', ' ')}</td>
                      <td>{t(`import.status.${u.status}` as MessageKey)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Layout>,
    );
  });

  app.get('/directory/import/template.csv', (c) => {
    requireAdmin(c);
    const q = c.req.query('layout') ?? 'families';
    const layout = (LAYOUT_ORDER as string[]).includes(q) ? (q as LayoutName) : 'families';
    return c.body(new Uint8Array(templateCsv(layout)), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="ostal-${layout}.csv"`,
    });
  });

  app.get('/directory/import/template.xlsx', async (c) => {
    requireAdmin(c);
    return c.body(new Uint8Array(await templateXlsx()), 200, {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-disposition': 'attachment; filename="ostal-import.xlsx"',
    });
  });

  app.post('/directory/import', async (c) => {
    const v = requireAdmin(c);
    const rc = c.get('rc');
    // Also checked by importUploadLimit before the body is read; this catches a client
    // that announced a small body and sent a large file in it.
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > MAX_FILE_BYTES + 64 * 1024) checkFileSize(declared);
    const body = await c.req.parseBody();
    const file = body.file;
    if (!(file instanceof File) || file.size === 0) throw new InvalidInput('import.error.noFile');
    checkFileSize(file.size);
    const bytes = new Uint8Array(await file.arrayBuffer());
    // Read and checked here, once, in a worker: this request waits, the others do not.
    const id = await storeUpload(rc.deps.db, actorOf(v), { name: file.name || 'import.csv', bytes });
    return c.redirect(`/directory/import/${id}`, 303);
  });

  app.get('/directory/import/:id{[0-9]+}', async (c) => {
    const v = requireAdmin(c);
    const rc = c.get('rc');
    const { t } = rc;
    const id = intParam(c);
    await markInterrupted(rc.deps.db, graceSeconds(rc));
    await forgetOldUploads(rc.deps.db);
    const upload = await getUpload(rc.deps.db, id);
    if (!upload) throw new NotFound('error.notFound');
    const already = c.req.query('already') ? <Notice kind="info">{t('import.run.already')}</Notice> : null;

    if (upload.status === 'running') {
      const p = runProgress(id);
      // Refreshes without JavaScript: the header for every browser, the element as asked by HTML authors.
      c.header('Refresh', '2');
      return c.html(
        <Layout rc={rc} title={t('import.title')}>
          <meta http-equiv="refresh" content="2" />
          {already}
          <Notice kind="info">{t('import.run.running')}</Notice>
          <label for="import-progress">{t('import.run.progress')}</label>
          {p && p.total > 0 ? <progress id="import-progress" value={p.done} max={p.total}>{`${p.done} / ${p.total}`}</progress> : <progress id="import-progress" />}
          {p && p.total > 0 && (
            <p class="muted">
              {p.done} / {p.total}
            </p>
          )}
        </Layout>,
      );
    }
    if (upload.status === 'applied') {
      return c.html(
        <Layout rc={rc} title={t('import.title')}>
          {already}
          <Notice kind="ok">{t('import.run.applied')}</Notice>
          <p>{t('import.preview.file', { file: upload.fileName, size: Math.ceil(upload.size / 1024) })}</p>
          {upload.result?.counts && <CountsTable rc={rc} counts={upload.result.counts} />}
          <p>
            <a href="/directory">{t('import.run.toDirectory')}</a> · <a href="/directory/import">{t('import.preview.another')}</a>
          </p>
        </Layout>,
      );
    }
    if (upload.status === 'failed') {
      return c.html(
        <Layout rc={rc} title={t('import.title')}>
          <Notice kind="error">{t('import.run.failed')}</Notice>
          {upload.result?.failure && <p class="muted">{t('import.run.failure', { failure: upload.result.failure })}</p>}
          {upload.result?.errors && upload.result.errors.length > 0 && <ErrorTable rc={rc} errors={upload.result.errors} />}
          <p>
            <a href="/directory/import">{t('import.preview.another')}</a>
          </p>
        </Layout>,
      );
    }
    // pending or interrupted: the check made at upload (the file is not read again).
    const report = upload.expiresAt > new Date() ? await uploadPreview(rc.deps.db, id) : undefined;
    if (!report) {
      return c.html(
        <Layout rc={rc} title={t('import.preview.title')}>
          <Notice kind="error">{t('import.preview.expired')}</Notice>
          <p>
            <a href="/directory/import">{t('import.preview.another')}</a>
          </p>
        </Layout>,
      );
    }
    return c.html(
      <Layout rc={rc} title={t('import.preview.title')}>
        {upload.status === 'interrupted' && <Notice kind="error">{t('import.run.interrupted')}</Notice>}
        <Preview rc={rc} upload={upload} report={report} canConfirm={upload.uploadedBy === v.personId && upload.hasRows} />
      </Layout>,
    );
  });

  app.post('/directory/import/:id{[0-9]+}/confirm', async (c) => {
    const v = requireAdmin(c);
    const rc = c.get('rc');
    const id = intParam(c);
    const body = await c.req.parseBody();
    const outcome = await confirmUpload(rc.deps.db, actorOf(v), id, field(body, 'sha256'));
    return c.redirect(`/directory/import/${id}${outcome === 'already' ? '?already=1' : ''}`, 303);
  });
}
