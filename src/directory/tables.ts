import type { Generated } from 'kysely';
import type { Id, Timestamp } from '../platform/schema.ts';

export type StaffRole = 'regent' | 'alsh_director' | 'alsh_staff' | 'other';
export type GroupKind = 'commission' | 'board' | 'bureau' | 'alsh' | 'it' | 'trainers' | 'other';
export type GroupRole = 'lead' | 'president' | 'co_president' | 'vice_president' | 'treasurer' | 'secretary' | 'member';

export interface DirectoryTables {
  school: { id: Id; name: string; slug: string; created_at: Timestamp };
  school_year: { id: Id; label: string; starts_on: string; ends_on: string; is_current: Generated<boolean> };
  level: { code: string; rank: number };
  class: {
    id: Id;
    school_id: number;
    school_year_id: number;
    name: string;
    level: string;
    previous_class_id: number | null;
  };
  person: {
    id: Id;
    first_name: string;
    last_name: string;
    phone: string | null;
    is_platform_admin: Generated<boolean>;
    created_at: Timestamp;
  };
  person_email: { email: string; person_id: number; position: Generated<number> };
  household: { id: Id; name: string; created_at: Timestamp };
  household_guardian: { household_id: number; person_id: number };
  pupil: { id: Id; household_id: number; first_name: string };
  enrolment: { pupil_id: number; school_year_id: number; class_id: number };
  staff: { person_id: number; school_id: number | null; role: StaffRole };
  class_regent: { class_id: number; person_id: number };
  directory_group: { id: Id; kind: GroupKind; name: string; slug: string; school_id: number | null; created_at: Timestamp };
  group_member: { group_id: number; person_id: number; role: Generated<GroupRole> };
}

/** What the directory publishes to other modules (sql/0048_published_views.sql): read-only. */
export interface DirectoryViews {
  dir_person: { id: number; first_name: string; last_name: string; is_platform_admin: boolean };
  dir_address: { email: string; person_id: number; position: number };
  dir_school: { id: number; name: string; slug: string };
  dir_class: { id: number; school_id: number; name: string; level: string; is_current: boolean; previous_class_id: number | null };
  dir_group: { id: number; kind: GroupKind; name: string; slug: string; school_id: number | null };
  dir_group_member: { group_id: number; person_id: number; role: GroupRole };
  dir_class_regent: { class_id: number; person_id: number };
  dir_class_guardian: { person_id: number; class_id: number; school_id: number };
  dir_household: { id: number; name: string };
  dir_platform_admin: { person_id: number };
}
