// Platform pages: home, health check, outbox, settings.
import type { Hono } from 'hono';
import { simpleParser } from 'mailparser';
import type { AppEnv } from './context.ts';
import type { Db } from '../db.ts';
import { Form, Layout } from './layout.tsx';
import { requireAdmin } from './guards.ts';
import { schemaVersion } from '../migrate.ts';
import { NotFound } from '../errors.ts';
import { directoryCounts } from '../../directory/queries.ts';
import { redactUrl } from '../config.ts';
import { accountingRole } from '../../accounting/access.ts';
import { getCookie } from 'hono/cookie';
import { tryAsPeople } from '../../directory/demo/tryAs.ts';
import { DEMO_RETURN_COOKIE } from '../../directory/demo/routes.tsx';

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
    const db = rc.deps.db;
    const [counts, households, classes, books, demoPeople] = await Promise.all([
      directoryCounts(db),
      viewer.householdIds.length ? db.selectFrom('household').select(['id', 'name']).where('id', 'in', viewer.householdIds).orderBy('name').execute() : [],
      viewer.regentClassIds.length
        ? db.selectFrom('class').innerJoin('school', 'school.id', 'class.school_id').select(['class.id', 'class.name', 'school.name as school']).where('class.id', 'in', viewer.regentClassIds).orderBy('class.name').execute()
        : [],
      accountingRole(db, viewer.personId),
      tryAsPeople(db),
    ]);
    const tryingAs = getCookie(c, DEMO_RETURN_COOKIE) ? demoPeople.find((p) => p.personId === viewer.personId) : undefined;
    const relay = rc.deps.mailer.relayConfigured;
    return c.html(
      <Layout rc={rc} title={t('home.welcome', { name: viewer.firstName })}>
        {tryingAs && (
          <div class="notice info" role="status">
            <p>{t('demo.tryAs.current', { name: tryingAs.name })}</p>
            <Form rc={rc} action="/directory/demo/try-as/back">
              <button type="submit">{t('demo.tryAs.back')}</button>
            </Form>
          </div>
        )}
        {viewer.isAdmin && !relay && (
          <div class="notice error" role="status" id="no-relay">
            <strong>{t('home.noRelay.title')}</strong>
            <p>{t('home.noRelay')}</p>
            <p>{t('home.noRelay.how')}</p>
          </div>
        )}
        {viewer.isAdmin && demoPeople.length > 0 && (
          <section class="card" id="try-as" aria-labelledby="try-as-title">
            <h2 id="try-as-title">{t('demo.tryAs.title')}</h2>
            <p class="hint">{t('demo.tryAs.intro')}</p>
            {demoPeople.map((p) => (
              <Form rc={rc} action="/directory/demo/try-as">
                <input type="hidden" name="role" value={p.role} />
                <button type="submit" class="secondary">
                  {t(`demo.tryAs.${p.role}`, { name: p.name })}
                </button>
              </Form>
            ))}
          </section>
        )}
        <div class="cards">
          {households.map((h) => (
            <div class="card">
              <h2>{t('home.household')}</h2>
              <a href={`/directory/households/${h.id}`}>{h.name}</a>
            </div>
          ))}
          {classes.length > 0 && (
            <div class="card">
              <h2>{t('home.classes')}</h2>
              <ul class="plain">
                {classes.map((cl) => (
                  <li>
                    <a href={`/directory/classes/${cl.id}`}>{cl.name}</a> <span class="muted">{cl.school}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {books.canRead && (
            <div class="card">
              <h2>{t('accounting.title')}</h2>
              <a href="/accounting">{t('accounting.title')}</a>
            </div>
          )}
          {viewer.isAdmin && (
            <div class="card">
              <h2>{t('home.admin')}</h2>
              <p>{t('home.stats', counts)}</p>
              {counts.households === 0 && (
                <>
                  <p>{t('home.empty')}</p>
                  <Form rc={rc} action="/directory/demo">
                    <button type="submit">{t('home.loadDemo')}</button>
                  </Form>
                </>
              )}
              <ul class="plain">
                <li><a href="/directory">{t('nav.directory')}</a></li>
                <li><a href="/directory/import">{t('nav.import')}</a></li>
                <li><a href="/directory/year">{t('nav.year')}</a></li>
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
      .where('id', '=', Number(c.req.param('id')))
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
    const { config, handle, db } = rc.deps;
    const admins = await db
      .selectFrom('person')
      .leftJoin('person_email', 'person_email.person_id', 'person.id')
      .select(['person.id', 'person.first_name', 'person.last_name', 'person_email.email'])
      .where((eb) =>
        eb.or([
          eb('person.is_platform_admin', '=', true),
          eb.exists(
            eb
              .selectFrom('group_member')
              .innerJoin('directory_group', 'directory_group.id', 'group_member.group_id')
              .whereRef('group_member.person_id', '=', 'person.id')
              .where('directory_group.kind', '=', 'it')
              .select('group_member.person_id'),
          ),
        ]),
      )
      .orderBy('person.last_name')
      .execute();
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
        <h2>{t('settings.admins')}</h2>
        <p class="hint">{t('settings.adminsHelp')}</p>
        <ul class="plain">
          {admins.map((a) => (
            <li>
              <a href={`/directory/people/${a.id}`}>
                {a.first_name} {a.last_name}
              </a>{' '}
              <span class="muted">{a.email}</span>
            </li>
          ))}
        </ul>
      </Layout>,
    );
  });
}

/** The text of a message that carries no secret, as its recipient would read it. */
async function outboxText(db: Db, id: number): Promise<string> {
  const row = await db.selectFrom('outbox_message').select('raw').where('id', '=', id).where('sensitive', '=', false).executeTakeFirstOrThrow();
  return (await simpleParser(Buffer.from(row.raw))).text ?? '';
}
