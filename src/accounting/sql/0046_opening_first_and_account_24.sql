-- 1. The carried-forward entry (à-nouveaux) is the first of its fiscal year. When the previous
-- year closes after entries of the new year were already validated, the opening entry used to
-- take the next number (the last); it now takes the number after the year's opening-journal
-- entries, and the entries already numbered from there move up by one, so numbering stays
-- gapless and in the order the accountant expects (AN 1, then the year). Only this trigger
-- may move a validated entry's number, and only by one: it marks the transaction
-- (ostal.renumbering) and runs nested (pg_trigger_depth() > 1); any other change to a
-- validated entry is refused as before. Moved in descending order, one row at a time, because
-- the (fiscal_year_id, number) unique key is checked row by row.
create or replace function entry_guard() returns trigger language plpgsql as $$
declare
  fy fiscal_year%rowtype;
  n bigint;
  r record;
begin
  if tg_op = 'DELETE' then
    if old.status = 'validated' then
      raise exception 'entry % is validated: it cannot be deleted (post a reversal entry)', old.id
        using errcode = 'P0001';
    end if;
    return old;
  end if;
  if tg_op = 'UPDATE' and old.status = 'validated' then
    if pg_trigger_depth() > 1 and current_setting('ostal.renumbering', true) = 'on'
       and new.number = old.number + 1 and (to_jsonb(new) - 'number') = (to_jsonb(old) - 'number') then
      return new;
    end if;
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
    if exists (select 1 from journal j where j.code = new.journal_code and j.kind = 'opening') then
      select coalesce(max(e.number), 0) + 1 into n
        from entry e join journal j on j.code = e.journal_code
        where e.fiscal_year_id = new.fiscal_year_id and e.status = 'validated' and j.kind = 'opening';
      perform set_config('ostal.renumbering', 'on', true);
      for r in select e.id from entry e where e.fiscal_year_id = new.fiscal_year_id and e.number >= n order by e.number desc loop
        update entry set number = number + 1 where id = r.id;
      end loop;
      perform set_config('ostal.renumbering', 'off', true);
    else
      select coalesce(max(e.number), 0) + 1 into n from entry e where e.fiscal_year_id = new.fiscal_year_id;
    end if;
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

-- 2. Account 24 of the associations' chart (règlement ANC 2018-06): goods received
-- by bequest or donation that the association means to sell; shown among fixed assets.
insert into account (number, label, seeded) values
  ('24', 'Biens reçus par legs ou donations destinés à être cédés', true)
on conflict (number) do nothing;
