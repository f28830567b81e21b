-- A FEC is imported once. The file's SHA-256 and each (fiscal year, JournalCode, EcritureNum)
-- it brought in are kept: the same file, or an entry of it already imported (in another
-- file), is refused, and the primary keys hold that even for two imports at the same time.
create table fec_import (
  id bigint generated always as identity primary key,
  sha256 text not null unique check (sha256 ~ '^[0-9a-f]{64}$'),
  imported_at timestamptz not null default now(),
  imported_by_label text not null default 'system',
  entries integer not null check (entries >= 0),
  lines integer not null check (lines >= 0)
);

create table fec_imported_entry (
  fiscal_year_id bigint not null references fiscal_year (id),
  journal_code text not null,
  source_number text not null check (length(source_number) between 1 and 100),
  entry_id bigint not null references entry (id),
  fec_import_id bigint not null references fec_import (id),
  primary key (fiscal_year_id, journal_code, source_number)
);
create index fec_imported_entry_import on fec_imported_entry (fec_import_id);

-- ValidDate of an imported entry: the day the entry was validated in the software it comes
-- from (FEC column 16), kept so that the FEC written back gives the same ValidDate. Entries
-- validated here have none: their ValidDate is validated_at, in Europe/Paris. Set with the
-- draft; the entry guard freezes it with the rest of the entry at validation.
alter table entry add column valid_date date;
