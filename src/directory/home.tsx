// The directory's part of the home page (my household, my classes, the administrators' counts and
// the demo) and of the settings page (who administers the platform).
import { getCookie } from 'hono/cookie';
import type { Child } from 'hono/jsx';
import type { HomeParts } from '../platform/module.ts';
import type { Ctx, RequestContext, Viewer } from '../platform/web/context.ts';
import { Form, PostButton } from '../platform/web/layout.tsx';
import { directoryCounts } from './queries.ts';
import { tryAsPeople } from './demo/tryAs.ts';
import { DEMO_RETURN_COOKIE } from './demo/routes.tsx';

export async function directoryHome(c: Ctx, viewer: Viewer): Promise<HomeParts> {
  const rc = c.get('rc');
  const { t } = rc;
  const db = rc.deps.db;
  const [counts, households, classes, demoPeople] = await Promise.all([
    directoryCounts(db),
    viewer.householdIds.length ? db.selectFrom('household').select(['id', 'name']).where('id', 'in', viewer.householdIds).orderBy('name').execute() : [],
    viewer.regentClassIds.length
      ? db.selectFrom('class').innerJoin('school', 'school.id', 'class.school_id').select(['class.id', 'class.name', 'school.name as school']).where('class.id', 'in', viewer.regentClassIds).orderBy('class.name').execute()
      : [],
    tryAsPeople(db),
  ]);
  const tryingAs = getCookie(c, DEMO_RETURN_COOKIE) ? demoPeople.find((p) => p.personId === viewer.personId) : undefined;
  return {
    notice: (
      <>
        {tryingAs && (
          <div class="notice info" role="status">
            <p>{t('demo.tryAs.current', { name: tryingAs.name })}</p>
            <PostButton rc={rc} action="/directory/demo/try-as/back" label={t('demo.tryAs.back')} />
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
      </>
    ),
    cards: (
      <>
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
      </>
    ),
    admin: (
      <>
        <p>{t('home.stats', counts)}</p>
        {counts.households === 0 && (
          <>
            <p>{t('home.empty')}</p>
            <PostButton rc={rc} action="/directory/demo" label={t('home.loadDemo')} />
          </>
        )}
        <ul class="plain">
          <li><a href="/directory">{t('nav.directory')}</a></li>
          <li><a href="/directory/import">{t('nav.import')}</a></li>
          <li><a href="/directory/year">{t('nav.year')}</a></li>
        </ul>
      </>
    ),
  };
}

/** The settings page's list of administrators: the IT group and those added by `ostal admin add`. */
export async function directorySettings(rc: RequestContext): Promise<Child> {
  const { t, deps } = rc;
  const admins = await deps.db
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
  return (
    <>
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
    </>
  );
}
