// `ostal lists …`: the same operations as the list pages, for the IT group's scripts.
import fs from 'node:fs';
import { CLI_ACTOR } from '../platform/audit.ts';
import { UsageError, type CliCommand, type CliEnv } from '../platform/cli/command.ts';
import { NotFound } from '../platform/errors.ts';
import { createDirectoryLists, createList, listBySlug, listMembers, listOwners, normalizeAddress, renameAddress, transferOwnership } from './lists.ts';
import { importSympaSubscribers } from './sympa.ts';
import type { ListKind, ListPolicy } from './tables.ts';
import { dkimDnsRecord, ensureListKeys } from './keys.ts';
import { personByEmail } from '../directory/people.ts';

function slugOf(env: CliEnv, arg: string | undefined): string {
  if (!arg) throw new UsageError('ADDRESS is required (e.g. cm1-escola-a or cm1-escola-a@' + env.config.mailDomain + ')');
  const a = arg.toLowerCase();
  const suffix = `@${env.config.mailDomain}`;
  return a.endsWith(suffix) ? a.slice(0, -suffix.length) : a.includes('@') ? a.replace(/@.*/, '') : a;
}

async function personIdByEmail(env: CliEnv, email: string): Promise<number> {
  const personId = await personByEmail(env.db, normalizeAddress(email));
  if (personId === undefined) throw new NotFound('lists.error.noPerson', { address: email });
  return personId;
}

export const listsCommands: CliCommand[] = [
  {
    words: ['lists', 'ls'],
    args: '',
    summary: 'All lists with their address, kind, policy, number of members and owners.',
    async run(env, _args, opts) {
      const lists = await env.db.selectFrom('mailing_list').selectAll().orderBy('slug').execute();
      const out = [];
      for (const l of lists) {
        const [members, owners] = await Promise.all([listMembers(env.db, l.id), listOwners(env.db, l.id)]);
        out.push({
          address: `${l.slug}@${env.config.mailDomain}`,
          name: l.name,
          kind: l.kind,
          policy: l.policy,
          members: members.length,
          owners: owners.map((o) => o.email ?? `${o.first_name} ${o.last_name}`),
        });
      }
      if (opts.json) {
        env.json(out);
        return;
      }
      if (out.length === 0) env.print('No list yet: `ostal lists create --from-directory` creates the class, school and group lists.');
      for (const l of out) env.print(`${l.address}  ${l.kind}/${l.policy}  ${l.members} members  owners: ${l.owners.join(', ') || '-'}  (${l.name})`);
    },
  },
  {
    words: ['lists', 'members'],
    args: 'ADDRESS',
    summary: "A list's members (computed from the directory for derived lists), with delivery mode.",
    async run(env, [address], opts) {
      const list = await listBySlug(env.db, slugOf(env, address));
      const members = await listMembers(env.db, list.id);
      if (opts.json) {
        env.json(members);
        return;
      }
      for (const m of members) env.print(`${m.address}  ${m.disabled ? 'disabled' : m.delivery}${m.fromDirectory ? '  (directory)' : ''}`);
      env.print(`${members.length} members`);
    },
  },
  {
    words: ['lists', 'create'],
    args: '[ADDRESS]',
    summary: 'Create a list (hand-made by default), or with --from-directory every missing class and group list.',
    options: {
      name: { type: 'string', description: 'the list name shown to members' },
      kind: { type: 'string', description: 'manual (default), class, school or group' },
      class: { type: 'string', description: 'class id (kind class)' },
      school: { type: 'string', description: 'school slug (kind school)' },
      group: { type: 'string', description: 'group slug (kind group)' },
      owner: { type: 'string', description: 'e-mail of an owner (needed unless the directory gives one)' },
      policy: { type: 'string', description: 'announce, discussion or moderated' },
      'from-directory': { type: 'boolean', description: 'create the missing lists of the current classes and of the groups' },
    },
    async run(env, [address], opts) {
      if (opts['from-directory']) {
        const created = await env.db.transaction().execute((trx) => createDirectoryLists(trx, CLI_ACTOR));
        if (opts.json) {
        env.json({ created: created.map((s) => `${s}@${env.config.mailDomain}`) });
        return;
      }
        env.print(created.length ? `Lists created or carried over: ${created.join(', ')}` : 'Nothing to create.');
        return;
      }
      const slug = slugOf(env, address);
      const kind = (typeof opts.kind === 'string' ? opts.kind : 'manual') as ListKind;
      if (!['manual', 'class', 'school', 'group'].includes(kind)) throw new UsageError('--kind is manual, class, school or group');
      const policy = typeof opts.policy === 'string' ? (opts.policy as ListPolicy) : undefined;
      if (policy && !['announce', 'discussion', 'moderated'].includes(policy)) throw new UsageError('--policy is announce, discussion or moderated');
      let schoolId: number | undefined;
      let groupId: number | undefined;
      if (kind === 'school') schoolId = (await env.db.selectFrom('dir_school').select('id').where('slug', '=', String(opts.school ?? '')).executeTakeFirst())?.id;
      if (kind === 'group') groupId = (await env.db.selectFrom('dir_group').select('id').where('slug', '=', String(opts.group ?? '')).executeTakeFirst())?.id;
      if (kind === 'school' && !schoolId) throw new UsageError('--school SLUG of an existing school is required');
      if (kind === 'group' && !groupId) throw new UsageError('--group SLUG of an existing group is required');
      if (kind === 'class' && !/^\d+$/.test(String(opts.class ?? ''))) throw new UsageError('--class ID is required');
      const owners = typeof opts.owner === 'string' ? [await personIdByEmail(env, opts.owner)] : [];
      const list = await env.db.transaction().execute((trx) =>
        createList(trx, CLI_ACTOR, {
          slug,
          name: typeof opts.name === 'string' ? opts.name : slug,
          kind,
          ...(kind === 'class' ? { classId: Number(opts.class) } : {}),
          ...(schoolId ? { schoolId } : {}),
          ...(groupId ? { groupId } : {}),
          ...(policy ? { policy } : {}),
          owners,
        }),
      );
      if (opts.json) {
        env.json({ address: `${list.slug}@${env.config.mailDomain}`, id: list.id, kind: list.kind, policy: list.policy });
        return;
      }
      env.print(`List ${list.slug}@${env.config.mailDomain} created.`);
    },
  },
  {
    words: ['lists', 'transfer'],
    args: 'ADDRESS NEW_OWNER_EMAIL',
    summary: 'Hand the ownership of a list to another person (recorded; owners from the directory stay).',
    async run(env, [address, email], opts) {
      if (!email) throw new UsageError('NEW_OWNER_EMAIL is required');
      const list = await listBySlug(env.db, slugOf(env, address));
      const personId = await env.db.transaction().execute((trx) => transferOwnership(trx, CLI_ACTOR, list.id, email));
      const owners = await listOwners(env.db, list.id);
      if (opts.json) {
        env.json({ address: `${list.slug}@${env.config.mailDomain}`, owner: personId, owners: owners.map((o) => o.email) });
        return;
      }
      env.print(`${list.slug}@${env.config.mailDomain} now owned by ${owners.map((o) => o.email).join(', ')}.`);
    },
  },
  {
    words: ['lists', 'rename'],
    args: 'ADDRESS NEW_ADDRESS',
    summary: "Change a list's address (the local part before @).",
    async run(env, [address, next], opts) {
      if (!next) throw new UsageError('NEW_ADDRESS is required');
      const list = await listBySlug(env.db, slugOf(env, address));
      await renameAddress(env.db, CLI_ACTOR, list.id, slugOf(env, next));
      if (opts.json) {
        env.json({ address: `${slugOf(env, next)}@${env.config.mailDomain}` });
        return;
      }
      env.print(`Renamed to ${slugOf(env, next)}@${env.config.mailDomain}.`);
    },
  },
  {
    words: ['lists', 'import'],
    args: 'ADDRESS FILE',
    summary: 'Add the subscribers of a Sympa export (one address per line) to a list; nothing is added if a line is invalid.',
    options: { 'skip-invalid': { type: 'boolean', description: 'add the valid lines and report the others' } },
    async run(env, [address, file], opts) {
      if (!file) throw new UsageError('FILE is required');
      const list = await listBySlug(env.db, slugOf(env, address));
      const text = fs.readFileSync(file, 'utf8');
      const r = await env.db.transaction().execute((trx) => importSympaSubscribers(trx, CLI_ACTOR, list.id, text, { skipInvalid: opts['skip-invalid'] === true }));
      if (opts.json) {
        env.json(r);
        return;
      }
      for (const i of r.invalid) env.print(`line ${i.line}: not an address: ${i.text}`);
      env.print(`${r.added} added, ${r.alreadyMembers} already members${r.invalid.length ? `, ${r.invalid.length} invalid lines` : ''}.`);
      if (r.invalid.length && !opts['skip-invalid']) return 1;
    },
  },
  {
    words: ['lists', 'dkim'],
    args: '',
    summary: 'The DNS record to publish for the DKIM signature of the list domain.',
    async run(env, _args, opts) {
      const rec = dkimDnsRecord(await ensureListKeys(env.db, env.config.mailDomain));
      if (opts.json) {
        env.json(rec);
        return;
      }
      env.print(`${rec.name}. IN TXT "${rec.value}"`);
    },
  },
];
