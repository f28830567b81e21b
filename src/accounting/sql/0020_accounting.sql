-- Accounting: double-entry books of the association (plan comptable des associations,
-- règlement ANC 2018-06). The rules that make the books trustworthy live here, not in the
-- application: a validated entry cannot change, every entry balances at commit, numbers are
-- gapless per fiscal year, amounts are integer cents. A direct SQL session is held to them too.

-- Chart of accounts. Seeded with the associations' plan; the treasurer adds sub-accounts
-- (a 512 per bank account, 411 per household, 401 per supplier) under an existing account.
create table account (
  number text primary key check (number ~ '^[1-8][0-9]{1,11}$'),
  label text not null check (length(btrim(label)) between 1 and 200),
  -- Seeded accounts come from the regulation; the treasurer's own are sub-accounts of them.
  seeded boolean not null default false,
  created_at timestamptz not null default now()
);

create function account_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    if old.seeded then
      raise exception 'account % belongs to the regulatory chart and cannot be removed', old.number
        using errcode = 'P0001';
    end if;
    return old;
  end if;
  if tg_op = 'UPDATE' and new.number <> old.number then
    raise exception 'an account number never changes (%)', old.number using errcode = 'P0001';
  end if;
  if tg_op = 'INSERT' and not new.seeded and not exists (
    select 1 from account a where new.number like a.number || '%' and a.number <> new.number
  ) then
    raise exception 'account % is not a sub-account of the chart', new.number using errcode = 'P0001';
  end if;
  return new;
end $$;
create trigger account_guard before insert or update or delete on account
  for each row execute function account_guard();

-- Journals: purchases, sales, bank, cash, miscellaneous, opening balances (à-nouveaux), and
-- the accountant's own journal for adjusting entries.
create table journal (
  code text primary key check (code ~ '^[A-Z0-9]{1,8}$'),
  label text not null check (length(btrim(label)) between 1 and 100),
  kind text not null check (kind in ('purchases', 'sales', 'bank', 'cash', 'misc', 'opening', 'accountant'))
);
create unique index journal_one_opening on journal (kind) where kind = 'opening';

-- Third parties (tiers): households, suppliers, others, each under a collective account
-- (411, 401…). Their code is the FEC's CompAuxNum.
create table third_party (
  code text primary key check (code ~ '^[A-Za-z0-9_.-]{1,40}$'),
  label text not null check (length(btrim(label)) between 1 and 200),
  kind text not null check (kind in ('household', 'supplier', 'other')),
  account_number text not null references account (number),
  household_id bigint references household (id) on delete set null,
  unique (household_id)
);

-- Analytic sections: a school, the ALSH, an event.
create table analytic_section (
  code text primary key check (code ~ '^[A-Z0-9_-]{1,20}$'),
  label text not null check (length(btrim(label)) between 1 and 200),
  school_id bigint references school (id) on delete set null
);

-- Fiscal years need not follow the calendar year; they never overlap.
create table fiscal_year (
  id bigint generated always as identity primary key,
  starts_on date not null,
  ends_on date not null,
  status text not null default 'open' check (status in ('open', 'closed')),
  closed_at timestamptz,
  -- Excédent (> 0) or déficit (< 0), fixed at closing.
  result_cents bigint,
  check (ends_on > starts_on),
  -- A first or changed fiscal year may last up to 24 months (Code de commerce practice).
  check (ends_on < starts_on + interval '24 months'),
  check ((status = 'closed') = (closed_at is not null)),
  check ((status = 'closed') = (result_cents is not null))
);
create index fiscal_year_dates on fiscal_year (starts_on, ends_on);

-- Non-overlap by a trigger rather than an exclusion constraint: btree_gist is an extension
-- that PGlite must load explicitly, which the shared database layer does not do. The table
-- lock serialises concurrent creations so two overlapping years cannot both slip in.
create function fiscal_year_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    if old.status = 'closed' then
      raise exception 'fiscal year % is closed and cannot change', old.id using errcode = 'P0001';
    end if;
    if (new.starts_on, new.ends_on) is distinct from (old.starts_on, old.ends_on)
       and exists (select 1 from entry e where e.fiscal_year_id = old.id) then
      raise exception 'fiscal year % has entries: its dates cannot change', old.id using errcode = 'P0001';
    end if;
    if new.status = 'closed' and exists (
      select 1 from entry e where e.fiscal_year_id = old.id and e.status = 'draft'
    ) then
      raise exception 'fiscal year % still has draft entries', old.id using errcode = 'P0001';
    end if;
  end if;
  lock table fiscal_year in share row exclusive mode;
  if exists (
    select 1 from fiscal_year f
    where f.id <> new.id and f.starts_on <= new.ends_on and new.starts_on <= f.ends_on
  ) then
    raise exception 'fiscal year % – % overlaps another fiscal year', new.starts_on, new.ends_on
      using errcode = '23P01';
  end if;
  return new;
end $$;

-- The counter of each fiscal year's entry numbers: one row, locked by the validating
-- transaction (UPDATE takes the row lock), so numbers are gapless even under concurrency
-- and a rolled-back validation gives its number back.
create table entry_counter (
  fiscal_year_id bigint primary key references fiscal_year (id),
  last_number bigint not null default 0 check (last_number >= 0)
);

create function fiscal_year_counter() returns trigger language plpgsql as $$
begin
  insert into entry_counter (fiscal_year_id) values (new.id);
  return null;
end $$;

create table entry (
  id bigint generated always as identity primary key,
  fiscal_year_id bigint not null references fiscal_year (id),
  journal_code text not null references journal (code),
  entry_date date not null,
  label text not null check (length(btrim(label)) between 1 and 200),
  -- PieceRef / PieceDate of the FEC: the receipt or invoice the entry rests on.
  piece_ref text not null default '' check (length(piece_ref) <= 60),
  piece_date date,
  status text not null default 'draft' check (status in ('draft', 'validated')),
  -- EcritureNum: gapless per fiscal year, given at validation (by the trigger, not the caller).
  number bigint check (number > 0),
  validated_at timestamptz,
  validated_by_person_id bigint references person (id) on delete set null,
  validated_by_label text,
  created_at timestamptz not null default now(),
  created_by_person_id bigint references person (id) on delete set null,
  created_by_label text not null default 'system',
  -- A correction is a reversal entry pointing at the entry it cancels.
  reverses_entry_id bigint references entry (id),
  -- The entry number in the software the history came from (FEC import).
  source_ref text,
  check ((status = 'validated') = (number is not null)),
  check ((status = 'validated') = (validated_at is not null)),
  unique (fiscal_year_id, number)
);
create index entry_year_date on entry (fiscal_year_id, entry_date);
create index entry_journal on entry (journal_code, entry_date);
create unique index entry_reversed_once on entry (reverses_entry_id) where reverses_entry_id is not null;

create trigger fiscal_year_guard before insert or update on fiscal_year
  for each row execute function fiscal_year_guard();
create trigger fiscal_year_counter after insert on fiscal_year
  for each row execute function fiscal_year_counter();

create function entry_guard() returns trigger language plpgsql as $$
declare
  fy fiscal_year%rowtype;
  n bigint;
begin
  if tg_op = 'DELETE' then
    if old.status = 'validated' then
      raise exception 'entry % is validated: it cannot be deleted (post a reversal entry)', old.id
        using errcode = 'P0001';
    end if;
    return old;
  end if;
  if tg_op = 'UPDATE' and old.status = 'validated' then
    raise exception 'entry % is validated: it cannot be changed (post a reversal entry)', old.id
      using errcode = 'P0001';
  end if;
  select * into fy from fiscal_year where id = new.fiscal_year_id;
  if new.entry_date < fy.starts_on or new.entry_date > fy.ends_on then
    raise exception 'entry date % is outside fiscal year % (% – %)', new.entry_date, fy.id, fy.starts_on, fy.ends_on
      using errcode = 'P0001';
  end if;
  if fy.status <> 'open' then
    raise exception 'fiscal year % is closed', fy.id using errcode = 'P0001';
  end if;
  if new.status = 'validated' then
    -- Draft → validated: the number comes from the locked counter, whatever the caller sent.
    update entry_counter set last_number = last_number + 1
      where fiscal_year_id = new.fiscal_year_id returning last_number into n;
    new.number := n;
    new.validated_at := clock_timestamp();
  else
    new.number := null;
    new.validated_at := null;
    new.validated_by_person_id := null;
    new.validated_by_label := null;
  end if;
  return new;
end $$;
create trigger entry_guard before insert or update or delete on entry
  for each row execute function entry_guard();

create function refuse_truncate() returns trigger language plpgsql as $$
begin
  raise exception '% cannot be truncated: the books are append-only', tg_table_name using errcode = 'P0001';
end $$;
create trigger entry_no_truncate before truncate on entry
  for each statement execute function refuse_truncate();

create table entry_line (
  id bigint generated always as identity primary key,
  entry_id bigint not null references entry (id) on delete cascade,
  line_no integer not null check (line_no > 0),
  account_number text not null references account (number) check (length(account_number) >= 3),
  third_party_code text references third_party (code),
  label text not null default '' check (length(label) <= 200),
  -- Exactly one side is non-zero; a ceiling keeps every total far below 2^53.
  debit_cents bigint not null default 0 check (debit_cents between 0 and 100000000000000),
  credit_cents bigint not null default 0 check (credit_cents between 0 and 100000000000000),
  section_code text references analytic_section (code),
  check ((debit_cents = 0) <> (credit_cents = 0)),
  unique (entry_id, line_no)
);
create index entry_line_account on entry_line (account_number, entry_id);
create index entry_line_third_party on entry_line (third_party_code) where third_party_code is not null;
create index entry_line_section on entry_line (section_code) where section_code is not null;

create function entry_line_guard() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') and exists (
    select 1 from entry where id = old.entry_id and status = 'validated'
  ) then
    raise exception 'the lines of validated entry % cannot change', old.entry_id using errcode = 'P0001';
  end if;
  if tg_op in ('INSERT', 'UPDATE') and exists (
    select 1 from entry where id = new.entry_id and status = 'validated'
  ) then
    raise exception 'validated entry % cannot receive lines', new.entry_id using errcode = 'P0001';
  end if;
  if tg_op = 'DELETE' then return old; end if;
  return new;
end $$;
create trigger entry_line_guard before insert or update or delete on entry_line
  for each row execute function entry_line_guard();
create trigger entry_line_no_truncate before truncate on entry_line
  for each statement execute function refuse_truncate();

-- Every entry balances, checked at commit so that its lines can be written one by one.
create function entry_balance_check(entry_id bigint) returns void language plpgsql as $$
declare
  d bigint; c bigint; n integer; st text;
begin
  select status into st from entry where id = entry_id;
  if st is null then return; end if;
  select coalesce(sum(debit_cents), 0), coalesce(sum(credit_cents), 0), count(*)
    into d, c, n from entry_line l where l.entry_id = entry_balance_check.entry_id;
  if d <> c then
    raise exception 'entry % does not balance: debit % ≠ credit % (cents)', entry_id, d, c
      using errcode = '23514';
  end if;
  if st = 'validated' and n < 2 then
    raise exception 'validated entry % needs at least two lines', entry_id using errcode = '23514';
  end if;
end $$;

create function entry_balance_guard() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'entry' then
    perform entry_balance_check(new.id);
  else
    if tg_op in ('INSERT', 'UPDATE') then perform entry_balance_check(new.entry_id); end if;
    if tg_op in ('UPDATE', 'DELETE') then perform entry_balance_check(old.entry_id); end if;
  end if;
  return null;
end $$;
create constraint trigger entry_balances after insert or update on entry
  deferrable initially deferred for each row execute function entry_balance_guard();
create constraint trigger entry_balances after insert or update or delete on entry_line
  deferrable initially deferred for each row execute function entry_balance_guard();

-- Lettering (lettrage) of third-party accounts. Kept beside the lines, which stay immutable;
-- a lettering group of one account (and third party) sums to zero, checked at commit.
create table lettering (
  line_id bigint primary key references entry_line (id),
  account_number text not null references account (number),
  code text not null check (code ~ '^[A-Za-z0-9]{1,10}$'),
  lettered_on date not null,
  lettered_by_label text not null default 'system'
);
create index lettering_group on lettering (account_number, code);

create function lettering_guard() returns trigger language plpgsql as $$
declare
  acc text := coalesce(new.account_number, old.account_number);
  cd text := coalesce(new.code, old.code);
  bal bigint;
begin
  if tg_op <> 'DELETE' and not exists (
    select 1 from entry_line l join entry e on e.id = l.entry_id
    where l.id = new.line_id and l.account_number = new.account_number and e.status = 'validated'
  ) then
    raise exception 'line % is not a validated line of account %', new.line_id, new.account_number
      using errcode = '23514';
  end if;
  select coalesce(sum(l.debit_cents - l.credit_cents), 0) into bal
    from lettering g join entry_line l on l.id = g.line_id
    where g.account_number = acc and g.code = cd;
  if bal <> 0 then
    raise exception 'lettering % on account % does not balance (% cents)', cd, acc, bal using errcode = '23514';
  end if;
  return null;
end $$;
create constraint trigger lettering_balances after insert or update or delete on lettering
  deferrable initially deferred for each row execute function lettering_guard();

-- Attachments (receipts, invoices), stored once by content hash.
create table attachment_blob (
  sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null,
  byte_size integer not null check (byte_size between 0 and 52428800),
  media_type text not null default 'application/octet-stream',
  created_at timestamptz not null default now(),
  check (encode(sha256(content), 'hex') = sha256),
  check (byte_size = length(content))
);
create function attachment_blob_guard() returns trigger language plpgsql as $$
begin
  raise exception 'attachments are immutable' using errcode = 'P0001';
end $$;
create trigger attachment_blob_guard before update on attachment_blob
  for each row execute function attachment_blob_guard();

create table entry_attachment (
  entry_id bigint not null references entry (id) on delete cascade,
  sha256 text not null references attachment_blob (sha256),
  filename text not null check (length(btrim(filename)) between 1 and 255),
  added_at timestamptz not null default now(),
  added_by_label text not null default 'system',
  primary key (entry_id, sha256)
);
-- A receipt may be added to a validated entry, never taken away from it.
create function entry_attachment_guard() returns trigger language plpgsql as $$
begin
  if exists (select 1 from entry where id = old.entry_id and status = 'validated') then
    raise exception 'attachments of validated entry % cannot be removed', old.entry_id using errcode = 'P0001';
  end if;
  if tg_op = 'DELETE' then return old; end if;
  return new;
end $$;
create trigger entry_attachment_guard before update or delete on entry_attachment
  for each row execute function entry_attachment_guard();

-- Seeds. Journals:
insert into journal (code, label, kind) values
  ('AC', 'Achats', 'purchases'),
  ('VT', 'Ventes et cotisations', 'sales'),
  ('BQ', 'Banque', 'bank'),
  ('CA', 'Caisse', 'cash'),
  ('OD', 'Opérations diverses', 'misc'),
  ('AN', 'À-nouveaux', 'opening'),
  ('EC', 'Expert-comptable', 'accountant');
