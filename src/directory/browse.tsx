// Directory pages: search, school → class → households, households, people, groups; the
// administrators' hand edits post to editRoutes.tsx. Every page checks access with the rules of access.ts.
import { intParam, QueryNotice } from '../platform/web/forms.tsx';
import type { Hono } from 'hono';
import type { AppEnv, Ctx } from '../platform/web/context.ts';
import { Form, Layout, Notice } from '../platform/web/layout.tsx';
import { requireViewer } from '../platform/web/guards.ts';
import { Forbidden, NotFound } from '../platform/errors.ts';
import type { MessageKey } from '../platform/i18n/index.ts';
import { canBrowse, canSeeClass, canSeeGroup, canSeeHousehold, canSeePerson, visiblePupils } from './access.ts';
import { classDetail, groupDetail, groupsList, householdClassIds, householdDetail, personDetail, schoolsWithClasses, searchDirectory } from './queries.ts';
import { GROUP_KINDS, GROUP_ROLES } from './edits.ts';

const done = (c: Ctx) => (c.req.query('done') ? <Notice kind="ok">{c.get('rc').t('directory.person.saved')}</Notice> : null);

function SearchForm({ c, q }: { c: Ctx; q: string }) {
  const { t } = c.get('rc');
  return (
    <form method="get" action="/directory/search" role="search">
      <label for="q">{t('directory.search.label')}</label>
      <input id="q" name="q" type="search" value={q} minlength={2} maxlength={100} />{' '}
      <button type="submit">{t('common.search')}</button>
    </form>
  );
}

/** E-mail, first and last name (and phone) of a person to find or create. */
function PersonFields({ c, prefix, phone }: { c: Ctx; prefix: string; phone?: boolean }) {
  const { t } = c.get('rc');
  return (
    <>
      <label for={`${prefix}-email`}>{t('auth.email')}</label>
      <input id={`${prefix}-email`} name="email" type="email" required />
      <label for={`${prefix}-first`}>{t('directory.person.firstName')}</label>
      <input id={`${prefix}-first`} name="first_name" type="text" maxlength={100} />
      <label for={`${prefix}-last`}>{t('directory.person.lastName')}</label>
      <input id={`${prefix}-last`} name="last_name" type="text" maxlength={100} />
      {phone && (
        <>
          <label for={`${prefix}-phone`}>{t('directory.person.phone')}</label>
          <input id={`${prefix}-phone`} name="phone" type="tel" maxlength={25} />
        </>
      )}
    </>
  );
}

export function browseRoutes(app: Hono<AppEnv>) {
  app.get('/directory', async (c) => {
    const v = requireViewer(c);
    if (!canBrowse(v)) throw new Forbidden('error.forbidden');
    const rc = c.get('rc');
    const { t } = rc;
    const { year, schools } = await schoolsWithClasses(rc.deps.db);
    const groups = v.isAdmin ? await groupsList(rc.deps.db) : [];
    return c.html(
      <Layout rc={rc} title={t('directory.title')}>
        <QueryNotice c={c} notices={{ demo: 'demo.loaded' }} counts={['schools', 'classes', 'households', 'pupils', 'groups']} />
        <SearchForm c={c} q="" />
        <h2>{t('directory.schools')}</h2>
        {year ? <p class="muted">{t('directory.year', { label: year.label })}</p> : <Notice kind="info">{t('directory.noYear')}</Notice>}
        <div class="cards">
          {schools.map((s) => {
            const classes = s.classes.filter((cl) => canSeeClass(v, cl.id));
            if (!v.isAdmin && classes.length === 0) return null;
            return (
              <section class="card" aria-labelledby={`school-${s.id}`}>
                <h3 id={`school-${s.id}`}>{s.name}</h3>
                <ul class="plain">
                  {classes.map((cl) => (
                    <li>
                      <a href={`/directory/classes/${cl.id}`}>{cl.name}</a> <span class="muted">{t('directory.class.pupils', { n: Number(cl.pupils ?? 0) })}</span>
                    </li>
                  ))}
                </ul>
                {v.isAdmin && year && (
                  <details>
                    <summary>{t('directory.class.create')}</summary>
                    <Form rc={rc} action="/directory/classes">
                      <input type="hidden" name="school_id" value={String(s.id)} />
                      <label for={`cn-${s.id}`}>{t('directory.class.name')}</label>
                      <input id={`cn-${s.id}`} name="name" type="text" required maxlength={100} />
                      <label for={`cl-${s.id}`}>{t('directory.class.level')}</label>
                      <select id={`cl-${s.id}`} name="level">
                        {['TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'].map((l) => (
                          <option value={l}>{l}</option>
                        ))}
                      </select>
                      <p>
                        <button type="submit">{t('directory.create')}</button>
                      </p>
                    </Form>
                  </details>
                )}
              </section>
            );
          })}
        </div>
        {v.isAdmin && (
          <>
            <details>
              <summary>{t('directory.household.create')}</summary>
              <Form rc={rc} action="/directory/households">
                <label for="household-name">{t('directory.household.name')}</label>
                <input id="household-name" name="name" type="text" required maxlength={200} />
                <p>
                  <button type="submit">{t('directory.create')}</button>
                </p>
              </Form>
            </details>
            <details>
              <summary>{t('directory.school.create')}</summary>
              <Form rc={rc} action="/directory/schools">
                <label for="school-name">{t('directory.school.name')}</label>
                <input id="school-name" name="name" type="text" required maxlength={200} />
                <p>
                  <button type="submit">{t('directory.create')}</button>
                </p>
              </Form>
            </details>
            <h2>{t('directory.groups')}</h2>
            <ul class="plain">
              {groups.map((g) => (
                <li>
                  <a href={`/directory/groups/${g.id}`}>{g.name}</a> <span class="tag">{t(`directory.kind.${g.kind}` as MessageKey)}</span>{' '}
                  <span class="muted">({Number(g.members ?? 0)})</span>
                </li>
              ))}
            </ul>
            <details>
              <summary>{t('directory.group.create')}</summary>
              <Form rc={rc} action="/directory/groups">
                <label for="group-name">{t('directory.group.name')}</label>
                <input id="group-name" name="name" type="text" required maxlength={200} />
                <label for="group-kind">{t('directory.group.kindLabel')}</label>
                <select id="group-kind" name="kind">
                  {GROUP_KINDS.map((k) => (
                    <option value={k}>{t(`directory.kind.${k}` as MessageKey)}</option>
                  ))}
                </select>
                <p>
                  <button type="submit">{t('directory.create')}</button>
                </p>
              </Form>
            </details>
          </>
        )}
      </Layout>,
    );
  });

  app.get('/directory/search', async (c) => {
    const v = requireViewer(c);
    if (!canBrowse(v)) throw new Forbidden('error.forbidden');
    const rc = c.get('rc');
    const { t } = rc;
    const q = (c.req.query('q') ?? '').trim().slice(0, 100);
    const hits = q.length >= 2 ? await searchDirectory(rc.deps.db, q, v.isAdmin ? undefined : v.regentClassIds) : [];
    return c.html(
      <Layout rc={rc} title={t('directory.search.results', { q })}>
        <SearchForm c={c} q={q} />
        {q.length < 2 ? (
          <p>{t('directory.search.tooShort')}</p>
        ) : hits.length === 0 ? (
          <p>{t('directory.search.none')}</p>
        ) : (
          <ul class="plain">
            {hits.map((h) => (
              <li>
                <a href={h.kind === 'household' ? `/directory/households/${h.id}` : `/directory/people/${h.id}`}>{h.label}</a>{' '}
                <span class="tag">{t(`directory.kind.${h.kind}`)}</span> <span class="muted">{h.detail}</span>
              </li>
            ))}
          </ul>
        )}
      </Layout>,
    );
  });

  app.get('/directory/classes/:id{[0-9]+}', async (c) => {
    const v = requireViewer(c);
    const id = intParam(c);
    if (!canSeeClass(v, id)) throw new Forbidden('error.forbidden');
    const rc = c.get('rc');
    const { t } = rc;
    const cls = await classDetail(rc.deps.db, id);
    if (!cls) throw new NotFound('error.notFound');
    const households = new Map<number, { name: string; pupils: string[] }>();
    for (const p of cls.pupils) {
      const h = households.get(p.household_id) ?? { name: p.household_name, pupils: [] };
      h.pupils.push(p.first_name);
      households.set(p.household_id, h);
    }
    return c.html(
      <Layout rc={rc} title={`${cls.name} — ${cls.school_name}`}>
        <p class="muted">
          {t('directory.class.level')} : {cls.level} · {t('directory.year', { label: cls.year_label })} · {t('directory.class.pupils', { n: cls.pupils.length })}
        </p>
        <h2>{t('directory.class.regents')}</h2>
        <ul class="plain">
          {cls.regents.map((r) => (
            <li>
              {r.first_name} {r.last_name}
            </li>
          ))}
        </ul>
        {v.isAdmin && (
          <details>
            <summary>{t('directory.class.addRegent')}</summary>
            <p class="hint">{t('directory.group.memberHelp')}</p>
            <Form rc={rc} action={`/directory/classes/${cls.id}/regents`}>
              <PersonFields c={c} prefix="regent" />
              <p>
                <button type="submit">{t('directory.add')}</button>
              </p>
            </Form>
          </details>
        )}
        <h2>{t('directory.class.households')}</h2>
        <ul class="plain">
          {[...households].map(([hid, h]) => (
            <li>
              <a href={`/directory/households/${hid}`}>{h.name}</a> <span class="muted">{h.pupils.join(', ')}</span>
            </li>
          ))}
        </ul>
      </Layout>,
    );
  });

  app.get('/directory/households/:id{[0-9]+}', async (c) => {
    const v = requireViewer(c);
    const id = intParam(c);
    const rc = c.get('rc');
    const { t } = rc;
    if (!canSeeHousehold(v, id, await householdClassIds(rc.deps.db, id))) throw new Forbidden('error.forbidden');
    const h = await householdDetail(rc.deps.db, id);
    if (!h) throw new NotFound('error.notFound');
    // The current year's classes, for the admin's forms only.
    const classes = v.isAdmin
      ? (await schoolsWithClasses(rc.deps.db)).schools.flatMap((sc) => sc.classes.map((cl) => ({ id: cl.id, label: `${cl.name} — ${sc.name}` })))
      : [];
    return c.html(
      <Layout rc={rc} title={h.name}>
        <h2>{t('directory.household.guardians')}</h2>
        <div class="cards">
          {h.guardians.map((g) => (
            <div class="card">
              <p>
                <strong>
                  {canSeePerson(v, g.id) ? <a href={`/directory/people/${g.id}`}>{`${g.first_name} ${g.last_name}`}</a> : `${g.first_name} ${g.last_name}`}
                </strong>
              </p>
              <ul class="plain">
                {g.emails.map((e) => (
                  <li>
                    <a href={`mailto:${e}`}>{e}</a>
                  </li>
                ))}
                {g.phone && (
                  <li>
                    <a href={`tel:${g.phone.replace(/[^+0-9]/g, '')}`}>{g.phone}</a>
                  </li>
                )}
              </ul>
            </div>
          ))}
        </div>
        <h2>{t('directory.household.pupils')}</h2>
        <ul class="plain">
          {visiblePupils(v, h.id, h.pupils).map((p) => (
            <li>
              {p.first_name} —{' '}
              {p.class_id ? (
                canSeeClass(v, p.class_id) ? (
                  <a href={`/directory/classes/${p.class_id}`}>{`${p.class_name} (${p.school_name})`}</a>
                ) : (
                  `${p.class_name} (${p.school_name})`
                )
              ) : (
                <span class="muted">{t('directory.household.noClass')}</span>
              )}
              {v.isAdmin && classes.length > 0 && (
                <details>
                  <summary>{t('directory.pupil.move', { name: p.first_name })}</summary>
                  <Form rc={rc} action={`/directory/pupils/${p.id}/class`}>
                    <label for={`move-${p.id}`}>{t('directory.class.choose')}</label>
                    <select id={`move-${p.id}`} name="class_id" required>
                      {classes.map((cl) => (
                        <option value={String(cl.id)} selected={cl.id === p.class_id}>
                          {cl.label}
                        </option>
                      ))}
                    </select>
                    <p>
                      <button type="submit">{t('directory.pupil.moveButton')}</button>
                    </p>
                  </Form>
                </details>
              )}
            </li>
          ))}
        </ul>
        {v.isAdmin && (
          <>
            <details>
              <summary>{t('directory.household.addGuardian')}</summary>
              <p class="hint">{t('directory.group.memberHelp')}</p>
              <Form rc={rc} action={`/directory/households/${h.id}/guardians`}>
                <PersonFields c={c} prefix="guardian" phone />
                <p>
                  <button type="submit">{t('directory.add')}</button>
                </p>
              </Form>
            </details>
            <details>
              <summary>{t('directory.household.addPupil')}</summary>
              <Form rc={rc} action={`/directory/households/${h.id}/pupils`}>
                <label for="pupil-first">{t('directory.person.firstName')}</label>
                <input id="pupil-first" name="first_name" type="text" required maxlength={100} />
                <label for="pupil-class">{t('directory.class.choose')}</label>
                <select id="pupil-class" name="class_id" required>
                  {classes.map((cl) => (
                    <option value={String(cl.id)}>{cl.label}</option>
                  ))}
                </select>
                <p>
                  <button type="submit">{t('directory.add')}</button>
                </p>
              </Form>
            </details>
          </>
        )}
      </Layout>,
    );
  });

  app.get('/directory/people/:id{[0-9]+}', async (c) => {
    const v = requireViewer(c);
    const id = intParam(c);
    if (!canSeePerson(v, id)) throw new Forbidden('error.forbidden');
    const rc = c.get('rc');
    const { t } = rc;
    const p = await personDetail(rc.deps.db, id);
    if (!p) throw new NotFound('error.notFound');
    return c.html(
      <Layout rc={rc} title={`${p.first_name} ${p.last_name}`}>
        {done(c)}
        <dl>
          <dt>{t('directory.person.emails')}</dt>
          <dd>{p.emails.join(', ') || t('common.none')}</dd>
          <dt>{t('directory.person.phone')}</dt>
          <dd>{p.phone ?? t('common.none')}</dd>
          {p.staff.length > 0 && (
            <>
              <dt>{t('directory.person.staff')}</dt>
              <dd>{p.staff.map((s) => t(`directory.staff.${s.role}`) + (s.school_name ? ` (${s.school_name})` : '')).join(', ')}</dd>
            </>
          )}
        </dl>
        {p.households.length > 0 && (
          <>
            <h2>{t('directory.person.households')}</h2>
            <ul class="plain">
              {p.households.map((h) => (
                <li>
                  <a href={`/directory/households/${h.id}`}>{h.name}</a>
                </li>
              ))}
            </ul>
          </>
        )}
        {p.groups.length > 0 && (
          <>
            <h2>{t('directory.person.groups')}</h2>
            <ul class="plain">
              {p.groups.map((g) => (
                <li>
                  {canSeeGroup(v, g.id) ? <a href={`/directory/groups/${g.id}`}>{g.name}</a> : g.name} <span class="tag">{t(`directory.role.${g.role}`)}</span>
                </li>
              ))}
            </ul>
          </>
        )}
        {v.isAdmin && (
          <details>
            <summary>{t('directory.person.edit')}</summary>
            <Form rc={rc} action={`/directory/people/${p.id}`}>
              <label for="first_name">{t('directory.person.firstName')}</label>
              <input id="first_name" name="first_name" type="text" required value={p.first_name} maxlength={100} />
              <label for="last_name">{t('directory.person.lastName')}</label>
              <input id="last_name" name="last_name" type="text" required value={p.last_name} maxlength={100} />
              <label for="phone">{t('directory.person.phone')}</label>
              <input id="phone" name="phone" type="tel" value={p.phone ?? ''} maxlength={25} />
              <label for="emails">{t('directory.person.emails')}</label>
              <p class="hint" id="emails-hint">
                {t('directory.person.emailsHelp')}
              </p>
              <textarea id="emails" name="emails" rows={3} aria-describedby="emails-hint">
                {p.emails.join('\n')}
              </textarea>
              <p>
                <button type="submit">{t('common.save')}</button>
              </p>
            </Form>
          </details>
        )}
      </Layout>,
    );
  });

  app.get('/directory/groups/:id{[0-9]+}', async (c) => {
    const v = requireViewer(c);
    const id = intParam(c);
    if (!canSeeGroup(v, id)) throw new Forbidden('error.forbidden');
    const rc = c.get('rc');
    const { t } = rc;
    const g = await groupDetail(rc.deps.db, id);
    if (!g) throw new NotFound('error.notFound');
    return c.html(
      <Layout rc={rc} title={g.name}>
        {done(c)}
        <p>
          <span class="tag">{t(`directory.kind.${g.kind}`)}</span>
        </p>
        <h2>{t('directory.group.members')}</h2>
        <ul class="plain">
          {g.members.map((m) => (
            <li>
              {canSeePerson(v, m.id) ? <a href={`/directory/people/${m.id}`}>{`${m.first_name} ${m.last_name}`}</a> : `${m.first_name} ${m.last_name}`}{' '}
              <span class="tag">{t(`directory.role.${m.role}`)}</span>
              {v.isAdmin && (
                <>
                  {' '}
                  <Form rc={rc} action={`/directory/groups/${g.id}/members/${m.id}/remove`} class="inline">
                    <button type="submit" class="link">
                      {t('directory.group.remove')}
                    </button>
                  </Form>
                </>
              )}
            </li>
          ))}
        </ul>
        {v.isAdmin && (
          <section class="card">
            <h2>{t('directory.group.addMember')}</h2>
            <p class="hint">{t('directory.group.memberHelp')}</p>
            <Form rc={rc} action={`/directory/groups/${g.id}/members`}>
              <label for="m-email">{t('auth.email')}</label>
              <input id="m-email" name="email" type="email" required />
              <label for="m-first">{t('directory.person.firstName')}</label>
              <input id="m-first" name="first_name" type="text" maxlength={100} />
              <label for="m-last">{t('directory.person.lastName')}</label>
              <input id="m-last" name="last_name" type="text" maxlength={100} />
              <label for="m-role">{t('directory.group.role')}</label>
              <select id="m-role" name="role">
                {GROUP_ROLES.map((r) => (
                  <option value={r} selected={r === 'member'}>
                    {t(`directory.role.${r}`)}
                  </option>
                ))}
              </select>
              <p>
                <button type="submit">{t('directory.add')}</button>
              </p>
            </Form>
          </section>
        )}
      </Layout>,
    );
  });
}
