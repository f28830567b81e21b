-- A closed fiscal year's lettering (lettrage) is part of its FEC (EcritureLet, DateLet): once
-- the year is closed it cannot be added, changed or removed, by the application or by a direct
-- SQL session, so the FEC handed to the tax administration stays the one of the closing.
-- Statement-level, on the statement's transition tables, looking lines up by key (as 0027).
create function lettering_closed_check(line_ids bigint[]) returns void language plpgsql as $$
declare
  bad record;
begin
  select l.id, g.code, l.account_number, f.starts_on, f.ends_on into bad
    from entry_line l
    join entry e on e.id = l.entry_id
    join fiscal_year f on f.id = e.fiscal_year_id
    left join lettering g on g.line_id = l.id
    where l.id = any(line_ids) and f.status = 'closed'
    limit 1;
  if found then
    raise exception 'the lettering of line % (account %) belongs to the closed fiscal year % – % and cannot change',
      bad.id, bad.account_number, bad.starts_on, bad.ends_on using errcode = 'P0001';
  end if;
end $$;

create function lettering_closed_new() returns trigger language plpgsql as $$
begin
  perform lettering_closed_check(array(select line_id from new_rows));
  return null;
end $$;
create function lettering_closed_old() returns trigger language plpgsql as $$
begin
  perform lettering_closed_check(array(select line_id from old_rows));
  return null;
end $$;
create function lettering_closed_both() returns trigger language plpgsql as $$
begin
  perform lettering_closed_check(array(select line_id from old_rows union select line_id from new_rows));
  return null;
end $$;

create trigger lettering_closed_insert after insert on lettering
  referencing new table as new_rows for each statement execute function lettering_closed_new();
create trigger lettering_closed_update after update on lettering
  referencing old table as old_rows new table as new_rows for each statement execute function lettering_closed_both();
create trigger lettering_closed_delete after delete on lettering
  referencing old table as old_rows for each statement execute function lettering_closed_old();
create trigger lettering_no_truncate before truncate on lettering
  for each statement execute function refuse_truncate();
