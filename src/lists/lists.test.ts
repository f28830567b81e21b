import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLI_ACTOR } from '../platform/audit.ts';
import { forEachDatabase } from '../platform/testing.ts';
import { aClass, aCurrentYear, aGroup, aHousehold, aPerson, aRegent, aSchool } from '../directory/factories.ts';
import { addMember, createDirectoryLists, createList, isNoOwnerViolation, listMembers, listOwners, removeMember, revokeRole, transferOwnership, grantRole } from './lists.ts';

forEachDatabase('lists derived from the directory', (t) => {
  test('a class list is the guardians of its pupils this year and follows the directory at once', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const cls = await aClass(db, { name: 'CM1 A' });
    const regent = await aRegent(db, cls.id);
    const h1 = await aHousehold(db, { classIds: [cls.id], guardians: 2 });
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: 'cm1-a-test', name: 'CM1 A', kind: 'class', classId: cls.id }));
    assert.equal(list.policy, 'announce');
    let members = await listMembers(db, list.id);
    assert.deepEqual(members.map((m) => m.address).sort(), h1.guardians.map((g) => g.email!).sort());
    // The directory changes: a new family enrols, membership follows with no sync.
    const h2 = await aHousehold(db, { classIds: [cls.id] });
    members = await listMembers(db, list.id);
    assert.equal(members.length, 3);
    assert.ok(members.some((m) => m.address === h2.guardians[0]!.email));
    // The regent owns it, from the directory.
    const owners = await listOwners(db, list.id);
    assert.deepEqual(owners.map((o) => [o.person_id, o.from_directory]), [[regent.id, true]]);
  });

  test('owners exclude a derived member and add an extra one; a person reached once', async () => {
    const { db } = t();
    const cls = await aClass(db);
    await aRegent(db, cls.id);
    const h = await aHousehold(db, { classIds: [cls.id, (await aClass(db)).id] });
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `c-${cls.id}`, name: 'C', kind: 'class', classId: cls.id }));
    const g = h.guardians[0]!.email!;
    await removeMember(db, CLI_ACTOR, list.id, g);
    await addMember(db, CLI_ACTOR, list.id, 'Grandpa@Example.org');
    const members = await listMembers(db, list.id);
    assert.deepEqual(members.map((m) => [m.address, m.fromDirectory]), [['grandpa@example.org', false]]);
    await addMember(db, CLI_ACTOR, list.id, g);
    assert.equal((await listMembers(db, list.id)).length, 2);
  });

  test('a school list is all its guardians; a group list its members with leads as owners', async () => {
    const { db } = t();
    const school = await aSchool(db);
    const a = await aClass(db, { schoolId: school.id });
    const b = await aClass(db, { schoolId: school.id });
    await aHousehold(db, { classIds: [a.id] });
    await aHousehold(db, { classIds: [b.id], guardians: 2 });
    const admin = await aPerson(db);
    const sl = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `s-${school.id}`, name: 'S', kind: 'school', schoolId: school.id, owners: [admin.id] }));
    assert.equal((await listMembers(db, sl.id)).length, 3);
    const lead = await aPerson(db);
    const member = await aPerson(db);
    const group = await aGroup(db, { kind: 'bureau', members: [{ personId: lead.id, role: 'co_president' }, { personId: member.id }] });
    const created = await db.transaction().execute((trx) => createDirectoryLists(trx, CLI_ACTOR));
    assert.ok(created.includes(group.slug));
    const gl = await db.selectFrom('mailing_list').selectAll().where('group_id', '=', group.id).executeTakeFirstOrThrow();
    assert.equal((await listMembers(db, gl.id)).length, 2);
    assert.deepEqual((await listOwners(db, gl.id)).map((o) => o.person_id), [lead.id]);
  });

  test('the database keeps at least one owner, checked at commit', async () => {
    const { db } = t();
    const owner = await aPerson(db);
    const other = await aPerson(db);
    // A hand-made list without an owner is refused.
    await assert.rejects(
      db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: 'no-owner', name: 'X', kind: 'manual' })),
      (err) => isNoOwnerViolation(err),
    );
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: 'ca-test', name: 'CA', kind: 'manual', owners: [owner.id] }));
    await assert.rejects(db.transaction().execute((trx) => revokeRole(trx, CLI_ACTOR, list.id, owner.id, 'owner')), (err) => isNoOwnerViolation(err));
    // A transfer removes the old owner before adding the new one: fine at commit.
    await db.transaction().execute((trx) => transferOwnership(trx, { personId: owner.id, label: 'Joana' }, list.id, other.email!));
    const owners = await listOwners(db, list.id);
    assert.deepEqual(owners.map((o) => o.person_id), [other.id]);
    // Every change is recorded with who made it.
    const events = await db.selectFrom('list_role_event').selectAll().where('list_id', '=', list.id).orderBy('id').execute();
    assert.deepEqual(events.map((e) => [e.person_id, e.change, e.actor_label]), [
      [owner.id, 'granted', 'cli'],
      [owner.id, 'revoked', 'Joana'],
      [other.id, 'granted', 'Joana'],
    ]);
    await grantRole(db, CLI_ACTOR, list.id, owner.id, 'moderator');
  });

  test("removing a class's last regent is refused while its list has no other owner", async () => {
    const { db } = t();
    const cls = await aClass(db);
    const regent = await aRegent(db, cls.id);
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `r-${cls.id}`, name: 'R', kind: 'class', classId: cls.id }));
    await assert.rejects(db.deleteFrom('class_regent').where('class_id', '=', cls.id).execute(), (err) => isNoOwnerViolation(err));
    const backup = await aPerson(db);
    await grantRole(db, CLI_ACTOR, list.id, backup.id, 'owner');
    await db.deleteFrom('class_regent').where('class_id', '=', cls.id).where('person_id', '=', regent.id).execute();
    // Directory edits on classes without a list are free.
    const other = await aClass(db);
    await aRegent(db, other.id);
    await db.deleteFrom('class_regent').where('class_id', '=', other.id).execute();
  });

  test('a class that continues last year keeps its list and address; pupils of past years are not members', async () => {
    const { db } = t();
    const year = await aCurrentYear(db);
    const old = await db.insertInto('school_year').values({ label: '2019-2020', starts_on: '2019-09-01', ends_on: '2020-08-31' }).returningAll().executeTakeFirstOrThrow();
    const school = await aSchool(db);
    const before = await aClass(db, { schoolId: school.id, yearId: old.id, name: 'CE2' });
    await aRegent(db, before.id);
    await aHousehold(db, { classIds: [before.id] });
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `ce2-${school.id}`, name: 'CE2', kind: 'class', classId: before.id }));
    assert.equal((await listMembers(db, list.id)).length, 0);
    // Without a regent the new class cannot take the list over: it would have no owner.
    const insertClass = (q: typeof db) => q.insertInto('class').values({ school_id: school.id, school_year_id: year.id, name: 'CM1', level: 'CM1', previous_class_id: before.id }).returningAll().executeTakeFirstOrThrow();
    await assert.rejects(insertClass(db), (err) => isNoOwnerViolation(err));
    const now = await db.transaction().execute(async (trx) => {
      const c = await insertClass(trx);
      await trx.insertInto('staff').values({ person_id: (await aPerson(trx)).id, school_id: school.id, role: 'regent' }).execute();
      const regent = await trx.selectFrom('staff').select('person_id').where('school_id', '=', school.id).orderBy('person_id', 'desc').executeTakeFirstOrThrow();
      await trx.insertInto('class_regent').values({ class_id: c.id, person_id: regent.person_id }).execute();
      return c;
    });
    await aHousehold(db, { classIds: [now.id] });
    assert.deepEqual(await db.transaction().execute((trx) => createDirectoryLists(trx, CLI_ACTOR)), []);
    const moved = await db.selectFrom('mailing_list').selectAll().where('id', '=', list.id).executeTakeFirstOrThrow();
    assert.equal(moved.class_id, now.id);
    assert.equal((await listMembers(db, list.id)).length, 1);
  });
});

forEachDatabase('lists across the rollover and from Sympa', (t) => {
  test('a class created as the continuation of last year\'s class takes over its list at once', async () => {
    const { db } = t();
    const year = await aCurrentYear(db);
    const past = await db.insertInto('school_year').values({ label: '2018-2019', starts_on: '2018-09-01', ends_on: '2019-08-31' }).returningAll().executeTakeFirstOrThrow();
    const school = await aSchool(db);
    const before = await aClass(db, { schoolId: school.id, yearId: past.id, name: 'PS' });
    const regent = await aRegent(db, before.id);
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `ps-${school.id}`, name: 'PS', kind: 'class', classId: before.id }));
    // What the rollover does, in one transaction: the class of the new year and its regents.
    const next = await db.transaction().execute(async (trx) => {
      const c = await trx.insertInto('class').values({ school_id: school.id, school_year_id: year.id, name: 'MS', level: 'MS', previous_class_id: before.id }).returningAll().executeTakeFirstOrThrow();
      await trx.insertInto('class_regent').values({ class_id: c.id, person_id: regent.id }).execute();
      return c;
    });
    const moved = await db.selectFrom('mailing_list').select(['class_id', 'slug']).where('id', '=', list.id).executeTakeFirstOrThrow();
    assert.deepEqual(moved, { class_id: next.id, slug: list.slug });
  });

  test('a Sympa export adds its subscribers once; an invalid line stops the import and is reported', async () => {
    const { db } = t();
    const { importSympaSubscribers, parseSympaExport } = await import('./sympa.ts');
    const owner = await aPerson(db);
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `ca-${owner.id}`, name: 'CA', kind: 'manual', owners: [owner.id] }));
    const bad = await db.transaction().execute((trx) => importSympaSubscribers(trx, CLI_ACTOR, list.id, 'una@school.test\nnot-an-address\n'));
    assert.deepEqual([bad.added, bad.invalid], [0, [{ line: 2, text: 'not-an-address' }]]);
    const text = '# export Sympa\nUna@School.test Una Tèst\n\ndos@school.test\nuna@school.test\n';
    assert.equal(parseSympaExport(text).subscribers.length, 2);
    const r = await db.transaction().execute((trx) => importSympaSubscribers(trx, CLI_ACTOR, list.id, text));
    assert.deepEqual([r.added, r.alreadyMembers], [2, 0]);
    const again = await db.transaction().execute((trx) => importSympaSubscribers(trx, CLI_ACTOR, list.id, text));
    assert.deepEqual([again.added, again.alreadyMembers], [0, 2]);
    assert.deepEqual((await listMembers(db, list.id)).map((m) => m.address), ['dos@school.test', 'una@school.test']);
  });
});

forEachDatabase('the demo association has its lists', (t) => {
  test('class, group and school lists, every one with an owner and members', async () => {
    const { db } = t();
    const { loadDemo } = await import('../directory/demo/index.ts');
    const { listsModule } = await import('./module.ts');
    const counts = await loadDemo(db, CLI_ACTOR, { modules: [listsModule] });
    assert.ok(counts.lists! >= counts.classes, `lists: ${counts.lists}`);
    const lists = await db.selectFrom('mailing_list').selectAll().execute();
    assert.ok(lists.some((l) => l.kind === 'school') && lists.some((l) => l.kind === 'group') && lists.some((l) => l.kind === 'class'));
    for (const l of lists) {
      assert.ok((await listOwners(db, l.id)).length > 0, `${l.slug} has an owner`);
      assert.ok((await listMembers(db, l.id)).length > 0, `${l.slug} has members`);
    }
  });
});
