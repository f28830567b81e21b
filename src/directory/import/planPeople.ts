// Pass 2 of the plan: which person each person block is. One address = one person: blocks
// sharing an address, and addresses the directory already gives to one person, are the same
// person; two names for one address, or addresses of two directory people, are errors.
import type { ImportIssue, Plan, Snapshot } from './plan.ts';
import type { PersonInput } from './rows.ts';
import { sameName } from './sheets.ts';

class UnionFind {
  parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string) {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

export interface PlannedPeople {
  /** The plan key of person block i; undefined when the block's person is in error. */
  personKey(i: number): string | undefined;
  /** "First Last" by plan key, for the labels of the links. */
  personLabel: Map<string, string>;
}

/** Plans the people (created, updated, unchanged) into `plan.people` and `plan.ids`. */
export function planPeople(people: PersonInput[], snap: Snapshot, plan: Plan, errors: ImportIssue[]): PlannedPeople {
  const ownerOf = new Map<string, number>();
  for (const p of snap.people) for (const e of p.emails) ownerOf.set(e, p.id);
  const uf = new UnionFind();
  const badPerson = new Set<number>();
  // Each block joins its addresses, and an address the directory knows joins its owner.
  people.forEach((p, i) => {
    for (const e of p.emails) {
      uf.union(`in:${i}`, `e:${e}`);
      const owner = ownerOf.get(e);
      if (owner !== undefined) uf.union(`e:${e}`, `db:${owner}`);
    }
  });
  const clusters = new Map<string, number[]>();
  people.forEach((_, i) => {
    const root = uf.find(`in:${i}`);
    const list = clusters.get(root);
    if (list) list.push(i);
    else clusters.set(root, [i]);
  });
  const personKeyOf = new Map<number, string>();
  const personPlan = plan.people;
  const personLabel = new Map<string, string>();
  const dbPeople = new Map(snap.people.map((p) => [p.id, p]));
  for (const members of clusters.values()) {
    const first = people[members[0]!]!;
    // The directory people this cluster reaches, in the order the file reaches them.
    const owners: number[] = [];
    let conflict = false;
    for (const i of members) {
      for (const e of people[i]!.emails) {
        const o = ownerOf.get(e);
        if (o !== undefined && !owners.includes(o)) {
          owners.push(o);
          if (owners.length === 2) {
            conflict = true;
            const [a, b] = owners.map((id) => dbPeople.get(id)!);
            errors.push({
              ...people[i]!.at,
              column: people[i]!.emailColumn,
              key: 'import.error.emailTwoPeople',
              params: { email: e, name: `${b!.firstName} ${b!.lastName}`, other: `${a!.firstName} ${a!.lastName}` },
            });
          }
        }
      }
    }
    for (const i of members.slice(1)) {
      const p = people[i]!;
      if (sameName(p.firstName) !== sameName(first.firstName) || sameName(p.lastName) !== sameName(first.lastName)) {
        conflict = true;
        const shared = p.emails.find((e) => first.emails.includes(e)) ?? p.emails[0]!;
        errors.push({
          ...p.at,
          column: p.emailColumn,
          key: 'import.error.emailTwoNames',
          params: { email: shared, name: `${p.firstName} ${p.lastName}`, other: `${first.firstName} ${first.lastName}`, line: first.at.line },
        });
      }
    }
    if (conflict) {
      for (const i of members) badPerson.add(i);
      continue;
    }
    const emails = [...new Set(members.flatMap((i) => people[i]!.emails))];
    const phone = members.map((i) => people[i]!.phone).find((x) => x) ?? null;
    const existing = owners.length ? dbPeople.get(owners[0]!)! : undefined;
    const key = existing ? `p#${existing.id}` : `p:${emails[0]}`;
    for (const i of members) personKeyOf.set(i, key);
    const label = `${first.firstName} ${first.lastName} <${emails[0]}>`;
    personLabel.set(key, `${first.firstName} ${first.lastName}`);
    if (!existing) {
      personPlan.push({ action: 'create', key, label, at: first.at, firstName: first.firstName, lastName: first.lastName, phone, addEmails: emails });
      continue;
    }
    plan.ids[key] = existing.id;
    const addEmails = emails.filter((e) => !existing.emails.includes(e));
    const renamed = existing.firstName !== first.firstName || existing.lastName !== first.lastName;
    const rephoned = phone !== null && phone !== existing.phone;
    const changes: string[] = [];
    if (renamed) changes.push(`${existing.firstName} ${existing.lastName}`);
    if (rephoned) changes.push(existing.phone ?? '—');
    personPlan.push({
      action: renamed || rephoned || addEmails.length ? 'update' : 'unchanged',
      key,
      id: existing.id,
      label,
      ...(changes.length ? { before: changes.join(' · ') } : {}),
      at: first.at,
      firstName: first.firstName,
      lastName: first.lastName,
      phone: rephoned ? phone : existing.phone,
      addEmails,
    });
  }
  return { personKey: (i) => (badPerson.has(i) ? undefined : personKeyOf.get(i)), personLabel };
}
