// The plan's groups (commissions, bureau, volunteers…) and their memberships with a role.
import { slugify } from '../names.ts';
import type { Loc, Plan, Planning, Snapshot } from './plan.ts';
import type { GroupRec } from './rows.ts';

export function planGroups(ctx: Planning, groupRecs: GroupRec[]): void {
  const { snap, plan, errors, personKey, personLabel } = ctx;
  const dbMembers = new Map(snap.members.map((m) => [`${m.groupId}|${m.personId}`, m]));
  const dbGroupBySlug = new Map<string, Snapshot['groups'][number]>();
  for (const g of snap.groups) {
    dbGroupBySlug.set(g.slug, g);
    if (!dbGroupBySlug.has(slugify(g.name))) dbGroupBySlug.set(slugify(g.name), g);
  }
  const groupItems = new Map<string, Plan['groups'][number]>();
  const memberSeen = new Map<string, Loc>();
  for (const rec of groupRecs) {
    const slug = slugify(rec.group);
    const gKey = `g:${slug}`;
    let gItem = groupItems.get(gKey);
    if (gItem && gItem.kind !== rec.kind) {
      errors.push({ ...rec.at, column: 'type', key: 'import.error.groupKindConflict', params: { group: rec.group, kind: rec.kind, other: gItem.kind, line: gItem.at.line } });
      continue;
    }
    if (!gItem) {
      const existing = dbGroupBySlug.get(slug);
      gItem = existing
        ? {
            action: existing.kind === rec.kind ? 'unchanged' : 'update',
            key: gKey,
            id: existing.id,
            label: `${existing.name} · ${rec.kind}`,
            ...(existing.kind !== rec.kind ? { before: existing.kind } : {}),
            at: rec.at,
            name: existing.name,
            slug: existing.slug,
            kind: rec.kind,
          }
        : { action: 'create', key: gKey, label: `${rec.group} · ${rec.kind}`, at: rec.at, name: rec.group, slug, kind: rec.kind };
      if (existing) plan.ids[gKey] = existing.id;
      groupItems.set(gKey, gItem);
      plan.groups.push(gItem);
    }
    const pKey = personKey(rec.person);
    if (pKey === undefined) continue;
    const mKey = `${gKey}#${pKey}`;
    const dup = memberSeen.get(mKey);
    if (dup) {
      errors.push({ ...rec.at, column: 'email', key: 'import.error.duplicateRow', params: { line: dup.line } });
      continue;
    }
    memberSeen.set(mKey, rec.at);
    const gid = plan.ids[gKey];
    const pid = plan.ids[pKey];
    const current = gid !== undefined && pid !== undefined ? dbMembers.get(`${gid}|${pid}`) : undefined;
    plan.memberships.push({
      action: current === undefined ? 'create' : current.role === rec.role ? 'unchanged' : 'update',
      key: mKey,
      label: `${personLabel.get(pKey)} → ${gItem.name} (${rec.role})`,
      ...(current && current.role !== rec.role ? { before: current.role } : {}),
      at: rec.at,
      groupKey: gKey,
      personKey: pKey,
      role: rec.role,
    });
  }
}
