// "Try as" on the fictional demo: an administrator opens a session as the demo's treasurer, a
// regent or a parent, and comes back; once a real spreadsheet is imported the switch is gone
// for good and its POST refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { asOwner, forEachDatabase } from '../../platform/testing.ts';
import { startTestPlatform, WebClient } from '../../app/testing.ts';
import { CLI_ACTOR } from '../../platform/audit.ts';
import { aPerson } from '../factories.ts';
import { importDirectory } from '../import/importDirectory.ts';
import { loadDemo } from './load.ts';
import { MODULES } from '../../app/modules.ts';
import { tryAsPeople } from './tryAs.ts';

const SWITCH = 'Essayer en tant que… (démo fictive)';

forEachDatabase('demo try-as', (t) => {
  test('on the demo an administrator tries as the treasurer, a regent and a parent, and comes back; a real import removes the switch for good', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      await loadDemo(db, CLI_ACTOR, { modules: MODULES });
      const adminPerson = await aPerson(db, { firstName: 'Bernat', lastName: 'Admin' });
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', adminPerson.id).execute();
      const people = await tryAsPeople(db);
      assert.deepEqual(people.map((p) => p.role), ['treasurer', 'regent', 'parent']);
      const treasurer = people[0]!;

      const admin = new WebClient(app.url);
      await admin.signInAs(handle, adminPerson.id);
      const home = await (await admin.get('/')).text();
      assert.ok(home.includes(SWITCH), 'the switch is on the admin home, clearly marked as the fictional demo');
      for (const p of people) assert.ok(home.includes(p.name));

      // A form without its CSRF token, and anyone but an administrator, are refused.
      assert.equal((await admin.post('/directory/demo/try-as', { role: 'treasurer' }, { csrf: null })).status, 403);
      const parent = new WebClient(app.url);
      await parent.signInAs(handle, people[2]!.personId);
      assert.equal((await parent.post('/directory/demo/try-as', { role: 'treasurer' })).status, 403);
      assert.ok(!(await (await parent.get('/')).text()).includes(SWITCH));

      const own = admin.cookies.get('ostal_session');
      const res = await admin.post('/directory/demo/try-as', { role: 'treasurer' });
      assert.equal(res.status, 303);
      assert.notEqual(admin.cookies.get('ostal_session'), own);
      const asTreasurer = await (await admin.get('/')).text();
      assert.ok(asTreasurer.includes(`connecté en tant que ${treasurer.name}`.replace(/'/g, '&#39;')));
      assert.equal((await admin.get('/accounting')).status, 200, 'the books open: this is the treasurer now');
      assert.equal((await admin.get('/outbox')).status, 403, 'and no longer an administrator');
      const audit = await db.selectFrom('audit_event').select(['actor_person_id', 'subject', 'detail']).where('action', '=', 'demo.try_as').execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor_person_id, adminPerson.id);
      assert.equal(audit[0]!.subject, `person:${treasurer.personId}`);

      assert.equal((await admin.post('/directory/demo/try-as/back', {})).status, 303);
      assert.equal(admin.cookies.get('ostal_session'), own, 'back in the administrator’s own session');
      assert.equal((await admin.get('/outbox')).status, 200);
      const left = await db.selectFrom('session').select('person_id').where('person_id', '=', treasurer.personId).execute();
      assert.equal(left.length, 0, 'the demo session ended');
      for (const p of people.slice(1)) {
        assert.equal((await admin.post('/directory/demo/try-as', { role: p.role })).status, 303);
        assert.ok((await (await admin.get('/')).text()).includes(`connecté en tant que ${p.name}`.replace(/'/g, '&#39;')), p.role);
        await admin.post('/directory/demo/try-as/back', {});
        assert.equal(admin.cookies.get('ostal_session'), own);
      }

      // A real spreadsheet is imported: the switch goes, and its POST is refused.
      const csv = 'ecole,classe,niveau\nCalandreta de Lodeva,CM1,CM1\n';
      const report = await importDirectory(db, CLI_ACTOR, { name: 'classes.csv', bytes: new TextEncoder().encode(csv) }, { dryRun: false });
      assert.equal(report.applied, true);
      assert.deepEqual(await tryAsPeople(db), []);
      assert.ok(!(await (await admin.get('/')).text()).includes(SWITCH));
      assert.equal((await admin.post('/directory/demo/try-as', { role: 'parent' })).status, 403);
      assert.equal((await admin.post('/directory/demo/try-as', { role: 'treasurer' })).status, 403);
      assert.equal(admin.cookies.get('ostal_session'), own);

      // The schema keeps it so: the mark of real data stays, and the switch cannot be written back.
      await assert.rejects(db.deleteFrom('setting').where('key', '=', 'directory.real_data').execute());
      await assert.rejects(db.updateTable('setting').set({ value: JSON.stringify(false) }).where('key', '=', 'directory.real_data').execute());
      await assert.rejects(
        db.insertInto('setting').values({ key: 'demo.try_as', value: JSON.stringify({ treasurer: treasurer.personId }) }).execute(),
      );
      assert.deepEqual(await tryAsPeople(db), []);
    } finally {
      await app.close();
    }
  });

  test('a dry run of an import leaves the switch; an import that fails leaves it too', async () => {
    const { db } = t();
    // The suite's first test imported for real on this database; this one starts clean.
    const marked = await db.selectFrom('setting').select('key').where('key', '=', 'directory.real_data').executeTakeFirst();
    if (marked) {
      // Only the owner may switch a trigger off; the platform serves as a role that cannot.
      await asOwner(t().handle, async (owner) => {
        await sql`alter table setting disable trigger setting_real_data_guard`.execute(owner);
        await owner.deleteFrom('setting').where('key', 'in', ['directory.real_data', 'demo.try_as']).execute();
        await sql`alter table setting enable trigger setting_real_data_guard`.execute(owner);
      });
    }
    await db.insertInto('setting').values({ key: 'demo.try_as', value: JSON.stringify({ parent: (await aPerson(db)).id }) }).execute();
    const csv = (s: string) => ({ name: 'c.csv', bytes: new TextEncoder().encode(s) });
    await importDirectory(db, CLI_ACTOR, csv('ecole,classe,niveau\nCalandreta de Pesenàs,CE1,CE1\n'), { dryRun: true });
    const bad = await importDirectory(db, CLI_ACTOR, csv('ecole,classe,niveau,regent_prenom,regent_nom,regent_email\nCalandreta de Pesenàs,CE1,CE1,Marta,Bonafont,marta@@example\n'), { dryRun: false });
    assert.equal(bad.applied, false);
    assert.equal((await tryAsPeople(db)).length, 1);
  });
});
