// Platform pages: home, health check, outbox, settings. The home and settings pages gather
// the modules' parts (their module.ts `home` and `settings`).
import { intParam } from './forms.tsx';
import type { Hono } from 'hono';
import { simpleParser } from 'mailparser';
import type { AppEnv } from './context.ts';
import type { Db } from '../db.ts';
import { Layout } from './layout.tsx';
import { requireAdmin } from './guards.ts';
import { schemaVersion } from '../migrate.ts';
import { NotFound } from '../errors.ts';
import { redactUrl } from '../config.ts';
import type { HomeParts } from '../module.ts';

export function platformRoutes(app: Hono<AppEnv>) {
  // For a load balancer or a monitor, without sign-in: it says the process answers and nothing
  // more (no database kind, no schema version: an outsider learns nothing to aim at).
  app.get('/healthz', (c) => c.text('ok'));

  app.get('/', async (c) => {
    const rc = c.get('rc');
    const { t, viewer } = rc;
    if (!viewer) {
      return c.html(
        <Layout rc={rc} title={t('home.anonymous')}>
          <p>{t('home.anonymousText')}</p>
          <p>
            <a class="button" href="/signin">
              {t('nav.signin')}
            </a>
          </p>
        </Layout>,
      );
    }
    const parts: HomeParts[] = await Promise.all(rc.deps.modules.map((m) => m.home?.(c, viewer) ?? {}));
    const relay = rc.deps.mailer.relayConfigured;
    return c.html(
      <Layout rc={rc} title={t('home.welcome', { name: viewer.firstName })}>
        {parts.map((p) => p.notice)}
        {viewer.isAdmin && !relay && (
          <div class="notice error" role="status" id="no-relay">
            <strong>{t('home.noRelay.title')}</strong>
            <p>{t('home.noRelay')}</p>
            <p>{t('home.noRelay.how')}</p>
          </div>
        )}
        <div class="cards">
          {parts.map((p) => p.cards)}
          {viewer.isAdmin && (
            <div class="card">
              <h2>{t('home.admin')}</h2>
              {parts.map((p) => p.admin)}
              <ul class="plain">
                <li><a href="/outbox">{t('nav.outbox')}</a></li>
              </ul>
            </div>
          )}
        </div>
      </Layout>,
    );
  });

  app.get('/outbox', async (c) => {
    requireAdmin(c);
    const rc = c.get('rc');
    const { t } = rc;
    const rows = await rc.deps.db
      .selectFrom('outbox_message')
      .select(['id', 'created_at', 'envelope_to', 'subject', 'status', 'sensitive'])
      .orderBy('id', 'desc')
      .limit(200)
      .execute();
    return c.html(
      <Layout rc={rc} title={t('outbox.title')}>
        <p class="hint">{rc.deps.mailer.relayConfigured ? t('outbox.introRelay') : t('outbox.intro')}</p>
        {rows.length === 0 ? (
          <p>{t('outbox.empty')}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('outbox.date')}</th>
                  <th>{t('outbox.to')}</th>
                  <th>{t('outbox.subject')}</th>
                  <th>{t('outbox.status')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => (
                  <tr>
                    <td>{new Date(m.created_at).toLocaleString(rc.lang === 'en' ? 'en-GB' : 'fr-FR', { timeZone: 'Europe/Paris' })}</td>
                    <td>{m.envelope_to.join(', ')}</td>
                    <td>
                      <a href={`/outbox/${m.id}`}>{m.subject || '—'}</a>
                      {m.sensitive && <span class="muted"> ({t('outbox.sensitiveTag')})</span>}
                    </td>
                    <td>{t(`outbox.status.${m.status}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Layout>,
    );
  });

  app.get('/outbox/:id{[0-9]+}', async (c) => {
    requireAdmin(c);
    const rc = c.get('rc');
    const m = await rc.deps.db
      .selectFrom('outbox_message')
      .select(['id', 'created_at', 'sent_at', 'envelope_to', 'subject', 'status', 'sensitive'])
      .where('id', '=', intParam(c))
      .executeTakeFirst();
    if (!m) throw new NotFound('error.notFound');
    // A sensitive message's bytes are never read here: only its recipient may see its link or code.
    const body = m.sensitive ? null : await outboxText(rc.deps.db, m.id);
    const when = (d: Date | string) => new Date(d).toLocaleString(rc.lang === 'en' ? 'en-GB' : 'fr-FR', { timeZone: 'Europe/Paris' });
    return c.html(
      <Layout rc={rc} title={m.subject || '—'}>
        <p>
          <a href="/outbox">{rc.t('outbox.back')}</a>
        </p>
        <dl>
          <dt>{rc.t('outbox.to')}</dt>
          <dd>{m.envelope_to.join(', ')}</dd>
          <dt>{rc.t('outbox.date')}</dt>
          <dd>{when(m.created_at)}</dd>
          <dt>{rc.t('outbox.status')}</dt>
          <dd>{rc.t(`outbox.status.${m.status}`)}</dd>
          {m.sent_at && (
            <>
              <dt>{rc.t('outbox.sent')}</dt>
              <dd>{when(m.sent_at)}</dd>
            </>
          )}
        </dl>
        {body === null ? <p class="notice info">{rc.t('outbox.sensitive')}</p> : <pre class="mail">{body}</pre>}
      </Layout>,
    );
  });

  app.get('/settings', async (c) => {
    requireAdmin(c);
    const rc = c.get('rc');
    const { t } = rc;
    const { config, handle } = rc.deps;
    const sections = await Promise.all(rc.deps.modules.map((m) => m.settings?.(rc)));
    return c.html(
      <Layout rc={rc} title={t('settings.title')}>
        <dl>
          <dt>{t('settings.database')}</dt>
          <dd>{handle.kind === 'pglite' ? `PGlite (${config.dataDir})` : `PostgreSQL (${redactUrl(config.databaseUrl ?? '')})`}</dd>
          <dt>{t('settings.migration')}</dt>
          <dd>{await schemaVersion(handle)}</dd>
          <dt>{t('settings.publicUrl')}</dt>
          <dd>{config.publicUrl}</dd>
          <dt>{t('settings.mailDomain')}</dt>
          <dd>{config.mailDomain}</dd>
          <dt>{t('settings.relay')}</dt>
          <dd>{config.smtpRelayUrl ? redactUrl(config.smtpRelayUrl) : t('settings.relayNone')}</dd>
        </dl>
        {sections}
      </Layout>,
    );
  });
}

/** The text of a message that carries no secret, as its recipient would read it. */
async function outboxText(db: Db, id: number): Promise<string> {
  const row = await db.selectFrom('outbox_message').select('raw').where('id', '=', id).where('sensitive', '=', false).executeTakeFirstOrThrow();
  return (await simpleParser(Buffer.from(row.raw))).text ?? '';
}
