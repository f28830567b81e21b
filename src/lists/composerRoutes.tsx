// Pages of the composer: write (lists, subject, text, files), preview exactly what the families
// receive and how many, send once; and the home card of held messages. No JavaScript needed.
import type { Hono } from 'hono';
import type { HomeParts } from '../platform/module.ts';
import type { AppEnv, Ctx, RequestContext, Viewer } from '../platform/web/context.ts';
import { Form, Layout, Notice } from '../platform/web/layout.tsx';
import { actorOf, requireViewer } from '../platform/web/guards.ts';
import { intParam, QueryNotice } from '../platform/web/forms.tsx';
import { DomainError, Forbidden, NotFound } from '../platform/errors.ts';
import type { MessageKey } from '../platform/i18n/index.ts';
import {
  chosenLists,
  checkDraft,
  composerFor,
  draftOf,
  heldForPerson,
  keptBytes,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
  MAX_BODY,
  MAX_SUBJECT,
  megabytes,
  newDraftKey,
  overallDecision,
  ownHeld,
  reachOf,
  saveDraft,
  sendDraft,
  withdrawHeld,
  type ComposableList,
  type Composer,
  type Draft,
  type DraftInput,
  type HeldRow,
} from './composer.ts';
import { listsRuntime } from './service.ts';
import type { ListsContext, PostingDecision } from './inbound.ts';

async function composerOf(c: Ctx): Promise<{ v: Viewer; composer: Composer }> {
  const v = requireViewer(c);
  const composer = await composerFor(c.get('rc').deps.db, v.personId);
  if (!composer) throw new Forbidden('lists.compose.error.noRight');
  return { v, composer };
}

const reasonKey = (d: PostingDecision) => (d.hold ? (`lists.held.reason.${d.reason}` as MessageKey) : undefined);

/** What the form shows: a draft being edited, or what was typed when a submission was refused. */
interface FormState {
  key: string;
  listIds: number[];
  subject: string;
  body: string;
  stored: Draft['attachments'];
  keep: number[];
  error?: string;
}

function ComposeForm({ rc, composer, s }: { rc: RequestContext; composer: Composer; s: FormState }) {
  const { t } = rc;
  const domain = rc.deps.config.mailDomain;
  const free = composer.lists.filter((l) => !l.decision.hold);
  const others = composer.lists.filter((l) => l.decision.hold);
  const box = (l: ComposableList) => (
    <label class="check">
      <input type="checkbox" name="list" value={String(l.id)} checked={s.listIds.includes(l.id)} /> {l.name} <code>{`${l.slug}@${domain}`}</code>
      {l.decision.hold && <span class="hint"> — {t('lists.compose.heldBecause', { reason: t(reasonKey(l.decision)!) })}</span>}
    </label>
  );
  return (
    <Form rc={rc} action="/lists/compose" enctype="multipart/form-data">
      {s.error && <Notice kind="error">{s.error}</Notice>}
      <input type="hidden" name="key" value={s.key} />
      <p class="hint">{t('lists.compose.from', { from: `${composer.name} <${composer.address}>` })}</p>
      <fieldset>
        <legend>{t('lists.compose.lists')}</legend>
        {free.map(box)}
        {others.length > 0 && (
          <details open={s.listIds.some((id) => others.some((l) => l.id === id))}>
            <summary>{t('lists.compose.otherLists')}</summary>
            <p class="hint">{t('lists.compose.otherListsHint')}</p>
            {others.map(box)}
          </details>
        )}
      </fieldset>
      <label for="subject">{t('lists.compose.subject')}</label>
      <input type="text" id="subject" name="subject" value={s.subject} required maxlength={MAX_SUBJECT} />
      <label for="body">{t('lists.compose.body')}</label>
      <textarea id="body" name="body" rows={12} required maxlength={MAX_BODY}>
        {s.body}
      </textarea>
      <fieldset>
        <legend>{t('lists.compose.attachments')}</legend>
        {s.stored.map((a) => (
          <label class="check">
            <input type="checkbox" name="keep" value={String(a.position)} checked={s.keep.includes(a.position)} /> {a.filename} <span class="muted">({t('lists.compose.size', { size: megabytes(a.size, rc.lang) })})</span>
          </label>
        ))}
        <label for="files">{t('lists.compose.addFiles')}</label>
        <input type="file" id="files" name="files" multiple />
        <p class="hint">{t('lists.compose.limit', { max: megabytes(MAX_ATTACHMENT_BYTES, rc.lang), files: MAX_ATTACHMENTS })}</p>
      </fieldset>
      <p>
        <button type="submit">{t('lists.compose.preview')}</button>
      </p>
    </Form>
  );
}

async function showForm(c: Ctx, composer: Composer, s: FormState, status: 200 | 400 | 403 | 409 | 413 = 200) {
  const rc = c.get('rc');
  return c.html(
    <Layout rc={rc} title={rc.t('lists.compose.title')}>
      <ComposeForm rc={rc} composer={composer} s={s} />
    </Layout>,
    status,
  );
}

function ListNames({ lists, domain }: { lists: ComposableList[]; domain: string }) {
  return (
    <>
      {lists.map((l, i) => (
        <>
          {i > 0 && ', '}
          {l.name} <code>{`${l.slug}@${domain}`}</code>
        </>
      ))}
    </>
  );
}

/** Exactly what leaves: who, how many, the subject and footer each family sees, the files. */
async function Preview({ rc, composer, draft }: { rc: RequestContext; composer: Composer; draft: Draft }) {
  const { t } = rc;
  const domain = rc.deps.config.mailDomain;
  const lists = chosenLists(composer, draft);
  const reach = await reachOf(rc.deps.db, lists.map((l) => l.id));
  const overall = overallDecision(lists);
  return (
    <>
      {lists.length !== draft.list_ids.length && <Notice kind="error">{t('lists.compose.error.listsChanged')}</Notice>}
      {overall.hold ? (
        <Notice kind="info">
          {t('lists.compose.willHold', { lists: overall.by.map((l) => l.name).join(', ') })}{' '}
          {overall.by.map((l) => t(reasonKey(l.decision)!)).filter((r, i, all) => all.indexOf(r) === i).join(' ; ')}.
        </Notice>
      ) : (
        <p>{t('lists.compose.willSend')}</p>
      )}
      <p>
        <strong>{t('lists.compose.reach', { n: reach.copies })}</strong> {reach.digest > 0 && t('lists.compose.reachDigest', { n: reach.digest })}
      </p>
      <article class="card">
        <p>
          {t('lists.compose.fromLabel')} {composer.name} &lt;{composer.address}&gt;
        </p>
        <p>
          {t('lists.compose.toLabel')} <ListNames lists={lists} domain={domain} />
        </p>
        {lists.map((l) => (
          <p>
            {t('lists.compose.subjectAs', { list: l.name })} <strong>{`${l.subjectPrefix} ${draft.subject}`.trim()}</strong>
          </p>
        ))}
        <pre style="white-space: pre-wrap">{draft.body}</pre>
        {lists
          .filter((l) => l.footer.trim())
          .map((l) => (
            <p class="muted">
              {t('lists.compose.footerOf', { list: l.name })}
              <br />
              <span style="white-space: pre-wrap">{l.footer}</span>
            </p>
          ))}
        {draft.attachments.length > 0 && (
          <ul>
            {draft.attachments.map((a) => (
              <li>
                {a.filename} <span class="muted">({t('lists.compose.size', { size: megabytes(a.size, rc.lang) })})</span>
              </li>
            ))}
          </ul>
        )}
      </article>
      {lists.length > 1 && <p class="hint">{t('lists.compose.onceEach')}</p>}
    </>
  );
}

function listsCtx(rc: RequestContext): ListsContext {
  const runtime = listsRuntime(rc.deps);
  if (runtime) return runtime.ctx;
  return { db: rc.deps.db, domain: rc.deps.config.mailDomain, publicUrl: rc.deps.config.publicUrl, mailer: rc.deps.mailer };
}

/** The form as posted: repeated fields (lists, kept files) and the uploaded files. */
async function postedDraft(c: Ctx): Promise<DraftInput> {
  const body = await c.req.parseBody({ all: true });
  const strings = (name: string) => [body[name] ?? []].flat().filter((x): x is string => typeof x === 'string');
  const ints = (name: string) => strings(name).map(Number).filter((n) => Number.isSafeInteger(n) && n >= 0);
  const files = [body.files ?? []].flat().filter((f): f is File => f instanceof File && f.size > 0 && f.name !== '');
  return {
    key: strings('key')[0] ?? '',
    listIds: ints('list'),
    subject: strings('subject')[0] ?? '',
    body: strings('body')[0] ?? '',
    keep: ints('keep'),
    files: await Promise.all(files.map(async (f) => ({ filename: f.name, contentType: f.type || 'application/octet-stream', content: new Uint8Array(await f.arrayBuffer()) }))),
  };
}

export function composerRoutes(app: Hono<AppEnv>) {
  app.get('/lists/compose', async (c) => {
    const rc = c.get('rc');
    const { v, composer } = await composerOf(c);
    const key = c.req.query('draft');
    if (key) {
      const d = await draftOf(rc.deps.db, key, v.personId);
      if (d.sent_at) return c.redirect(`/lists/compose/${d.key}`, 303);
      const kept = d.attachments.map((a) => a.position);
      return showForm(c, composer, { key: d.key, listIds: d.list_ids, subject: d.subject, body: d.body, stored: d.attachments, keep: kept });
    }
    // A list named in the address is ticked (the link from a list's page); the person's own lists otherwise when there is only one.
    const wanted = composer.lists.find((l) => l.slug === c.req.query('list'));
    const free = composer.lists.filter((l) => !l.decision.hold);
    const listIds = wanted ? [wanted.id] : free.length === 1 ? [free[0]!.id] : [];
    return showForm(c, composer, { key: newDraftKey(), listIds, subject: '', body: '', stored: [], keep: [] });
  });

  app.post('/lists/compose', async (c) => {
    const rc = c.get('rc');
    const { v, composer } = await composerOf(c);
    const posted = await postedDraft(c);
    try {
      const stored = await keptBytes(rc.deps.db, posted.key, v.personId, posted.keep);
      const d = checkDraft(composer, posted, stored);
      await saveDraft(rc.deps.db, actorOf(v), d);
      return c.redirect(`/lists/compose/${d.key}`, 303);
    } catch (err) {
      if (!(err instanceof DomainError) || err instanceof Forbidden || err instanceof NotFound) throw err;
      // Shown again as typed; files already saved with the draft stay, new ones must be chosen again.
      const existing = await draftOf(rc.deps.db, posted.key, v.personId).catch(() => undefined);
      // A sent draft's text may become a new message, under a new key.
      const sent = Boolean(existing?.sent_at);
      const state: FormState = {
        key: sent ? newDraftKey() : posted.key,
        listIds: posted.listIds,
        subject: posted.subject,
        body: posted.body,
        stored: sent ? [] : (existing?.attachments ?? []),
        keep: posted.keep,
        error: rc.t(err.key, err.params),
      };
      return showForm(c, composer, state, err.status as 400 | 409 | 413);
    }
  });

  // The author of a held message sees why it waits and may take it back.
  app.get('/lists/compose/held/:id', async (c) => {
    const rc = c.get('rc');
    const { t } = rc;
    const v = requireViewer(c);
    const m = await ownHeld(rc.deps.db, v.personId, intParam(c, 'id', 'lists.error.noMessage'));
    return c.html(
      <Layout rc={rc} title={m.subject || t('lists.held.noSubject')}>
        <QueryNotice c={c} notices={{ withdrawn: 'lists.home.withdrawn' }} />
        {m.status === 'held' ? (
          <>
            <Notice kind="info">
              {m.held_reason && t('lists.held.mail.why', { reason: t(`lists.held.reason.${m.held_reason}` as MessageKey) })}{' '}
              {m.expires_at && t('lists.home.expires', { date: m.expires_at.toISOString().slice(0, 10) })}
            </Notice>
            <pre style="white-space: pre-wrap">{m.body_text.slice(0, 20000)}</pre>
            <Form rc={rc} action={`/lists/compose/held/${m.id}/withdraw`}>
              <p class="hint">{t('lists.home.withdrawHint')}</p>
              <button type="submit" class="secondary">
                {t('lists.home.withdraw')}
              </button>
            </Form>
          </>
        ) : (
          !c.req.query('done') && <Notice kind="info">{t('lists.error.alreadyDecided')}</Notice>
        )}
        <p>
          <a href="/">{t('lists.compose.backHome')}</a>
        </p>
      </Layout>,
    );
  });

  app.post('/lists/compose/held/:id/withdraw', async (c) => {
    const v = requireViewer(c);
    const id = intParam(c, 'id', 'lists.error.noMessage');
    await withdrawHeld(c.get('rc').deps.db, actorOf(v), id);
    return c.redirect(`/lists/compose/held/${id}?done=withdrawn`, 303);
  });

  app.get('/lists/compose/:key', async (c) => {
    const rc = c.get('rc');
    const { t } = rc;
    const { v, composer } = await composerOf(c);
    const draft = await draftOf(rc.deps.db, c.req.param('key'), v.personId);
    if (draft.sent_at) {
      const m = draft.sent_message_id
        ? await rc.deps.db.selectFrom('list_message').select(['status', 'held_reason']).where('id', '=', draft.sent_message_id).executeTakeFirst()
        : undefined;
      return c.html(
        <Layout rc={rc} title={draft.subject}>
          {m?.status === 'held' ? (
            <Notice kind="info">
              {t('lists.compose.sentHeld')} {m.held_reason && t(`lists.held.reason.${m.held_reason}` as MessageKey)}
            </Notice>
          ) : (
            <Notice kind="ok">{t(m?.status === 'accepted' ? 'lists.compose.sent' : 'lists.compose.sentDecided')}</Notice>
          )}
          <p>
            <a href="/">{t('lists.compose.backHome')}</a> · <a href="/lists/compose">{t('lists.compose.another')}</a>
          </p>
        </Layout>,
      );
    }
    return c.html(
      <Layout rc={rc} title={t('lists.compose.previewTitle')}>
        <Preview rc={rc} composer={composer} draft={draft} />
        <Form rc={rc} action={`/lists/compose/${draft.key}/send`}>
          <p>
            <button type="submit">{t('lists.compose.send')}</button> <a href={`/lists/compose?draft=${draft.key}`}>{t('lists.compose.edit')}</a>
          </p>
        </Form>
      </Layout>,
    );
  });

  app.post('/lists/compose/:key/send', async (c) => {
    const rc = c.get('rc');
    const v = requireViewer(c);
    const key = c.req.param('key');
    try {
      await sendDraft(listsCtx(rc), actorOf(v), key);
    } catch (err) {
      if (!(err instanceof DomainError) || err instanceof Forbidden || err instanceof NotFound) throw err;
      await composerOf(c);
      const draft = await draftOf(rc.deps.db, key, v.personId);
      return c.html(
        <Layout rc={rc} title={rc.t('lists.compose.previewTitle')}>
          <Notice kind="error">{rc.t(err.key, err.params)}</Notice>
          <p>
            <a href={`/lists/compose?draft=${draft.key}`}>{rc.t('lists.compose.edit')}</a>
          </p>
        </Layout>,
        err.status as 400 | 409,
      );
    }
    return c.redirect(`/lists/compose/${key}`, 303);
  });
}

/** At most this many on the home page (an administrator may moderate every list); the rest on the lists page. */
const HOME_ROWS = 20;

function HeldList({ rc, rows, mine }: { rc: RequestContext; rows: HeldRow[]; mine: boolean }) {
  const { t } = rc;
  return (
    <ul>
      {rows.slice(0, HOME_ROWS).map((h) => {
        const moderated = h.lists.find((l) => l.moderated);
        const subject = h.subject || t('lists.held.noSubject');
        // The author acts on their own message by withdrawing it; a moderator by deciding.
        const href = mine ? `/lists/compose/held/${h.id}` : `/lists/${moderated!.slug}/held/${h.id}`;
        return (
          <li>
            <a href={href}>{subject}</a>
            {!mine && <> — {h.from}</>} <span class="muted">({h.lists.map((l) => l.name).join(', ')})</span>
            <br />
            <span class="hint">
              {h.reason && t('lists.held.mail.why', { reason: t(`lists.held.reason.${h.reason}` as MessageKey) })}
              {h.expiresAt && <> {t('lists.home.expires', { date: h.expiresAt.toISOString().slice(0, 10) })}</>}
            </span>
          </li>
        );
      })}
      {rows.length > HOME_ROWS && (
        <li>
          <a href="/lists">{t('lists.home.more', { n: rows.length - HOME_ROWS })}</a>
        </li>
      )}
    </ul>
  );
}

/** The home card: held messages to decide and one's own waiting, and the way to write. */
export async function listsHome(c: Ctx, viewer: Viewer): Promise<HomeParts> {
  const rc = c.get('rc');
  const { t } = rc;
  const [held, composer] = await Promise.all([heldForPerson(rc.deps.db, viewer.personId, viewer.isAdmin), composerFor(rc.deps.db, viewer.personId)]);
  if (!composer && held.toDecide.length === 0 && held.mine.length === 0) return {};
  return {
    cards: (
      <div class="card">
        <h2>{t('lists.title')}</h2>
        {composer && (
          <p>
            <a href="/lists/compose">{t('lists.compose.title')}</a>
          </p>
        )}
        {held.toDecide.length > 0 && (
          <>
            <h3>{t('lists.home.toDecide', { n: held.toDecide.length })}</h3>
            <HeldList rc={rc} rows={held.toDecide} mine={false} />
          </>
        )}
        {held.mine.length > 0 && (
          <>
            <h3>{t('lists.home.mine', { n: held.mine.length })}</h3>
            <HeldList rc={rc} rows={held.mine} mine={true} />
          </>
        )}
      </div>
    ),
  };
}
