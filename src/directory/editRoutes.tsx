// The directory's changes by hand (schools, classes, regents, households, guardians, pupils, people, groups): the forms of the browse pages post here.
import type { Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';
import { actorOf, field, requireAdmin } from '../platform/web/guards.ts';
import {
  addGuardian,
  addPupil,
  movePupil,
  addRegent,
  createClass,
  createGroup,
  createHousehold,
  createSchool,
  removeGroupMember,
  setGroupMember,
  updatePerson,
} from './edits.ts';
import { intParam } from '../platform/web/forms.tsx';

export function directoryEditRoutes(app: Hono<AppEnv>) {
  // Administrators' edits: POST, then redirect (303) so a reload does not post twice.
  app.post('/directory/schools', async (c) => {
    const v = requireAdmin(c);
    const body = await c.req.parseBody();
    await createSchool(c.get('rc').deps.db, actorOf(v), { name: field(body, 'name') });
    return c.redirect('/directory', 303);
  });

  app.post('/directory/classes', async (c) => {
    const v = requireAdmin(c);
    const body = await c.req.parseBody();
    const cls = await createClass(c.get('rc').deps.db, actorOf(v), { schoolId: Number(field(body, 'school_id')), name: field(body, 'name'), level: field(body, 'level') });
    return c.redirect(`/directory/classes/${cls.id}`, 303);
  });

  app.post('/directory/classes/:id{[0-9]+}/regents', async (c) => {
    const v = requireAdmin(c);
    const id = intParam(c);
    const body = await c.req.parseBody();
    await addRegent(c.get('rc').deps.db, actorOf(v), id, { email: field(body, 'email'), firstName: field(body, 'first_name'), lastName: field(body, 'last_name') });
    return c.redirect(`/directory/classes/${id}`, 303);
  });

  app.post('/directory/households', async (c) => {
    const v = requireAdmin(c);
    const body = await c.req.parseBody();
    const h = await createHousehold(c.get('rc').deps.db, actorOf(v), { name: field(body, 'name') });
    return c.redirect(`/directory/households/${h.id}`, 303);
  });

  app.post('/directory/households/:id{[0-9]+}/guardians', async (c) => {
    const v = requireAdmin(c);
    const id = intParam(c);
    const body = await c.req.parseBody();
    await addGuardian(c.get('rc').deps.db, actorOf(v), id, { email: field(body, 'email'), firstName: field(body, 'first_name'), lastName: field(body, 'last_name'), phone: field(body, 'phone') });
    return c.redirect(`/directory/households/${id}`, 303);
  });

  app.post('/directory/households/:id{[0-9]+}/pupils', async (c) => {
    const v = requireAdmin(c);
    const id = intParam(c);
    const body = await c.req.parseBody();
    await addPupil(c.get('rc').deps.db, actorOf(v), id, { firstName: field(body, 'first_name'), classId: Number(field(body, 'class_id')) });
    return c.redirect(`/directory/households/${id}`, 303);
  });

  app.post('/directory/pupils/:id{[0-9]+}/class', async (c) => {
    const v = requireAdmin(c);
    const id = intParam(c);
    const body = await c.req.parseBody();
    const householdId = await movePupil(c.get('rc').deps.db, actorOf(v), id, { classId: Number(field(body, 'class_id')) });
    return c.redirect(`/directory/households/${householdId}`, 303);
  });

  app.post('/directory/people/:id{[0-9]+}', async (c) => {
    const v = requireAdmin(c);
    const id = intParam(c);
    const body = await c.req.parseBody();
    await updatePerson(c.get('rc').deps.db, actorOf(v), id, {
      firstName: field(body, 'first_name'),
      lastName: field(body, 'last_name'),
      phone: field(body, 'phone'),
      emails: field(body, 'emails').split(/[\s,;]+/),
    });
    return c.redirect(`/directory/people/${id}?done=1`, 303);
  });

  app.post('/directory/groups', async (c) => {
    const v = requireAdmin(c);
    const body = await c.req.parseBody();
    const g = await createGroup(c.get('rc').deps.db, actorOf(v), { name: field(body, 'name'), kind: field(body, 'kind') });
    return c.redirect(`/directory/groups/${g.id}`, 303);
  });

  app.post('/directory/groups/:id{[0-9]+}/members', async (c) => {
    const v = requireAdmin(c);
    const id = intParam(c);
    const body = await c.req.parseBody();
    await setGroupMember(c.get('rc').deps.db, actorOf(v), id, {
      email: field(body, 'email'),
      firstName: field(body, 'first_name'),
      lastName: field(body, 'last_name'),
      role: field(body, 'role'),
    });
    return c.redirect(`/directory/groups/${id}?done=1`, 303);
  });

  app.post('/directory/groups/:id{[0-9]+}/members/:pid{[0-9]+}/remove', async (c) => {
    const v = requireAdmin(c);
    await removeGroupMember(c.get('rc').deps.db, actorOf(v), intParam(c), intParam(c, 'pid'));
    return c.redirect(`/directory/groups/${intParam(c)}?done=1`, 303);
  });
}
