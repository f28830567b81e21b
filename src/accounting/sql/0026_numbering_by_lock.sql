-- Numbering without rewriting the counter row for every entry. Updating one row ten thousand
-- times in one transaction leaves a chain of ten thousand versions that each update walks:
-- bulk validation grew with the square of the batch. Now the validating transaction only
-- locks the year's entry_counter row (FOR UPDATE: a lock, no new version) and takes the
-- highest number of the year plus one from the (fiscal_year_id, number) unique index.
-- Concurrent validations still queue on that lock until commit, and a rolled-back validation
-- leaves no number behind, so numbers stay gapless. entry_counter.last_number is no longer kept.
create or replace function entry_guard() returns trigger language plpgsql as $$
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
    -- Draft → validated: the next number of the year, under the year's lock, whatever the caller sent.
    perform 1 from entry_counter where fiscal_year_id = new.fiscal_year_id for update;
    select coalesce(max(e.number), 0) + 1 into n from entry e where e.fiscal_year_id = new.fiscal_year_id;
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
