// Test support: a small survey with the usual kinds of questions, and reading links from the outbox.
import { simpleParser } from 'mailparser';
import type { Queryable } from '../platform/db.ts';
import type { Actor } from '../platform/audit.ts';
import { addQuestion, createSurvey, loadDef } from './survey.ts';

export const ORGANISER: Actor = { personId: null, label: 'test' };
export const MAIL = { publicUrl: 'http://127.0.0.1:9', mailDomain: 'lists.example.org' };
const tx = (fr: string) => ({ fr, oc: '', en: '' });

/** Devices (multiple with other), a condition on "tablet", a required scale, free text. */
export async function aSurvey(db: Queryable, o: { anonymous?: boolean; title?: string } = {}) {
  const id = await createSurvey(db, ORGANISER, {
    title: { fr: o.title ?? 'Pratiques informatiques', oc: 'Practicas informaticas', en: '' },
    intro: tx(''),
    anonymous: o.anonymous ?? false,
    opensAt: null,
    closesAt: null,
    targetRate: 60,
    remindEveryDays: null,
  });
  const def0 = await loadDef(db, id);
  const sectionId = def0.sections[0]!.id;
  const base = { sectionId, required: false, allowOther: false, options: [], columns: [], condition: null };
  const devices = await addQuestion(db, ORGANISER, id, { ...base, kind: 'multiple', prompt: tx('Quels appareils à la maison ?'), allowOther: true, options: [tx('Ordinateur'), tx('Tablette'), tx('Téléphone')] });
  const d1 = await loadDef(db, id);
  const tablet = d1.sections[0]!.questions[0]!.options[1]!.id;
  const internet = await addQuestion(db, ORGANISER, id, { ...base, kind: 'single', required: true, prompt: tx('Accès à internet ?'), options: [tx('Oui'), tx('Non')] });
  const tabletUse = await addQuestion(db, ORGANISER, id, { ...base, kind: 'short_text', required: true, prompt: tx('À quoi sert la tablette ?'), condition: { questionId: devices, optionId: tablet } });
  const ease = await addQuestion(db, ORGANISER, id, { ...base, kind: 'scale', required: true, prompt: tx('Aisance avec le numérique') });
  const comment = await addQuestion(db, ORGANISER, id, { ...base, kind: 'long_text', prompt: tx('Remarques') });
  const def = await loadDef(db, id);
  const q = def.sections[0]!.questions;
  return {
    id,
    def,
    q: { devices, internet, tabletUse, ease, comment },
    opt: {
      computer: q[0]!.options[0]!.id,
      tablet,
      phone: q[0]!.options[2]!.id,
      yes: q[1]!.options[0]!.id,
      no: q[1]!.options[1]!.id,
    },
  };
}

/** Survey links mailed to an address, oldest first, decoded from the stored messages. */
export async function linksFor(db: Queryable, email: string): Promise<string[]> {
  const rows = await db.selectFrom('outbox_message').select(['raw', 'envelope_to']).orderBy('id').execute();
  const out: string[] = [];
  for (const r of rows) {
    if (!r.envelope_to.includes(email)) continue;
    const m = await simpleParser(Buffer.from(r.raw));
    for (const x of (m.text ?? '').matchAll(/\/s\/([A-Za-z0-9_-]{43})/g)) out.push(x[1]!);
  }
  return [...new Set(out)];
}
