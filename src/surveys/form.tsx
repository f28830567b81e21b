// The answer form: plain HTML controls, one fieldset per question, readable on a phone, no script.
// Conditions are stated in words beside the question; the server drops the answers they hide.
import type { RequestContext } from '../platform/web/context.ts';
import type { MessageKey } from '../platform/i18n/index.ts';
import { allQuestions, LIMITS, SCALE, text, type Answers, type ChoiceAnswer, type FieldError, type MultipleAnswer, type QuestionDef, type SurveyDef } from './answers.ts';

export const FORM_STYLE = `
ul.inline-list{display:flex;flex-wrap:wrap;gap:.25rem 1rem}ul.inline-list li{border:0}
.move form{display:inline}
fieldset.q{border:1px solid var(--line);border-radius:8px;background:#fff;margin:1rem 0;padding:.75rem 1rem}
fieldset.q legend{font-weight:600;padding:0 .25rem}
fieldset.q.invalid{border-color:var(--err);background:var(--err-bg)}
.choice{display:flex;align-items:flex-start;gap:.5rem;font-weight:400;margin:.4rem 0}
.choice input{width:1.25rem;height:1.25rem;margin-top:.15rem;flex:none}
.scale{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
.field-error{color:var(--err);font-weight:600;margin:.25rem 0}
.req{color:var(--err)}
table.matrix td,table.matrix th{text-align:center}
table.matrix input{width:1.4rem;height:1.4rem}
table.matrix th[scope=row]{text-align:left;font-weight:400}
figure.chart{margin:.5rem 0;overflow-x:auto}
figure.chart svg{max-width:100%;height:auto}
.bar{background:var(--accent);height:.9rem;display:block}
`;

function chosenIds(v: Answers[string] | undefined): number[] {
  if (!v || typeof v !== 'object') return [];
  if ('choices' in v) return (v as MultipleAnswer).choices;
  if ('choice' in v && (v as ChoiceAnswer).choice !== null) return [(v as ChoiceAnswer).choice!];
  return [];
}
function otherOf(v: Answers[string] | undefined): string {
  return v && typeof v === 'object' && 'other' in v ? ((v as ChoiceAnswer).other ?? '') : '';
}

export function QuestionField(props: { rc: RequestContext; def: SurveyDef; q: QuestionDef; value: Answers[string] | undefined; error?: FieldError | undefined; raw?: string }) {
  const { rc, def, q, value, error } = props;
  const { t, lang } = rc;
  const name = `q${q.id}`;
  const errId = `${name}-error`;
  const describedBy = error ? errId : undefined;
  const cond = q.condition ? allQuestions(def).find((x) => x.id === q.condition!.questionId) : undefined;
  const condOption = cond?.options.find((o) => o.id === q.condition!.optionId);
  const ids = chosenIds(value);
  const other = otherOf(value);
  let control;
  switch (q.kind) {
    case 'single':
    case 'multiple': {
      const type = q.kind === 'single' ? 'radio' : 'checkbox';
      control = (
        <>
          {q.options.map((o) => (
            <label class="choice">
              <input type={type} name={name} value={String(o.id)} checked={ids.includes(o.id)} aria-describedby={describedBy} />
              <span>{text(o.label, lang)}</span>
            </label>
          ))}
          {q.allowOther && (
            <>
              <label class="choice">
                <input type={type} name={name} value="other" checked={other !== ''} />
                <span>{t('surveys.other')}</span>
              </label>
              <label for={`${name}_other`} class="hint">
                {t('surveys.other')}
              </label>
              <input id={`${name}_other`} name={`${name}_other`} type="text" value={other} maxlength={LIMITS.other} />
            </>
          )}
        </>
      );
      break;
    }
    case 'scale':
      control = (
        <div class="scale">
          {SCALE.map((n) => (
            <label class="choice">
              <input type="radio" name={name} value={String(n)} checked={value === n} aria-describedby={describedBy} />
              <span>{n}</span>
            </label>
          ))}
        </div>
      );
      break;
    case 'number':
      control = <input id={name} name={name} type="text" inputmode="decimal" value={value === undefined ? (props.raw ?? '') : String(value)} aria-describedby={describedBy} maxlength={30} />;
      break;
    case 'short_text':
      control = <input id={name} name={name} type="text" value={typeof value === 'string' ? value : ''} maxlength={LIMITS.shortText} aria-describedby={describedBy} />;
      break;
    case 'long_text':
      control = (
        <textarea id={name} name={name} rows={5} maxlength={LIMITS.longText} aria-describedby={describedBy}>
          {typeof value === 'string' ? value : ''}
        </textarea>
      );
      break;
    case 'date':
      control = <input id={name} name={name} type="date" value={typeof value === 'string' ? value : ''} aria-describedby={describedBy} />;
      break;
    case 'matrix': {
      const cells = (value && typeof value === 'object' ? value : {}) as Record<string, number>;
      control = (
        <div class="table-wrap">
          <table class="matrix">
            <thead>
              <tr>
                <td></td>
                {q.columns.map((c) => (
                  <th scope="col">{text(c.label, lang)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {q.rows.map((r) => (
                <tr>
                  <th scope="row">{text(r.label, lang)}</th>
                  {q.columns.map((c) => (
                    <td>
                      <input
                        type="radio"
                        name={`${name}_r${r.id}`}
                        value={String(c.id)}
                        checked={cells[String(r.id)] === c.id}
                        aria-label={`${text(r.label, lang)} : ${text(c.label, lang)}`}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
      break;
    }
  }
  const single = q.kind === 'number' || q.kind === 'short_text' || q.kind === 'long_text' || q.kind === 'date';
  const prompt = (
    <>
      {text(q.prompt, lang)}
      {q.required && (
        <>
          {' '}
          <abbr class="req" title={t('surveys.question.requiredMark')}>
            *
          </abbr>
        </>
      )}
    </>
  );
  return (
    <fieldset class={error ? 'q invalid' : 'q'} id={`question-${q.id}`}>
      {single ? (
        <legend>
          <label for={name}>{prompt}</label>
        </legend>
      ) : (
        <legend>{prompt}</legend>
      )}
      {cond && condOption && <p class="hint">{t('surveys.question.onlyIf', { option: text(condOption.label, lang), question: text(cond.prompt, lang) })}</p>}
      {error && (
        <p class="field-error" id={errId}>
          {t(error.key as MessageKey, error.params)}
        </p>
      )}
      {control}
    </fieldset>
  );
}

export function SurveyQuestions(props: { rc: RequestContext; def: SurveyDef; answers: Answers; errors: Record<string, FieldError>; raw?: Record<string, string> }) {
  const { rc, def } = props;
  return (
    <>
      {def.sections.map((sec) => (
        <section>
          {text(sec.title, rc.lang) && <h2>{text(sec.title, rc.lang)}</h2>}
          {sec.questions.map((q) => (
            <QuestionField rc={rc} def={def} q={q} value={props.answers[String(q.id)]} error={props.errors[String(q.id)]} raw={props.raw?.[`q${q.id}`]} />
          ))}
        </section>
      ))}
    </>
  );
}
