// Mailing lists as a survey audience: current members, exclusions and no-mail respected, one
// link per person or address, rates per list, and who may target which list or group.
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { createMailer } from '../platform/mail.ts';
import { Forbidden } from '../platform/errors.ts';
import { loadViewer } from '../auth/viewer.ts';
import { aClass, aGroup, aHousehold, aPerson, aSchool } from '../directory/factories.ts';
import { addMember, createList, removeMember, setDelivery } from '../lists/lists.ts';
import { addAudience, openSurvey, resolveAudience, responseRates, sendReminders } from './campaign.ts';
import { submitResponse } from './answering.ts';
import { exportRows, loadAnswers } from './results.ts';
import { loadDef } from './survey.ts';
import { mayTarget, targetScope } from './access.ts';
import { aSurvey, linksFor, MAIL, ORGANISER } from './testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';

const mailer = createMailer({});

forEachDatabase('survey audience: mailing lists', (t) => {
  async function setting() {
    const { db } = t();
    const school = await aSchool(db);
    const cm1 = await aClass(db, { schoolId: school.id, level: 'CM1' });
    const ce2 = await aClass(db, { schoolId: school.id, level: 'CE2' });
    const both = await aHousehold(db, { classIds: [cm1.id, ce2.id] });
    const one = await aHousehold(db, { classIds: [cm1.id] });
    const other = await aHousehold(db, { classIds: [ce2.id] });
    const owner = await aPerson(db, { firstName: 'Organisatritz' });
    const commission = await aGroup(db, { kind: 'commission', members: [{ personId: other.guardians[0]!.id }, { personId: owner.id }] });
    const lists = await db.transaction().execute(async (trx) => ({
      cm1: await createList(trx, ORGANISER, { slug: `cm1-${cm1.id}`, name: 'CM1', kind: 'class', classId: cm1.id, owners: [owner.id] }),
      friends: await createList(trx, ORGANISER, { slug: `amics-${cm1.id}`, name: 'Amics de l’escòla', kind: 'manual', owners: [owner.id] }),
      helpers: await createList(trx, ORGANISER, { slug: `ajuda-${cm1.id}`, name: 'Ajudaires', kind: 'manual', owners: [both.guardians[0]!.id] }),
    }));
    // One parent excluded from the class list by its owner.
    await removeMember(db, ORGANISER, lists.cm1.id, one.guardians[0]!.email!);
    // A directory parent on a hand-made list, and an address outside the directory on two lists.
    await addMember(db, ORGANISER, lists.friends.id, both.guardians[0]!.email!);
    await addMember(db, ORGANISER, lists.friends.id, 'Ami@Example.org', 'Ami de l’école');
    await addMember(db, ORGANISER, lists.helpers.id, 'ami@example.org');
    // Someone who chose no mail from a list is not invited through it.
    await addMember(db, ORGANISER, lists.helpers.id, 'muet@example.org');
    await setDelivery(db, lists.helpers.id, 'muet@example.org', 'nomail');
    return { school, cm1, ce2, both, one, other, owner, commission, lists };
  }

  test('lists and groups together: current members minus exclusions and no-mail, one link per person or address, rates per list', async () => {
    const { db } = t();
    const a = await setting();
    const s = await aSurvey(db);
    for (const l of Object.values(a.lists)) await addAudience(db, ORGANISER, s.id, 'list', l.id);
    await addAudience(db, ORGANISER, s.id, 'group', a.commission.id);
    const reach = await resolveAudience(db, s.id);
    const emails = reach.recipients.map((r) => r.email).sort();
    assert.deepEqual(emails, [a.both.guardians[0]!.email!, a.other.guardians[0]!.email!, a.owner.email!, 'ami@example.org'].sort());
    // A non-directory address is a recipient without a person, named as the list owner named it.
    const ami = reach.recipients.find((r) => r.email === 'ami@example.org')!;
    assert.equal(ami.personId, null);
    assert.equal(ami.firstName, 'Ami de l’école');

    const res = await openSurvey(db, mailer, ORGANISER, s.id, MAIL);
    assert.equal(res.invited, 4);
    for (const e of emails) assert.equal((await linksFor(db, e)).length, 1, `one link for ${e}`);
    assert.deepEqual(await linksFor(db, a.one.guardians[0]!.email!), []);
    assert.deepEqual(await linksFor(db, 'muet@example.org'), []);
    const inv = await db.selectFrom('survey_invitation').selectAll().where('survey_id', '=', s.id).where('email', '=', 'ami@example.org').executeTakeFirstOrThrow();
    assert.equal(inv.person_id, null);
    // The database itself refuses a second invitation for the same address.
    await assert.rejects(db.insertInto('survey_invitation').values({ survey_id: s.id, person_id: null, email: 'ami@example.org' }).execute());

    const answers = { [s.q.internet]: { choice: s.opt.yes }, [s.q.ease]: 3 };
    const [bothLink] = await linksFor(db, a.both.guardians[0]!.email!);
    await submitResponse(db, bothLink!, answers);
    const rates = await responseRates(db, s.id);
    const perList = Object.fromEntries(rates.units.filter((u) => u.kind === 'list').map((u) => [u.id, [u.answered, u.invited]]));
    assert.deepEqual(perList, { [a.lists.cm1.id]: [1, 1], [a.lists.friends.id]: [1, 2], [a.lists.helpers.id]: [0, 1] });
    assert.deepEqual([rates.total.answered, rates.total.invited], [1, 4]);

    // Reminders reach the non-directory address too, greeted by its display name.
    assert.equal(await sendReminders(db, mailer, ORGANISER, s.id, MAIL), 3);
    const amiLinks = await linksFor(db, 'ami@example.org');
    assert.equal(amiLinks.length, 2);
    const sent = await db.selectFrom('outbox_message').select(['raw', 'envelope_to']).orderBy('id', 'desc').execute();
    const last = sent.find((m) => m.envelope_to.includes('ami@example.org'))!;
    assert.match((await simpleParser(Buffer.from(last.raw))).text ?? '', /Bonjour Ami de l’école,/);
    await submitResponse(db, amiLinks[1]!, { ...answers, [s.q.ease]: 5 });
    // Filter by list; the export names the address's display name.
    const helpers = await loadAnswers(db, s.id, { kind: 'list', id: a.lists.helpers.id });
    assert.equal(helpers.answers.length, 1);
    const cm1 = await loadAnswers(db, s.id, { kind: 'list', id: a.lists.cm1.id });
    assert.deepEqual(cm1.named!.map((n) => n.email), [a.both.guardians[0]!.email!]);
    const rows = await exportRows(db, s.id, 'fr');
    assert.ok(rows.some((r) => r[1] === 'Ami de l’école' && r[2] === 'ami@example.org'));
  });

  test('an organiser sees and targets only the lists they own or moderate and the groups they belong to; board, bureau and admins target all', async () => {
    const { db } = t();
    const a = await setting();
    const s = await aSurvey(db);
    const scope = await targetScope(db, (await loadViewer(db, a.owner.id))!);
    assert.equal(scope.everything, false);
    // The owner named by hand of the class list and of "friends", not of "helpers".
    assert.ok(mayTarget(scope, 'list', a.lists.cm1.id));
    assert.ok(mayTarget(scope, 'list', a.lists.friends.id));
    assert.ok(!mayTarget(scope, 'list', a.lists.helpers.id));
    assert.ok(mayTarget(scope, 'group', a.commission.id));
    const board = await aGroup(db, { kind: 'board' });
    assert.ok(!mayTarget(scope, 'group', board.id));
    assert.ok(mayTarget(scope, 'class', a.cm1.id));
    await assert.rejects(addAudience(db, ORGANISER, s.id, 'list', a.lists.helpers.id, scope), (e: Error) => e instanceof Forbidden);
    await assert.rejects(addAudience(db, ORGANISER, s.id, 'group', board.id, scope), (e: Error) => e instanceof Forbidden);
    await addAudience(db, ORGANISER, s.id, 'list', a.lists.friends.id, scope);
    // A board member may target everything.
    const member = await aPerson(db);
    await db.insertInto('group_member').values({ group_id: board.id, person_id: member.id, role: 'member' }).execute();
    const wide = await targetScope(db, (await loadViewer(db, member.id))!);
    assert.ok(wide.everything && mayTarget(wide, 'list', a.lists.helpers.id) && mayTarget(wide, 'group', a.commission.id));
  });

  test('the editor offers a commission member only their lists and groups, refuses others, and the rate page shows each targeted list', async () => {
    const { db, handle } = t();
    const a = await setting();
    const app = await startTestPlatform(handle);
    try {
      const org = new WebClient(app.url);
      await org.signInAs(handle, a.owner.id);
      const created = await org.post('/surveys', { title_fr: 'Fèsta de l’escòla', template: '' });
      assert.equal(created.status, 303);
      const id = Number(/\/surveys\/(\d+)/.exec(created.headers.get('location')!)![1]);
      const sectionId = String((await loadDef(db, id)).sections[0]!.id);
      await org.post(`/surveys/${id}/questions`, { section_id: sectionId, kind: 'single', prompt_fr: 'Venètz ?', prompt_oc: '', prompt_en: '', options: 'Òc\nNon', columns: '', condition: '', required: 'on' });
      const editor = await (await org.get(`/surveys/${id}`)).text();
      assert.match(editor, new RegExp(`value="list:${a.lists.friends.id}"`));
      assert.match(editor, new RegExp(`value="list:${a.lists.cm1.id}"`));
      assert.doesNotMatch(editor, new RegExp(`value="list:${a.lists.helpers.id}"`));
      assert.match(editor, new RegExp(`value="group:${a.commission.id}"`));
      assert.match(editor, /listas que ne sètz|listes dont vous êtes propriétaire/);
      const refused = await org.post(`/surveys/${id}/audience`, { target: `list:${a.lists.helpers.id}` });
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /propriétaire, modérateur ou membre/);
      assert.equal((await org.post(`/surveys/${id}/audience`, { target: `list:${a.lists.friends.id}` })).status, 303);
      assert.equal((await org.post(`/surveys/${id}/audience`, { target: `list:${a.lists.cm1.id}` })).status, 303);
      const draft = await (await org.get(`/surveys/${id}`)).text();
      assert.match(draft, /Liste : Amics de l’escòla &lt;amics-/);
      assert.match(draft, /2 personnes/);
      assert.equal((await org.post(`/surveys/${id}/open`, {})).status, 303);
      const rate = await (await org.get(`/surveys/${id}/rate`)).text();
      assert.match(rate, /<span class="tag">Liste<\/span> Amics de l’escòla/);
      assert.match(rate, /<span class="tag">Liste<\/span> CM1/);
      const results = await (await org.get(`/surveys/${id}/results`)).text();
      assert.match(results, new RegExp(`value="list:${a.lists.friends.id}"`));
    } finally {
      await app.close();
    }
  });
});

test('schools, classes and all parents stay open to every organiser; lists and groups need the scope', () => {
  const none = { everything: false, listIds: new Set<number>(), groupIds: new Set<number>() };
  assert.ok(mayTarget(none, 'all_parents', null));
  assert.ok(mayTarget(none, 'school', 1));
  assert.ok(!mayTarget(none, 'list', 1));
  assert.ok(!mayTarget(none, 'group', 1));
});
