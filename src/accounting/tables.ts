// Kysely table types of the accounting module (joined into platform/schema.ts).
// Amounts are integer cents (bigint, read as JS numbers); dates are 'YYYY-MM-DD' text.
import type { ColumnType, Generated } from 'kysely';
import type { Id, Timestamp } from '../platform/schema.ts';

export type JournalKind = 'purchases' | 'sales' | 'bank' | 'cash' | 'misc' | 'opening' | 'accountant';
export type EntryStatus = 'draft' | 'validated';
export type ThirdPartyKind = 'household' | 'supplier' | 'other';
type MaybeDate = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Bytes = ColumnType<Buffer, Buffer | Uint8Array, Buffer | Uint8Array>;

export interface AccountingTables extends BankTables {
  account: { number: string; label: string; seeded: Generated<boolean>; created_at: Timestamp };
  journal: { code: string; label: string; kind: JournalKind };
  third_party: { code: string; label: string; kind: ThirdPartyKind; account_number: string; household_id: number | null };
  analytic_section: { code: string; label: string; school_id: number | null; archived_at: MaybeDate };
  fiscal_year: {
    id: Id;
    starts_on: string;
    ends_on: string;
    status: Generated<'open' | 'closed'>;
    closed_at: MaybeDate;
    result_cents: number | null;
  };
  entry_counter: { fiscal_year_id: number; last_number: Generated<number> };
  entry: {
    id: Id;
    fiscal_year_id: number;
    journal_code: string;
    entry_date: string;
    label: string;
    piece_ref: Generated<string>;
    piece_date: string | null;
    status: Generated<EntryStatus>;
    number: number | null;
    validated_at: MaybeDate;
    validated_by_person_id: number | null;
    validated_by_label: string | null;
    created_at: Timestamp;
    created_by_person_id: number | null;
    created_by_label: Generated<string>;
    reverses_entry_id: number | null;
    source_ref: string | null;
    valid_date: ColumnType<string | null, string | null | undefined, string | null>;
  };
  entry_line: {
    id: Id;
    entry_id: number;
    line_no: number;
    account_number: string;
    third_party_code: string | null;
    label: Generated<string>;
    debit_cents: Generated<number>;
    credit_cents: Generated<number>;
    section_code: string | null;
  };
  lettering: { line_id: number; account_number: string; code: string; lettered_on: string; lettered_by_label: Generated<string> };
  fec_import: { id: Id; sha256: string; imported_at: Timestamp; imported_by_label: Generated<string>; entries: number; lines: number };
  fec_imported_entry: { fiscal_year_id: number; journal_code: string; source_number: string; entry_id: number; fec_import_id: number };
  attachment_blob: { sha256: string; content: Bytes; byte_size: number; media_type: Generated<string>; created_at: Timestamp };
  entry_attachment: { entry_id: number; sha256: string; filename: string; added_at: Timestamp; added_by_label: Generated<string> };
}

export interface BankTables {
  bank_account: { id: Id; account_number: string; label: string; iban: string | null; csv_mapping: ColumnType<unknown, string | null | undefined, string | null> };
  bank_statement_line: {
    id: Id;
    bank_account_id: number;
    booked_on: string;
    amount_cents: number;
    label: Generated<string>;
    fingerprint: string;
    source: 'ofx' | 'camt053' | 'csv';
    imported_at: Timestamp;
    entry_line_id: number | null;
  };
  bank_rule: { id: Id; bank_account_id: number | null; pattern: string; account_number: string; third_party_code: string | null; section_code: string | null; priority: Generated<number> };
}
