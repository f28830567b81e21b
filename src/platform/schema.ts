// Kysely's view of the schema. Each module declares its tables; this file joins them.
import type { Generated, ColumnType } from 'kysely';
import type { DirectoryTables, DirectoryViews } from '../directory/tables.ts';
import type { AuthTables } from '../auth/tables.ts';
import type { ListsTables } from '../lists/tables.ts';
import type { AccountingTables } from '../accounting/tables.ts';
import type { SurveysTables } from '../surveys/tables.ts';

/** timestamptz: read as Date, written as Date or ISO text, defaulted by the database. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type Id = Generated<number>;

export interface PlatformTables {
  schema_migration: { version: number; name: string; applied_at: Timestamp };
  setting: { key: string; value: unknown; updated_at: Timestamp };
  outbox_message: {
    id: Id;
    created_at: Timestamp;
    envelope_from: string;
    envelope_to: string[];
    subject: string;
    raw: Buffer | Uint8Array;
    status: ColumnType<'kept' | 'queued' | 'sent' | 'failed', 'kept' | 'queued' | 'sent' | 'failed' | undefined>;
    attempts: Generated<number>;
    next_attempt_at: Date | string | null;
    last_error: string | null;
    sent_at: Date | string | null;
    sensitive: Generated<boolean>;
  };
  audit_event: {
    id: Id;
    at: Timestamp;
    actor_person_id: number | null;
    actor_label: string;
    action: string;
    subject: string | null;
    detail: ColumnType<unknown, string | undefined, string>;
  };
}

export interface Database extends PlatformTables, DirectoryTables, DirectoryViews, AuthTables, ListsTables, AccountingTables, SurveysTables {}
