-- Bank: statements imported (OFX, CAMT.053, CSV), each line recognised on a second import,
-- matched to an entry line of the bank's 512 account or turned into an entry by a rule.

create table bank_account (
  id bigint generated always as identity primary key,
  account_number text not null unique references account (number) check (account_number like '51%'),
  label text not null check (length(btrim(label)) between 1 and 200),
  iban text check (iban is null or iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$'),
  -- The column mapping of this bank's CSV export, saved at the first import.
  csv_mapping jsonb
);

create table bank_statement_line (
  id bigint generated always as identity primary key,
  bank_account_id bigint not null references bank_account (id),
  booked_on date not null,
  amount_cents bigint not null check (amount_cents <> 0 and abs(amount_cents) <= 100000000000000),
  label text not null default '',
  -- FITID (OFX), AcctSvcrRef (CAMT.053) or a hash of the line (CSV): the same line imported
  -- twice is recognised and skipped.
  fingerprint text not null check (length(fingerprint) between 1 and 200),
  source text not null check (source in ('ofx', 'camt053', 'csv')),
  imported_at timestamptz not null default now(),
  -- Rapprochement: the entry line of the bank account this statement line is.
  entry_line_id bigint unique references entry_line (id) on delete set null,
  unique (bank_account_id, fingerprint)
);
create index bank_statement_line_open on bank_statement_line (bank_account_id, booked_on) where entry_line_id is null;

create table bank_rule (
  id bigint generated always as identity primary key,
  bank_account_id bigint references bank_account (id) on delete cascade,
  -- Case-insensitive text found in the statement label, e.g. 'CAF'.
  pattern text not null check (length(btrim(pattern)) between 2 and 100),
  account_number text not null references account (number) check (length(account_number) >= 3),
  third_party_code text references third_party (code),
  section_code text references analytic_section (code),
  priority integer not null default 100
);
