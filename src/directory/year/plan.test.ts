import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextYearLabel, parseYearLabel, planRollover, schoolYearOf, trackOf, type RolloverSnapshot, type SnapshotClass } from './plan.ts';

const LEVELS = ['TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'].map((code, rank) => ({ code, rank }));

function cls(id: number, name: string, level: string, o: Partial<SnapshotClass> = {}): SnapshotClass {
  return { id, schoolId: 1, name, level, regentIds: [], lineage: [], ...o };
}

function snapshot(classes: SnapshotClass[], enrolments: Array<[pupil: number, cls: number, previous?: Array<number | null>]>): RolloverSnapshot {
  return {
    year: { label: '2026-2027' },
    levels: LEVELS,
    classes,
    enrolments: enrolments.map(([pupilId, classId, previousClassIds]) => ({ pupilId, classId, previousClassIds: previousClassIds ?? [] })),
  };
}

const target = (plan: ReturnType<typeof planRollover>, pupilId: number) => plan.moves.find((m) => m.pupilId === pupilId)?.toFromClassId;

test('the new year follows the current one, from 1 September to 31 August', () => {
  const plan = planRollover(snapshot([], []));
  assert.deepEqual(plan.year, { label: '2027-2028', startsOn: '2027-09-01', endsOn: '2028-08-31' });
  assert.equal(nextYearLabel('2030-2031'), '2031-2032');
  assert.equal(parseYearLabel('2026-2028'), null);
  assert.equal(parseYearLabel('26-27'), null);
  assert.equal(schoolYearOf(new Date('2026-11-29T00:00:00Z')), '2026-2027');
  assert.equal(schoolYearOf(new Date('2027-06-30T00:00:00Z')), '2026-2027');
  assert.equal(schoolYearOf(new Date('2027-09-01T00:00:00Z')), '2027-2028');
});

test('a CE2 pupil goes to the CM1 class; a CM2 pupil leaves; every class is copied with its regents', () => {
  const plan = planRollover(
    snapshot([cls(10, 'CE2', 'CE2', { regentIds: [7] }), cls(11, 'CM1', 'CM1', { regentIds: [9, 8] }), cls(12, 'CM2', 'CM2')], [
      [1, 10],
      [2, 11],
      [3, 12],
    ]),
  );
  assert.equal(target(plan, 1), 11);
  assert.equal(target(plan, 2), 12);
  assert.deepEqual(plan.leavers, [{ pupilId: 3, fromClassId: 12 }]);
  assert.deepEqual(
    plan.classes.map((c) => [c.fromClassId, c.name, c.level, c.regentIds]),
    [
      [10, 'CE2', 'CE2', [7]],
      [11, 'CM1', 'CM1', [8, 9]],
      [12, 'CM2', 'CM2', []],
    ],
  );
});

test('a multi-level class keeps its pupils for its next level, then sends them on', () => {
  const classes = [cls(1, 'PS-MS', 'PS', { lineage: [101] }), cls(2, 'GS-CP', 'GS'), cls(3, 'CE1', 'CE1'), cls(4, 'CE2-CM1', 'CE2'), cls(5, 'CM2', 'CM2')];
  const plan = planRollover(
    snapshot(classes, [
      [1, 1], // first year in PS-MS: PS → MS, stays
      [2, 1, [101]], // second year in the same line: MS → GS-CP
      [3, 2], // GS → CP, stays in GS-CP
      [4, 3], // CE1 → CE2-CM1
      [5, 4], // CE2 → CM1, stays
      [6, 4, [999]], // a different class last year does not count as the same line
    ]),
  );
  assert.deepEqual(
    plan.moves.map((m) => [m.pupilId, m.toFromClassId, m.level]),
    [
      [1, 1, 'MS'],
      [2, 2, 'GS'],
      [3, 2, 'CP'],
      [4, 4, 'CE2'],
      [5, 4, 'CM1'],
      [6, 4, 'CM1'],
    ],
  );
});

test('a pupil at the top of a multi-level top class leaves after their last level', () => {
  const plan = planRollover(snapshot([cls(1, 'CE2', 'CE2'), cls(2, 'CM1-CM2', 'CM1', { lineage: [50] })], [[1, 2], [2, 2, [50]]]));
  assert.equal(target(plan, 1), 2);
  assert.deepEqual(plan.leavers, [{ pupilId: 2, fromClassId: 2 }]);
});

test('with two classes of the next level the pupil follows their track, else their position', () => {
  const classes = [
    cls(1, 'CE1 A', 'CE1'),
    cls(2, 'CE1 B', 'CE1'),
    cls(3, 'CE2 B', 'CE2'),
    cls(4, 'CE2 A', 'CE2'),
    cls(5, 'CP Lop', 'CP'),
    cls(6, 'CP Auzèl', 'CP'),
    cls(7, 'CM1', 'CM1'),
  ];
  const plan = planRollover(snapshot(classes, [[1, 1], [2, 2], [3, 5], [4, 6]]));
  assert.equal(target(plan, 1), 4, 'CE1 A → CE2 A');
  assert.equal(target(plan, 2), 3, 'CE1 B → CE2 B');
  // No track matches: by name order, "CP Auzèl" is first and feeds "CE1 A", "CP Lop" feeds "CE1 B".
  assert.equal(target(plan, 4), 1);
  assert.equal(target(plan, 3), 2);
  assert.equal(trackOf('CE2-CM1', LEVELS.map((l) => l.code)), '');
  assert.equal(trackOf('CE1 Lop', LEVELS.map((l) => l.code)), 'lop');
});

test('pupils stay in their own school', () => {
  const plan = planRollover(snapshot([cls(1, 'CE1', 'CE1', { schoolId: 1 }), cls(2, 'CE2', 'CE2', { schoolId: 2 }), cls(3, 'CE2', 'CE2', { schoolId: 1 })], [[1, 1]]));
  assert.equal(target(plan, 1), 3);
});

test('the plan does not depend on the order of its input', () => {
  const classes = [cls(1, 'PS-MS', 'PS'), cls(2, 'GS-CP', 'GS'), cls(3, 'CE1', 'CE1')];
  const a = planRollover(snapshot(classes, [[1, 1], [2, 2], [3, 3]]));
  const b = planRollover(snapshot([...classes].reverse(), [[3, 3], [2, 2], [1, 1]]));
  assert.deepEqual(a, b);
});
