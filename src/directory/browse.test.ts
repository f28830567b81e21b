import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aClass, aCurrentYear, aGroup, aHousehold, aPerson, aRegent, aSchool } from './factories.ts';
import { searchDirectory } from './queries.ts';
import { canSeeHousehold } from './access.ts';

test('access rules: a parent sees their household, a regent the households of their classes', () => {
  const base = { personId: 1, firstName: 'A', lastName: 'B', isAdmin: false, regentClassIds: [] as number[], householdIds: [] as number[], groupIds: [] as number[], memberships: [] };
  assert.equal(canSeeHousehold({ ...base, householdIds: [7] }, 7, []), true);
  assert.equal(canSeeHousehold({ ...base, householdIds: [7] }, 8, [3]), false);
  assert.equal(canSeeHousehold({ ...base, regentClassIds: [3] }, 8, [3, 4]), true);
  assert.equal(canSeeHousehold({ ...base, regentClassIds: [5] }, 8, [3, 4]), false);
  assert.equal(canSeeHousehold({ ...base, isAdmin: true }, 8, []), true);
});

forEachDatabase('directory pages', (t) => {
  test('search finds a household by family name, guardian, address or child, and a regent only within their classes', async () => {
    const { db } = t();
    const school = await aSchool(db);
    const cm1 = await aClass(db, { schoolId: school.id, level: 'CM1' });
    const ce2 = await aClass(db, { schoolId: school.id, level: 'CE2' });
    const h = await aHousehold(db, { name: 'Familha Espinassa', classIds: [cm1.id] });
    await db.updateTable('pupil').set({ first_name: 'Mirèio' }).where('household_id', '=', h.id).execute();
    const other = await aHousehold(db, { name: 'Familha Espinassa-Bis', classIds: [ce2.id] });
    const byName = await searchDirectory(db, 'espinassa');
    assert.deepEqual(byName.filter((x) => x.kind === 'household').map((x) => x.id).sort(), [h.id, other.id].sort());
    assert.ok((await searchDirectory(db, 'mirèio')).some((x) => x.id === h.id));
    assert.ok((await searchDirectory(db, h.guardians[0]!.email!)).some((x) => x.kind === 'household' && x.id === h.id));
    const regentView = await searchDirectory(db, 'espinassa', [cm1.id]);
    assert.deepEqual(regentView.map((x) => x.id), [h.id]);
    assert.deepEqual(await searchDirectory(db, '%'), []);
  });

  test('a regent sees their class and its households but not another class; a parent only their household', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const school = await aSchool(db);
      const mine = await aClass(db, { schoolId: school.id, name: 'CM1-A', level: 'CM1' });
      const theirs = await aClass(db, { schoolId: school.id, name: 'CE1-B', level: 'CE1' });
      const regent = await aRegent(db, mine.id);
      const inMine = await aHousehold(db, { name: 'Familha Bonafont', classIds: [mine.id] });
      const inTheirs = await aHousehold(db, { name: 'Familha Cassanha', classIds: [theirs.id] });

      const asRegent = new WebClient(app.url);
      await asRegent.signInAs(handle, regent.id);
      const classPage = await asRegent.get(`/directory/classes/${mine.id}`);
      assert.equal(classPage.status, 200);
      assert.match(await classPage.text(), /Familha Bonafont/);
      assert.equal((await asRegent.get(`/directory/classes/${theirs.id}`)).status, 403);
      assert.equal((await asRegent.get(`/directory/households/${inMine.id}`)).status, 200);
      assert.equal((await asRegent.get(`/directory/households/${inTheirs.id}`)).status, 403);
      const search = await (await asRegent.get('/directory/search?q=familha')).text();
      assert.match(search, /Bonafont/);
      assert.doesNotMatch(search, /Cassanha/);

      const asParent = new WebClient(app.url);
      await asParent.signInAs(handle, inMine.guardians[0]!.id);
      const own = await asParent.get(`/directory/households/${inMine.id}`);
      assert.equal(own.status, 200);
      assert.match(await own.text(), new RegExp(inMine.guardians[0]!.email!.replace('.', '\\.')));
      assert.equal((await asParent.get(`/directory/households/${inTheirs.id}`)).status, 403);
      assert.equal((await asParent.get('/directory')).status, 403);
      assert.equal((await asParent.get(`/directory/people/${inTheirs.guardians[0]!.id}`)).status, 403);
    } finally {
      await app.close();
    }
  });

  test('a regent sees the pupil of their class and its guardians, never the sibling in another class (page nor search)', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const school = await aSchool(db);
      const classA = await aClass(db, { schoolId: school.id, name: 'CE2-A', level: 'CE2' });
      const classB = await aClass(db, { schoolId: school.id, name: 'CM2-B', level: 'CM2' });
      const regent = await aRegent(db, classA.id);
      const family = await aHousehold(db, { name: 'Familha Delmas', classIds: [classA.id, classB.id], guardians: 2 });
      await db.updateTable('pupil').set({ first_name: 'Azalaïs' }).where('id', '=', family.pupils[0]!.id).execute();
      await db.updateTable('pupil').set({ first_name: 'Bertrand' }).where('id', '=', family.pupils[1]!.id).execute();
      const elsewhere = await aHousehold(db, { name: 'Familha Soulié', classIds: [classB.id] });

      const asRegent = new WebClient(app.url);
      await asRegent.signInAs(handle, regent.id);
      const res = await asRegent.get(`/directory/households/${family.id}`);
      assert.equal(res.status, 200);
      const page = await res.text();
      assert.match(page, /Azalaïs/);
      for (const g of family.guardians) assert.ok(page.includes(g.email!), 'the guardians\' contact is shown to the regent');
      assert.doesNotMatch(page, /Bertrand/);
      assert.doesNotMatch(page, /CM2-B/);
      // A household with no child in the regent's classes is refused, whatever its id.
      assert.equal((await asRegent.get(`/directory/households/${elsewhere.id}`)).status, 403);
      // The sibling's first name does not find the household; the pupil's name does.
      assert.doesNotMatch(await (await asRegent.get('/directory/search?q=bertrand')).text(), /Familha Delmas/);
      assert.match(await (await asRegent.get('/directory/search?q=azala')).text(), /Familha Delmas/);
      assert.deepEqual(await searchDirectory(db, 'bertrand', [classA.id]), []);

      // The parents and the IT group see both children.
      const asParent = new WebClient(app.url);
      await asParent.signInAs(handle, family.guardians[1]!.id);
      const own = await (await asParent.get(`/directory/households/${family.id}`)).text();
      assert.match(own, /Azalaïs/);
      assert.match(own, /Bertrand/);
    } finally {
      await app.close();
    }
  });

  test('an administrator edits a person and manages a group with a non-parent member; output is escaped', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const admin = await aPerson(db);
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
      const web = new WebClient(app.url);
      await web.signInAs(handle, admin.id);
      const created = await web.post('/directory/groups', { name: 'Comission <b>fèsta</b>', kind: 'commission' });
      assert.equal(created.status, 303);
      const groupPath = created.headers.get('location')!;
      const add = await web.post(`${groupPath}/members`, { email: 'Ester.Nonparent@Example.org', first_name: 'Ester', last_name: 'Vidal', role: 'lead' });
      assert.equal(add.status, 303);
      const page = await (await web.get(groupPath)).text();
      assert.match(page, /Comission &lt;b&gt;fèsta&lt;\/b&gt;/);
      assert.match(page, /Ester Vidal/);
      const person = await db.selectFrom('person_email').select('person_id').where('email', '=', 'ester.nonparent@example.org').executeTakeFirstOrThrow();
      // A bad address is refused with a clear message and nothing changes.
      const bad = await web.post(`/directory/people/${person.person_id}`, { first_name: 'Ester', last_name: 'Vidal', phone: '', emails: 'not-an-address' });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /pas valide/);
      const ok = await web.post(`/directory/people/${person.person_id}`, { first_name: 'Estèr', last_name: 'Vidal', phone: '+33 6 00 00 00 00', emails: 'ester@example.org\nester.vidal@example.org' });
      assert.equal(ok.status, 303);
      const emails = await db.selectFrom('person_email').select('email').where('person_id', '=', person.person_id).orderBy('position').execute();
      assert.deepEqual(emails.map((e) => e.email), ['ester@example.org', 'ester.vidal@example.org']);
      // A parent cannot edit.
      const parent = await aHousehold(db);
      const asParent = new WebClient(app.url);
      await asParent.signInAs(handle, parent.guardians[0]!.id);
      assert.equal((await asParent.post(`/directory/people/${person.person_id}`, { first_name: 'X', last_name: 'Y', phone: '', emails: '' })).status, 403);
      const grp = await aGroup(db);
      assert.equal((await asParent.get(`/directory/groups/${grp.id}`)).status, 403);
    } finally {
      await app.close();
    }
  });

  test('an administrator builds a class by hand: school, class, regent, household, guardian, child', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      await aCurrentYear(db);
      const admin = await aPerson(db);
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
      const web = new WebClient(app.url);
      await web.signInAs(handle, admin.id);
      assert.equal((await web.post('/directory/schools', { name: "Calandreta de l'Aucèl" })).status, 303);
      const school = await db.selectFrom('school').selectAll().where('name', '=', "Calandreta de l'Aucèl").executeTakeFirstOrThrow();
      assert.equal(school.slug, 'calandreta-de-l-aucel');
      const cls = await web.post('/directory/classes', { school_id: String(school.id), name: 'CP-A', level: 'CP' });
      const classPath = cls.headers.get('location')!;
      assert.equal((await web.post(`${classPath}/regents`, { email: 'regenta.cp@example.org', first_name: 'Sibilla', last_name: 'Fabre' })).status, 303);
      const hh = await web.post('/directory/households', { name: 'Familha Roca' });
      const hhPath = hh.headers.get('location')!;
      assert.equal((await web.post(`${hhPath}/guardians`, { email: 'paire.roca@example.org', first_name: 'Tòni', last_name: 'Roca', phone: '06 00 00 00 01' })).status, 303);
      const classId = classPath.split('/').pop()!;
      assert.equal((await web.post(`${hhPath}/pupils`, { first_name: 'Guilhèm', class_id: classId })).status, 303);
      // The same child twice is refused; an unknown class too.
      assert.equal((await web.post(`${hhPath}/pupils`, { first_name: 'Guilhèm', class_id: classId })).status, 409);
      assert.equal((await web.post(`${hhPath}/pupils`, { first_name: 'Marià', class_id: '999999' })).status, 400);
      const regent = await db.selectFrom('person_email').select('person_id').where('email', '=', 'regenta.cp@example.org').executeTakeFirstOrThrow();
      const asRegent = new WebClient(app.url);
      await asRegent.signInAs(handle, regent.person_id);
      const page = await (await asRegent.get(hhPath)).text();
      assert.match(page, /Tòni Roca/);
      assert.match(page, /Guilhèm/);

      // The admin moves the child to another class of the year; the old year's class stays history.
      const ce1 = await web.post('/directory/classes', { school_id: String(school.id), name: 'CE1-A', level: 'CE1' });
      const ce1Id = Number(ce1.headers.get('location')!.split('/').pop());
      const pupil = await db.selectFrom('pupil').select('id').where('first_name', '=', 'Guilhèm').executeTakeFirstOrThrow();
      assert.equal((await asRegent.post(`/directory/pupils/${pupil.id}/class`, { class_id: String(ce1Id) })).status, 403);
      assert.equal((await web.post(`/directory/pupils/${pupil.id}/class`, { class_id: '999999' })).status, 400);
      const moved = await web.post(`/directory/pupils/${pupil.id}/class`, { class_id: String(ce1Id) });
      assert.equal(moved.status, 303);
      assert.equal(moved.headers.get('location'), hhPath);
      const enrolments = await db.selectFrom('enrolment').select('class_id').where('pupil_id', '=', pupil.id).execute();
      assert.deepEqual(enrolments.map((e) => e.class_id), [ce1Id]);
      assert.match(await (await web.get(hhPath)).text(), /Guilhèm —\s*<a href="\/directory\/classes\/\d+">CE1-A/);
      // The regent of the CP class no longer sees the household.
      assert.equal((await asRegent.get(hhPath)).status, 403);
    } finally {
      await app.close();
    }
  });
});
