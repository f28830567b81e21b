// Reading submitted answers for analysis and export. Named surveys can be filtered by school, class
// group or list through the invitation; anonymous ones cannot, by construction.
import ExcelJS from 'exceljs';
import type { Queryable } from '../platform/db.ts';
import { translator, type Lang } from '../platform/i18n/index.ts';
import type { Answers } from './answers.ts';
import { exportCells, exportHeader } from './analysis.ts';
import { csvFile } from '../platform/files.ts';
import { getSurvey, loadDef } from './survey.ts';
import type { UnitKind } from './tables.ts';

export interface UnitFilter {
  kind: UnitKind;
  id: number;
}

export interface NamedResponse {
  id: number;
  name: string;
  email: string;
  submittedAt: Date;
  answers: Answers;
}

export async function loadAnswers(db: Queryable, surveyId: number, filter: UnitFilter | null): Promise<{ answers: Answers[]; named: NamedResponse[] | null }> {
  const s = await getSurvey(db, surveyId);
  if (s.anonymous) {
    // Ordered by the random key: the order tells nothing about who answered when.
    const rows = await db.selectFrom('survey_anonymous_response').select('answers').where('survey_id', '=', surveyId).orderBy('id').execute();
    return { answers: rows.map((r) => r.answers as Answers), named: null };
  }
  const rows = await db
    .selectFrom('survey_response as r')
    .innerJoin('survey_invitation as i', 'i.id', 'r.invitation_id')
    .leftJoin('dir_person as p', 'p.id', 'i.person_id')
    .select(['r.id', 'r.answers', 'r.submitted_at', 'i.email', 'i.display_name', 'p.first_name', 'p.last_name'])
    .where('r.survey_id', '=', surveyId)
    .$if(filter !== null, (qb) =>
      qb.where((eb) =>
        eb.exists(
          eb
            .selectFrom('survey_invitation_unit as u')
            .select('u.invitation_id')
            .whereRef('u.invitation_id', '=', 'i.id')
            .where('u.unit_kind', '=', filter!.kind)
            .where('u.unit_id', '=', filter!.id),
        ),
      ),
    )
    .orderBy('r.id')
    .execute();
  const named = rows.map((r) => ({ id: r.id, name: r.first_name === null ? r.display_name : `${r.first_name} ${r.last_name}`, email: r.email, submittedAt: r.submitted_at, answers: r.answers as Answers }));
  return { answers: named.map((n) => n.answers), named };
}

/** One row per response; named surveys add who and when, anonymous ones only a row number. */
export async function exportRows(db: Queryable, surveyId: number, lang: Lang): Promise<Array<Array<string | number>>> {
  const t = translator(lang);
  const def = await loadDef(db, surveyId);
  const { answers, named } = await loadAnswers(db, surveyId, null);
  const other = t('surveys.other');
  const header = named
    ? [t('surveys.export.response'), t('surveys.export.person'), t('surveys.export.email'), t('surveys.export.submittedAt'), ...exportHeader(def, lang)]
    : [t('surveys.export.response'), ...exportHeader(def, lang)];
  const body = named
    ? named.map((n) => [n.id, n.name, n.email, n.submittedAt.toISOString(), ...exportCells(def, n.answers, lang, other)])
    : answers.map((a, i) => [i + 1, ...exportCells(def, a, lang, other)]);
  return [header, ...body];
}

export async function exportCsv(db: Queryable, surveyId: number, lang: Lang): Promise<string> {
  return csvFile(await exportRows(db, surveyId, lang));
}

export async function exportXlsx(db: Queryable, surveyId: number, lang: Lang): Promise<Buffer> {
  const rows = await exportRows(db, surveyId, lang);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Responses');
  for (const r of rows) ws.addRow(r);
  ws.getRow(1).font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}
