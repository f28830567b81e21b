// The demo association's survey: "pratiques informatiques des familles", sent to every parent,
// with fictional answers from about two thirds of them so that the analysis shows something on
// first start, a template to start the next one from, and invitations in the outbox (their
// personal links hidden there, like every sensitive mail).
import { sql } from 'kysely';
import type { Queryable } from '../platform/db.ts';
import type { Actor } from '../platform/audit.ts';
import { createMailer } from '../platform/mail.ts';
import { loadConfig } from '../platform/config.ts';
import type { Answers, Texts } from './answers.ts';
import { addAudience, openSurvey } from './campaign.ts';
import { addQuestion, addSection, copySurvey, createSurvey, loadDef, type QuestionInput } from './survey.ts';

const T = (fr: string, oc: string, en: string): Texts => ({ fr, oc, en });

/** A small deterministic generator: the same demo every time. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REMARKS = [
  'Un atelier le samedi matin serait idéal.',
  'Nous aimerions savoir quels logiciels la classe utilise.',
  'Pas d’imprimante : difficile pour les fiches de devoirs.',
  'Mèfi als ecrans, mas es util per la lenga.',
  'Les démarches en ligne de la mairie sont compliquées.',
  'Merci pour cette enquête !',
  'Un ordinateur partagé pour trois enfants, ce n’est pas simple.',
];
const TOPICS = ['La messagerie', 'Protéger les enfants en ligne', 'Les démarches administratives', 'Lo traitament de tèxte', 'Sauvegarder ses photos'];

export async function loadSurveysDemo(db: Queryable, actor: Actor, seed = 2026): Promise<Record<string, number>> {
  const rnd = prng(seed);
  const pick = <X,>(xs: X[]) => xs[Math.floor(rnd() * xs.length)]!;
  const id = await createSurvey(db, actor, {
    title: T('Pratiques informatiques des familles', 'Practicas informaticas de las familhas', 'Families’ computing practices'),
    intro: T(
      'Pour préparer des ateliers et mieux communiquer, dites-nous comment votre famille utilise le numérique. Cinq minutes suffisent.',
      'Per preparar de talhièrs e melhor comunicar, digatz-nos cossí vòstra familha utiliza lo numeric. Cinc minutas bastan.',
      'To prepare workshops and communicate better, tell us how your family uses digital tools. Five minutes are enough.',
    ),
    anonymous: false,
    opensAt: null,
    closesAt: null,
    targetRate: 70,
    remindEveryDays: null,
  });
  const def0 = await loadDef(db, id);
  const s1 = def0.sections[0]!.id;
  await db.updateTable('survey_section').set({ title_fr: 'Équipement', title_oc: 'Equipament', title_en: 'Equipment' }).where('id', '=', s1).execute();
  const s2 = await addSection(db, actor, id, T('Usages', 'Usatges', 'Uses'));
  const base = { required: false, allowOther: false, options: [] as Texts[], columns: [] as Texts[], condition: null };
  const add = (q: Partial<QuestionInput> & Pick<QuestionInput, 'kind' | 'prompt' | 'sectionId'>) => addQuestion(db, actor, id, { ...base, ...q });
  const devices = await add({
    sectionId: s1,
    kind: 'multiple',
    allowOther: true,
    prompt: T('Quels appareils avez-vous à la maison ?', 'Quines aparelhs avètz a l’ostal ?', 'Which devices do you have at home?'),
    options: [T('Ordinateur', 'Ordenador', 'Computer'), T('Tablette', 'Tauleta', 'Tablet'), T('Smartphone', 'Telefonet', 'Smartphone'), T('Imprimante', 'Imprimenta', 'Printer')],
  });
  const internet = await add({
    sectionId: s1,
    kind: 'single',
    required: true,
    prompt: T('Quel accès à internet à la maison ?', 'Quin accès a internet a l’ostal ?', 'What internet access at home?'),
    options: [T('Fibre ou ADSL', 'Fibra o ADSL', 'Fibre or DSL'), T('Téléphone (4G/5G) seulement', 'Telefonet (4G/5G) solament', 'Mobile (4G/5G) only'), T('Pas d’accès', 'Pas d’accès', 'No access')],
  });
  const screens = await add({ sectionId: s1, kind: 'number', prompt: T('Combien d’écrans à la maison ?', 'Quantes ecrans a l’ostal ?', 'How many screens at home?') });
  const ease = await add({ sectionId: s2, kind: 'scale', required: true, prompt: T('Votre aisance avec le numérique (1 à 5)', 'Vòstra aisença amb lo numeric (1 a 5)', 'How comfortable are you with digital tools (1 to 5)') });
  const freq = await add({
    sectionId: s2,
    kind: 'matrix',
    prompt: T('À quelle fréquence…', 'Cada quant…', 'How often…'),
    options: [T('lisez-vous vos courriels ?', 'legissètz vòstres corrièls ?', 'do you read your e-mail?'), T('faites-vous des démarches en ligne ?', 'fasètz de demarchas en linha ?', 'do you do paperwork online?'), T('les enfants font-ils des devoirs sur écran ?', 'los enfants fan de devers sus ecran ?', 'do the children do homework on a screen?')],
    columns: [T('Jamais', 'Jamai', 'Never'), T('Parfois', 'De còps', 'Sometimes'), T('Souvent', 'Sovent', 'Often')],
  });
  const workshop = await add({
    sectionId: s2,
    kind: 'single',
    required: true,
    prompt: T('Un atelier d’initiation vous intéresserait-il ?', 'Un talhièr d’iniciacion vos interessariá ?', 'Would an introductory workshop interest you?'),
    options: [T('Oui', 'Òc', 'Yes'), T('Non', 'Non', 'No'), T('Peut-être', 'Benlèu', 'Maybe')],
  });
  const def1 = await loadDef(db, id);
  const wq = def1.sections[1]!.questions.find((q) => q.id === workshop)!;
  const topic = await add({
    sectionId: s2,
    kind: 'short_text',
    prompt: T('Sur quel sujet ?', 'Sus quin subjècte ?', 'On which topic?'),
    condition: { questionId: workshop, optionId: wq.options[0]!.id },
  });
  const remarks = await add({ sectionId: s2, kind: 'long_text', prompt: T('Remarques', 'Remarcas', 'Remarks') });
  const def = await loadDef(db, id);
  const all = def.sections.flatMap((s) => s.questions);
  const q = (qid: number) => all.find((x) => x.id === qid)!;

  await copySurvey(db, actor, id, { isTemplate: true, title: 'Modèle : pratiques informatiques des familles' });
  await addAudience(db, actor, id, 'all_parents', null);
  let publicUrl = 'http://localhost:8080';
  let mailDomain = 'lists.example.org';
  try {
    const c = loadConfig();
    publicUrl = c.publicUrl;
    mailDomain = c.mailDomain;
  } catch {
    // a bad configuration stops the server elsewhere; the demo keeps example values
  }
  const mailer = createMailer({});
  const opened = await openSurvey(db, mailer, actor, id, { publicUrl, mailDomain });
  mailer.close();
  // The survey went out ten days ago; about two thirds of the parents answered since.
  await db.updateTable('survey').set({ opened_at: sql<Date>`now() - interval '10 days'` }).where('id', '=', id).execute();
  const invitations = await db.selectFrom('survey_invitation').select('id').where('survey_id', '=', id).orderBy('id').execute();
  let answered = 0;
  for (const inv of invitations) {
    if (rnd() > 0.66) continue;
    const a: Answers = {};
    const dq = q(devices);
    const chosen = dq.options.filter((_, i) => rnd() < [0.8, 0.55, 0.95, 0.4][i]!).map((o) => o.id);
    a[String(devices)] = rnd() < 0.08 ? { choices: chosen, other: pick(['Console de jeux', 'Liseuse', 'Télévision connectée']) } : { choices: chosen };
    const r = rnd();
    a[String(internet)] = { choice: q(internet).options[r < 0.78 ? 0 : r < 0.95 ? 1 : 2]!.id };
    if (rnd() < 0.8) a[String(screens)] = 1 + Math.floor(rnd() * 5);
    a[String(ease)] = Math.min(5, Math.max(1, Math.round(1 + rnd() * 2 + rnd() * 2)));
    const fq = q(freq);
    a[String(freq)] = Object.fromEntries(fq.rows.map((row) => [String(row.id), fq.columns[Math.floor(rnd() * fq.columns.length)]!.id]));
    const w = q(workshop).options[Math.floor(rnd() * 3)]!;
    a[String(workshop)] = { choice: w.id };
    if (w.id === q(workshop).options[0]!.id && rnd() < 0.7) a[String(topic)] = pick(TOPICS);
    if (rnd() < 0.3) a[String(remarks)] = pick(REMARKS);
    const daysAgo = Math.floor(rnd() * 10);
    await db
      .updateTable('survey_invitation')
      .set({ submitted_on: sql<string>`current_date - ${daysAgo}::int` })
      .where('id', '=', inv.id)
      .execute();
    await db
      .insertInto('survey_response')
      .values({ survey_id: id, invitation_id: inv.id, answers: JSON.stringify(a), submitted_at: sql<Date>`now() - make_interval(days => ${daysAgo}, mins => ${Math.floor(rnd() * 600)})` })
      .execute();
    answered++;
  }
  return { surveys: 1, surveyInvitations: opened.invited, surveyResponses: answered };
}
