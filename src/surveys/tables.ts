import type { ColumnType, Generated } from 'kysely';
import type { Id, Timestamp } from '../platform/schema.ts';

export type SurveyStatus = 'draft' | 'open' | 'closed';
export type QuestionKind = 'single' | 'multiple' | 'scale' | 'number' | 'short_text' | 'long_text' | 'date' | 'matrix';
export type OptionRole = 'choice' | 'row' | 'column';
export type AudienceKind = 'group' | 'class' | 'school' | 'all_parents' | 'list';
export type UnitKind = 'school' | 'class' | 'group' | 'list';
/** jsonb answers: read as an object, written as JSON text. */
type Json = ColumnType<Record<string, unknown>, string, string>;
type NullableTime = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface SurveysTables {
  survey: {
    id: Id;
    title_fr: string;
    title_oc: Generated<string>;
    title_en: Generated<string>;
    intro_fr: Generated<string>;
    intro_oc: Generated<string>;
    intro_en: Generated<string>;
    status: Generated<SurveyStatus>;
    anonymous: Generated<boolean>;
    opens_at: NullableTime;
    closes_at: NullableTime;
    target_rate: number | null;
    remind_every_days: number | null;
    last_reminder_at: NullableTime;
    is_template: Generated<boolean>;
    created_by: number | null;
    created_at: Timestamp;
    opened_at: NullableTime;
    closed_at: NullableTime;
    /** Anonymous answers at the last shuffle: the scheduler skips a survey with none since. */
    anonymous_shuffled: Generated<number>;
  };
  survey_section: { id: Id; survey_id: number; position: number; title_fr: Generated<string>; title_oc: Generated<string>; title_en: Generated<string> };
  survey_question: {
    id: Id;
    survey_id: number;
    section_id: number;
    position: number;
    kind: QuestionKind;
    required: Generated<boolean>;
    prompt_fr: string;
    prompt_oc: Generated<string>;
    prompt_en: Generated<string>;
    allow_other: Generated<boolean>;
    condition_question_id: number | null;
    condition_option_id: number | null;
  };
  survey_option: {
    id: Id;
    question_id: number;
    role: Generated<OptionRole>;
    position: number;
    label_fr: string;
    label_oc: Generated<string>;
    label_en: Generated<string>;
  };
  survey_audience: {
    id: Id;
    survey_id: number;
    kind: AudienceKind;
    group_id: number | null;
    class_id: number | null;
    school_id: number | null;
    list_id: Generated<number | null>;
  };
  survey_invitation: {
    id: Id;
    survey_id: number;
    /** Null for a list member outside the directory, invited by address alone. */
    person_id: number | null;
    email: string;
    display_name: Generated<string>;
    created_at: Timestamp;
    reminders: Generated<number>;
    last_reminded_at: NullableTime;
    submitted_on: string | null;
  };
  survey_token: { token_hash: Buffer | Uint8Array; invitation_id: number; created_at: Timestamp };
  survey_invitation_unit: { invitation_id: number; unit_kind: UnitKind; unit_id: number };
  survey_draft: { invitation_id: number; answers: Json; updated_at: Timestamp };
  survey_response: { id: Id; survey_id: number; invitation_id: number; answers: Json; submitted_at: Timestamp };
  survey_anonymous_response: { id: Generated<string>; survey_id: number; answers: Json };
}
