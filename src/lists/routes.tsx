// Pages of the lists: the lists a person runs, a list's people and held messages, the
// moderation decision, the DKIM record for admins, and the public unsubscribe link.
import type { Hono } from 'hono';
import type { AppEnv, Ctx } from '../platform/web/context.ts';
import { Form, Layout, Notice } from '../platform/web/layout.tsx';
import { actorOf, field, requireViewer } from '../platform/web/guards.ts';
import { intParam } from '../platform/web/forms.tsx';
import { Forbidden, InvalidInput, NotFound } from '../platform/errors.ts';
import { dkimDnsRecord, ensureListKeys } from './keys.ts';
import { isModerator, listBySlug, listMembers, listOwners, listsOfPerson, parseSettings, renameAddress, setDelivery, updateSettings } from './lists.ts';
import { reenableMember } from './bounces.ts';
import type { DeliveryMode } from './tables.ts';
import { decideHeld, heldMessages, type Decision } from './moderation.ts';
import { listsRuntime } from './service.ts';
import { confirmationFor, confirmUnsubscribe, deliveryForToken, unsubscribeDelivery } from './unsubscribe.ts';
import { archiveAttachment, archiveThread, archiveThreads, canReadArchive } from './archive.ts';
import { NeedsSignin } from '../platform/web/guards.ts';
import { composerFor } from './composer.ts';

async function listForReader(c: Ctx) {
  const rc = c.get('rc');
  const list = await listBySlug(rc.deps.db, c.req.param('slug') ?? '');
  const v = rc.viewer;
  if (!(await canReadArchive(rc.deps.db, list.id, v ? { personId: v.personId, isAdmin: v.isAdmin } : null))) {
    if (!v) throw new NeedsSignin(rc.path);
    throw new Forbidden('error.forbidden');
  }
  return list;
}

async function runnableLists(c: Ctx) {
  const v = requireViewer(c);
  const { db } = c.get('rc').deps;
  let q = db.selectFrom('mailing_list as l').select(['l.id', 'l.slug', 'l.name', 'l.kind', 'l.policy']).orderBy('l.slug');
  if (!v.isAdmin) q = q.where((eb) => eb.exists(eb.selectFrom('list_moderator as mo').select('mo.person_id').whereRef('mo.list_id', '=', 'l.id').where('mo.person_id', '=', v.personId)));
  return q.execute();
}

async function listForModerator(c: Ctx) {
  const v = requireViewer(c);
  const { db } = c.get('rc').deps;
  const list = await listBySlug(db, c.req.param('slug') ?? '');
  if (!v.isAdmin && !(await isModerator(db, list.id, v.personId))) throw new Forbidden('error.forbidden');
  return { v, list };
}

const messageId = (c: Ctx) => intParam(c, 'id', 'lists.error.noMessage');

export function listsRoutes(app: Hono<AppEnv>) {
  app.get('/lists', async (c) => {
    const rc = c.get('rc');
    const v = requireViewer(c);
    const lists = await runnableLists(c);
    const held = await heldMessages(rc.deps.db, v.personId, v.isAdmin);
    const domain = rc.deps.config.mailDomain;
    const dns = v.isAdmin ? dkimDnsRecord(await ensureListKeys(rc.deps.db, domain)) : undefined;
    const mine = await listsOfPerson(rc.deps.db, v.personId);
    return c.html(
      <Layout rc={rc} title={rc.t('lists.title')}>
        {c.req.query('saved') && <Notice kind="ok">{rc.t('lists.saved')}</Notice>}
        {mine.length > 0 && (
          <section>
            <h2>{rc.t('lists.mine')}</h2>
            {mine.map((m) => (
              <Form rc={rc} action={`/lists/${m.slug}/delivery`} class="card">
                <p>
                  <a href={`/lists/${m.slug}/archive`}>{m.name}</a> <code>{`${m.slug}@${domain}`}</code>
                  {m.disabled_at && <span class="tag">{rc.t('lists.member.disabled')}</span>}
                </p>
                <input type="hidden" name="address" value={m.address} />
                <label for={`d-${m.id}`}>{rc.t('lists.member.delivery')}</label>
                <select id={`d-${m.id}`} name="delivery">
                  {(['each', 'digest', 'nomail'] as const).map((d) => (
                    <option value={d} selected={(m.delivery ?? 'each') === d}>
                      {rc.t(`lists.delivery.${d}`)}
                    </option>
                  ))}
                </select>{' '}
                <button type="submit">{rc.t('common.save')}</button>{' '}
                {!m.from_directory && (
                  <button type="submit" name="leave" value="1" class="secondary">
                    {rc.t('lists.leave')}
                  </button>
                )}
              </Form>
            ))}
          </section>
        )}
        <h2>{rc.t('lists.run')}</h2>
        {(await composerFor(rc.deps.db, v.personId)) && <p><a href="/lists/compose">{rc.t('lists.compose.title')}</a></p>}
        {held.length > 0 && <Notice kind="info">{rc.t('lists.held.count', { n: held.length })}</Notice>}
        {lists.length === 0 ? (
          <p class="muted">{rc.t('lists.none')}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{rc.t('lists.address')}</th>
                  <th>{rc.t('lists.name')}</th>
                  <th>{rc.t('lists.policy')}</th>
                </tr>
              </thead>
              <tbody>
                {lists.map((l) => (
                  <tr>
                    <td>
                      <a href={`/lists/${l.slug}`}>{`${l.slug}@${domain}`}</a>
                    </td>
                    <td>{l.name}</td>
                    <td>{rc.t(`lists.policy.${l.policy}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {dns && (
          <section class="card">
            <h2>{rc.t('lists.dkim.title')}</h2>
            <p class="hint">{rc.t('lists.dkim.hint')}</p>
            <p>
              <code>{dns.name}</code> TXT
            </p>
            <pre style="white-space: pre-wrap; word-break: break-all">{dns.value}</pre>
          </section>
        )}
      </Layout>,
    );
  });

  app.get('/lists/:slug', async (c) => {
    const rc = c.get('rc');
    const { v, list } = await listForModerator(c);
    const [owners, members, held] = await Promise.all([listOwners(rc.deps.db, list.id), listMembers(rc.deps.db, list.id), heldMessages(rc.deps.db, v.personId, v.isAdmin, list.id)]);
    const address = `${list.slug}@${rc.deps.config.mailDomain}`;
    return c.html(
      <Layout rc={rc} title={list.name}>
        <p>
          <code>{address}</code> · <span class="tag">{rc.t(`lists.policy.${list.policy}`)}</span>
        </p>
        {c.req.query('done') && <Notice kind="ok">{rc.t('lists.held.done')}</Notice>}
        <h2>{rc.t('lists.held.title')}</h2>
        {held.length === 0 ? (
          <p class="muted">{rc.t('lists.held.none')}</p>
        ) : (
          <ul>
            {held.map((m) => (
              <li>
                <a href={`/lists/${list.slug}/held/${m.id}`}>{m.subject || rc.t('lists.held.noSubject')}</a> — {m.from_name || m.from_address}
              </li>
            ))}
          </ul>
        )}
        {v.isAdmin && (
          <Form rc={rc} action={`/lists/${list.slug}/settings`} class="card">
            <h2>{rc.t('lists.settings')}</h2>
            <label for="slug">{rc.t('lists.address')}</label>
            <input type="text" id="slug" name="slug" value={list.slug} required pattern="[a-z0-9]+([._\-][a-z0-9]+)*" maxlength={64} />
            <span class="hint">@{rc.deps.config.mailDomain}</span>
            <label for="name">{rc.t('lists.name')}</label>
            <input type="text" id="name" name="name" value={list.name} required maxlength={200} />
            <label for="policy">{rc.t('lists.policy')}</label>
            <select id="policy" name="policy">
              {(['announce', 'discussion', 'moderated'] as const).map((p) => (
                <option value={p} selected={list.policy === p}>
                  {rc.t(`lists.policy.${p}`)}
                </option>
              ))}
            </select>
            <label for="subject_prefix">{rc.t('lists.prefix')}</label>
            <input type="text" id="subject_prefix" name="subject_prefix" value={list.subject_prefix} maxlength={60} />
            <label for="footer">{rc.t('lists.footer')}</label>
            <textarea id="footer" name="footer" rows={3} maxlength={2000}>{list.footer}</textarea>
            <label for="reply_to">{rc.t('lists.replyTo')}</label>
            <select id="reply_to" name="reply_to">
              <option value="sender" selected={list.reply_to === 'sender'}>{rc.t('lists.replyTo.sender')}</option>
              <option value="list" selected={list.reply_to === 'list'}>{rc.t('lists.replyTo.list')}</option>
            </select>
            <label for="max_mb">{rc.t('lists.maxMb')}</label>
            <input id="max_mb" name="max_mb" type="number" step="0.1" min="0.1" max="100" value={String(Math.round((list.max_bytes / 1048576) * 10) / 10)} />
            <label for="hold_days">{rc.t('lists.holdDays')}</label>
            <input id="hold_days" name="hold_days" type="number" step="1" min="1" max="90" value={String(list.hold_days)} />
            <label>
              <input type="checkbox" name="archive_public" checked={list.archive_public} /> {rc.t('lists.archivePublic')}
            </label>
            <p>
              <button type="submit">{rc.t('common.save')}</button>
            </p>
          </Form>
        )}
        <p>
          <a href={`/lists/compose?list=${list.slug}`}>{rc.t('lists.compose.title')}</a> ·{' '}
          <a href={`/lists/${list.slug}/archive`}>{rc.t('lists.archive.title', { list: list.name })}</a>
        </p>
        <h2>{rc.t('lists.owners')}</h2>
        <ul>
          {owners.map((o) => (
            <li>
              {o.first_name} {o.last_name} {o.from_directory && <span class="tag">{rc.t('lists.fromDirectory')}</span>}
            </li>
          ))}
        </ul>
        <h2>{rc.t('lists.members', { n: members.length })}</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{rc.t('lists.member.address')}</th>
                <th>{rc.t('lists.member.delivery')}</th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr>
                  <td>
                    {m.address} {m.fromDirectory && <span class="tag">{rc.t('lists.fromDirectory')}</span>}
                  </td>
                  <td>
                    {m.disabled ? (
                      <Form rc={rc} action={`/lists/${list.slug}/reenable`}>
                        {rc.t('lists.member.disabled')} <input type="hidden" name="address" value={m.address} />
                        <button type="submit" class="secondary">{rc.t('lists.member.reenable')}</button>
                      </Form>
                    ) : (
                      rc.t(`lists.delivery.${m.delivery}`)
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Layout>,
    );
  });

  app.get('/lists/:slug/held/:id', async (c) => {
    const rc = c.get('rc');
    const { list } = await listForModerator(c);
    const id = messageId(c);
    const m = await rc.deps.db.selectFrom('list_message').selectAll().where('id', '=', id).executeTakeFirst();
    const target = await rc.deps.db.selectFrom('list_message_target').select('list_id').where('message_id', '=', id).where('list_id', '=', list.id).executeTakeFirst();
    if (!m || !target) throw new NotFound('lists.error.noMessage');
    const { simpleParser } = await import('mailparser');
    const parsed = await simpleParser(Buffer.from(m.raw));
    return c.html(
      <Layout rc={rc} title={m.subject || rc.t('lists.held.noSubject')}>
        <p>
          {rc.t('lists.held.from')} {m.from_name} &lt;{m.from_address}&gt; · {rc.t(`lists.held.reason.${m.held_reason ?? 'moderated'}` as 'lists.held.reason.moderated')}
        </p>
        <pre style="white-space: pre-wrap">{(parsed.text ?? '').slice(0, 20000)}</pre>
        {m.status === 'held' ? (
          <Form rc={rc} action={`/lists/${list.slug}/held/${id}`}>
            <fieldset>
              <legend>{rc.t('lists.held.decide')}</legend>
              <button type="submit" name="decision" value="approve">
                {rc.t('lists.held.approve')}
              </button>{' '}
              <button type="submit" name="decision" value="allow" class="secondary">
                {rc.t('lists.held.allow')}
              </button>{' '}
              <button type="submit" name="decision" value="discard" class="secondary">
                {rc.t('lists.held.discard')}
              </button>
              <p>
                <label for="reason">{rc.t('lists.held.reasonLabel')}</label>
                <textarea id="reason" name="reason" rows={3} maxlength={2000}></textarea>
                <button type="submit" name="decision" value="reject" class="secondary">
                  {rc.t('lists.held.reject')}
                </button>
              </p>
            </fieldset>
          </Form>
        ) : (
          <Notice kind="info">{rc.t('lists.error.alreadyDecided')}</Notice>
        )}
      </Layout>,
    );
  });

  app.post('/lists/:slug/held/:id', async (c) => {
    const rc = c.get('rc');
    const { v, list } = await listForModerator(c);
    const body = await c.req.parseBody();
    const decision = field(body, 'decision');
    if (!['approve', 'reject', 'discard', 'allow'].includes(decision)) throw new InvalidInput('lists.error.decision');
    const runtime = listsRuntime(rc.deps);
    await decideHeld(
      { db: rc.deps.db, domain: rc.deps.config.mailDomain, publicUrl: rc.deps.config.publicUrl, mailer: rc.deps.mailer, wake: runtime ? () => runtime.worker.wake() : undefined },
      actorOf(v),
      v.isAdmin,
      messageId(c),
      decision as Decision,
      field(body, 'reason'),
    );
    return c.redirect(`/lists/${list.slug}?done=1`, 303);
  });

  app.get('/lists/:slug/archive', async (c) => {
    const rc = c.get('rc');
    const list = await listForReader(c);
    const q = (c.req.query('q') ?? '').slice(0, 200);
    const threads = await archiveThreads(rc.deps.db, list.id, q);
    return c.html(
      <Layout rc={rc} title={rc.t('lists.archive.title', { list: list.name })}>
        <form method="get" action={`/lists/${list.slug}/archive`} role="search">
          <label for="q">{rc.t('lists.archive.search')}</label>
          <input id="q" name="q" type="search" value={q} maxlength={200} /> <button type="submit">{rc.t('common.search')}</button>
        </form>
        {threads.length === 0 ? (
          <p class="muted">{rc.t('lists.archive.none')}</p>
        ) : (
          <ul>
            {threads.map((th) => (
              <li>
                <a href={`/lists/${list.slug}/archive/${th.threadId}`}>{th.subject || rc.t('lists.held.noSubject')}</a>{' '}
                <span class="muted">{rc.t('lists.archive.count', { n: th.messages, date: th.lastAt.toISOString().slice(0, 10) })}</span>
              </li>
            ))}
          </ul>
        )}
      </Layout>,
    );
  });

  app.get('/lists/:slug/archive/:thread', async (c) => {
    const rc = c.get('rc');
    const list = await listForReader(c);
    const messages = await archiveThread(rc.deps.db, list.id, intParam(c, 'thread'));
    if (messages.length === 0) throw new NotFound('lists.error.noMessage');
    return c.html(
      <Layout rc={rc} title={messages[0]!.subject || rc.t('lists.held.noSubject')}>
        <p>
          <a href={`/lists/${list.slug}/archive`}>{rc.t('lists.archive.title', { list: list.name })}</a>
        </p>
        {messages.map((m) => (
          <article class="card" id={`m${m.id}`}>
            <h2>{m.subject || rc.t('lists.held.noSubject')}</h2>
            <p class="muted">
              {m.fromName} · {m.receivedAt.toISOString().slice(0, 16).replace('T', ' ')}
            </p>
            <pre style="white-space: pre-wrap">{m.text.slice(0, 100_000)}</pre>
            {m.attachments.length > 0 && (
              <ul>
                {m.attachments.map((a) => (
                  <li>
                    <a href={`/lists/${list.slug}/archive/${m.id}/attachments/${a.index}`}>{a.filename}</a> <span class="muted">({Math.ceil(a.size / 1024)} Kio)</span>
                  </li>
                ))}
              </ul>
            )}
          </article>
        ))}
      </Layout>,
    );
  });

  app.get('/lists/:slug/archive/:id/attachments/:n', async (c) => {
    const rc = c.get('rc');
    const list = await listForReader(c);
    const a = await archiveAttachment(rc.deps.db, list.id, intParam(c, 'id'), intParam(c, 'n', 'error.notFound', 0));
    if (!a) throw new NotFound('error.notFound');
    return new Response(new Uint8Array(a.content), {
      headers: {
        // Served as a download, never rendered in our origin.
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
        'x-content-type-options': 'nosniff',
      },
    });
  });

  app.post('/lists/:slug/settings', async (c) => {
    const rc = c.get('rc');
    const { v, list } = await listForModerator(c);
    if (!v.isAdmin) throw new Forbidden('error.forbidden');
    const body = await c.req.parseBody();
    const f = Object.fromEntries(['slug', 'name', 'policy', 'subject_prefix', 'footer', 'reply_to', 'max_mb', 'hold_days', 'archive_public'].map((k) => [k, typeof body[k] === 'string' ? (body[k] as string) : '']));
    const settings = parseSettings(f);
    const slug = f.slug!.trim().toLowerCase();
    await rc.deps.db.transaction().execute(async (trx) => {
      await updateSettings(trx, actorOf(v), list.id, settings);
      if (slug !== list.slug) await renameAddress(trx, actorOf(v), list.id, slug);
    });
    return c.redirect(`/lists/${slug}?done=1`, 303);
  });

  app.post('/lists/:slug/reenable', async (c) => {
    const rc = c.get('rc');
    const { list } = await listForModerator(c);
    const body = await c.req.parseBody();
    await reenableMember(rc.deps.db, list.id, field(body, 'address').toLowerCase());
    return c.redirect(`/lists/${list.slug}?done=1`, 303);
  });

  // A member chooses how they receive a list, re-enables their own delivery, or leaves a hand-made list.
  app.post('/lists/:slug/delivery', async (c) => {
    const rc = c.get('rc');
    const v = requireViewer(c);
    const list = await listBySlug(rc.deps.db, c.req.param('slug') ?? '');
    const body = await c.req.parseBody();
    const address = field(body, 'address').toLowerCase();
    const mine = (await listsOfPerson(rc.deps.db, v.personId)).find((m) => m.id === list.id && m.address === address);
    if (!mine) throw new Forbidden('error.forbidden');
    if (field(body, 'leave') && !mine.from_directory) {
      await rc.deps.db.deleteFrom('list_member').where('list_id', '=', list.id).where('address', '=', address).execute();
    } else {
      const delivery = field(body, 'delivery') as DeliveryMode;
      if (!['each', 'digest', 'nomail'].includes(delivery)) throw new InvalidInput('lists.error.decision');
      await setDelivery(rc.deps.db, list.id, address, delivery);
      if (mine.disabled_at) await reenableMember(rc.deps.db, list.id, address);
    }
    return c.redirect('/lists?saved=1', 303);
  });

  // RFC 8058: GET only shows a page (link scanners must not unsubscribe anyone); POST unsubscribes.
  app.get('/api/public/lists/unsubscribe/:token', async (c) => {
    const rc = c.get('rc');
    const id = await deliveryForToken(rc.deps.db, rc.deps.config.mailDomain, c.req.param('token'));
    if (id === undefined) throw new NotFound('error.notFound');
    const d = await rc.deps.db.selectFrom('list_delivery as d').innerJoin('mailing_list as l', 'l.id', 'd.list_id').select(['l.name']).where('d.id', '=', id).executeTakeFirst();
    if (!d) throw new NotFound('error.notFound');
    return c.html(
      <Layout rc={rc} title={rc.t('lists.unsubscribe.title')}>
        <p>{rc.t('lists.unsubscribe.confirm', { list: d.name })}</p>
        <form method="post" action={`/api/public/lists/unsubscribe/${c.req.param('token')}`}>
          <button type="submit">{rc.t('lists.unsubscribe.button')}</button>
        </form>
      </Layout>,
    );
  });

  // The confirmation of a request by mail whose From was not proven (the link went to the
  // member's own address). GET shows, POST confirms; the token works once and expires.
  app.get('/api/public/lists/confirm-unsubscribe/:token', async (c) => {
    const rc = c.get('rc');
    const token = c.req.param('token');
    const list = await confirmationFor(rc.deps.db, token);
    if (!list) throw new NotFound('lists.unsubscribe.invalid');
    return c.html(
      <Layout rc={rc} title={rc.t('lists.unsubscribe.title')}>
        <p>{rc.t('lists.unsubscribe.confirm', { list: list.name })}</p>
        <form method="post" action={`/api/public/lists/confirm-unsubscribe/${encodeURIComponent(token)}`}>
          <button type="submit">{rc.t('lists.unsubscribe.button')}</button>
        </form>
      </Layout>,
    );
  });

  app.post('/api/public/lists/confirm-unsubscribe/:token', async (c) => {
    const rc = c.get('rc');
    const list = await confirmUnsubscribe(rc.deps.db, c.req.param('token'));
    if (!list) throw new NotFound('lists.unsubscribe.invalid');
    return c.html(
      <Layout rc={rc} title={rc.t('lists.unsubscribe.title')}>
        <Notice kind="ok">{rc.t('lists.unsubscribe.done', { list: list.name })}</Notice>
      </Layout>,
    );
  });

  app.post('/api/public/lists/unsubscribe/:token', async (c) => {
    const rc = c.get('rc');
    const id = await deliveryForToken(rc.deps.db, rc.deps.config.mailDomain, c.req.param('token'));
    if (id === undefined) throw new NotFound('error.notFound');
    const list = await unsubscribeDelivery(rc.deps.db, id);
    if (!list) throw new NotFound('error.notFound');
    return c.html(
      <Layout rc={rc} title={rc.t('lists.unsubscribe.title')}>
        <Notice kind="ok">{rc.t('lists.unsubscribe.done', { list: list.name })}</Notice>
      </Layout>,
    );
  });
}
