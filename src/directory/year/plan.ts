// The year rollover as a pure plan over plain data: which classes the new year gets and
// where every pupil goes. rollover.ts reads the snapshot and applies the plan.
//
// The schema gives a class one level (the lowest it teaches), so a pupil's level is read
// from their class. Multi-level classes (PS-MS, CE2-CM1) are handled by "coverage": a class
// covers its level and every level up to the next level another class of the same school
// starts at (the school's top class covers up to the last level). The rules, in order:
//
// 1. A pupil's level is their class's level, plus one for each consecutive earlier year they
//    spent in the same line of classes (the class of last year this class continues, and so
//    on), capped at the top level the class covers. So a pupil who entered PS-MS in PS is in
//    MS in their second year there. Right after an import there is no history: everybody in
//    a PS-MS class counts as PS (the administrator moves the MS pupils once, with "Change class"
//    on the household page).
// 2. A pupil at the last level (CM2) leaves: no enrolment in the new year; their household,
//    pupil row and past enrolments stay.
// 3. Otherwise the pupil goes to the new-year copy of a class of the same school covering the
//    next level: their own class if it covers it (a multi-level class keeps its pupils for
//    its next level); else the one class on the same track (same name once the level codes
//    are removed: "CE1 A" → "CE2 A"); else by position (the n-th class of their level,
//    ordered by name, feeds the n-th candidate ordered by name, or the last candidate).

export interface SnapshotClass {
  id: number;
  schoolId: number;
  name: string;
  level: string;
  regentIds: number[];
  /** The classes this one continues, nearest year first (previous_class_id chain). */
  lineage: number[];
}

export interface SnapshotEnrolment {
  pupilId: number;
  classId: number;
  /** The pupil's class 1, 2, … years ago (null when not enrolled that year). */
  previousClassIds: Array<number | null>;
}

export interface RolloverSnapshot {
  year: { label: string };
  levels: Array<{ code: string; rank: number }>;
  classes: SnapshotClass[];
  enrolments: SnapshotEnrolment[];
}

export interface PlannedClass {
  /** The current-year class this new class continues (its previous_class_id). */
  fromClassId: number;
  schoolId: number;
  name: string;
  level: string;
  regentIds: number[];
}

export interface PlannedMove {
  pupilId: number;
  fromClassId: number;
  /** The new-year class, named by the current class it is a copy of. */
  toFromClassId: number;
  /** The level the pupil will be at in the new year. */
  level: string;
}

export interface RolloverPlan {
  year: { label: string; startsOn: string; endsOn: string };
  classes: PlannedClass[];
  moves: PlannedMove[];
  leavers: Array<{ pupilId: number; fromClassId: number }>;
}

const LABEL = /^(\d{4})-(\d{4})$/;

/** "2026-2027" when valid (consecutive years), else null. */
export function parseYearLabel(label: string): { start: number; end: number } | null {
  const m = LABEL.exec(label.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end !== start + 1 || start < 1900 || start > 2999) return null;
  return { start, end };
}

/** French school years run from 1 September to 31 August. */
export function yearDates(label: string): { label: string; startsOn: string; endsOn: string } {
  const y = parseYearLabel(label);
  if (!y) throw new Error(`bad school year label: ${label}`);
  return { label: `${y.start}-${y.end}`, startsOn: `${y.start}-09-01`, endsOn: `${y.end}-08-31` };
}

/** The year after (or, with step -1, before) a school year. */
export function nextYearLabel(label: string, step = 1): string {
  const y = parseYearLabel(label);
  if (!y) throw new Error(`bad school year label: ${label}`);
  return `${y.start + step}-${y.end + step}`;
}

/** The school year a date falls in (from 1 September). */
export function schoolYearOf(date: Date): string {
  const y = date.getUTCFullYear();
  const start = date.getUTCMonth() >= 8 ? y : y - 1;
  return `${start}-${start + 1}`;
}

/** A class's track: its name without level codes, so "CE1 A" and "CE2 A" share track "A". */
export function trackOf(name: string, levelCodes: string[]): string {
  const codes = new RegExp(`\\b(${levelCodes.map((c) => c.replace(/[^A-Za-z0-9]/g, '')).join('|')})\\b`, 'gi');
  return name.replace(codes, ' ').replace(/[^\p{L}\p{N}]+/gu, ' ').trim().toLowerCase();
}

export function planRollover(s: RolloverSnapshot): RolloverPlan {
  const levels = [...s.levels].sort((a, b) => a.rank - b.rank);
  const rankOf = new Map(levels.map((l, i) => [l.code, i]));
  const codeAt = (i: number) => levels[i]!.code;
  const lastRank = levels.length - 1;
  const byId = new Map(s.classes.map((c) => [c.id, c]));
  const codes = levels.map((l) => l.code);

  // Coverage: from the class's level up to the level before the next one started by another class of its school.
  const top = new Map<number, number>();
  for (const c of s.classes) {
    const mine = rankOf.get(c.level);
    if (mine === undefined) throw new Error(`unknown level ${c.level}`);
    const above = s.classes
      .filter((o) => o.schoolId === c.schoolId)
      .map((o) => rankOf.get(o.level)!)
      .filter((r) => r > mine);
    top.set(c.id, above.length ? Math.min(...above) - 1 : lastRank);
  }
  const covers = (c: SnapshotClass, r: number) => rankOf.get(c.level)! <= r && r <= top.get(c.id)!;
  const byName = (a: SnapshotClass, b: SnapshotClass) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id);

  const moves: PlannedMove[] = [];
  const leavers: RolloverPlan['leavers'] = [];
  for (const e of [...s.enrolments].sort((a, b) => a.pupilId - b.pupilId)) {
    const cls = byId.get(e.classId);
    if (!cls) throw new Error(`enrolment in unknown class ${e.classId}`);
    let yearsInLine = 0;
    while (yearsInLine < cls.lineage.length && e.previousClassIds[yearsInLine] === cls.lineage[yearsInLine]) yearsInLine++;
    const level = Math.min(rankOf.get(cls.level)! + yearsInLine, top.get(cls.id)!);
    if (level >= lastRank) {
      leavers.push({ pupilId: e.pupilId, fromClassId: cls.id });
      continue;
    }
    const target = level + 1;
    let to: SnapshotClass = cls;
    if (!covers(cls, target)) {
      const candidates = s.classes.filter((o) => o.schoolId === cls.schoolId && covers(o, target)).sort(byName);
      const track = trackOf(cls.name, codes);
      const sameTrack = track ? candidates.filter((o) => trackOf(o.name, codes) === track) : [];
      if (sameTrack.length === 1) to = sameTrack[0]!;
      else if (candidates.length > 0) {
        const siblings = s.classes.filter((o) => o.schoolId === cls.schoolId && o.level === cls.level).sort(byName);
        to = candidates[Math.min(siblings.indexOf(cls), candidates.length - 1)]!;
      }
    }
    moves.push({ pupilId: e.pupilId, fromClassId: cls.id, toFromClassId: to.id, level: codeAt(target) });
  }

  return {
    year: yearDates(nextYearLabel(s.year.label)),
    classes: [...s.classes]
      .sort((a, b) => a.id - b.id)
      .map((c) => ({ fromClassId: c.id, schoolId: c.schoolId, name: c.name, level: c.level, regentIds: [...c.regentIds].sort((a, b) => a - b) })),
    moves,
    leavers,
  };
}
