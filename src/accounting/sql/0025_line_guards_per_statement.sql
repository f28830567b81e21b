-- The guards on entry lines run once per statement, on the set of rows it wrote (transition
-- tables), instead of once per line: the same refusals, at bulk-posting speed. A statement
-- that touches a validated entry's lines, or puts a line on an archived section, fails whole.
drop trigger entry_line_guard on entry_line;
drop function entry_line_guard();
drop trigger entry_line_section_open on entry_line;
drop function entry_line_section_open();

create function entry_line_guard_new() returns trigger language plpgsql as $$
declare
  bad bigint;
  sec text;
begin
  select n.entry_id into bad from new_rows n join entry e on e.id = n.entry_id where e.status = 'validated' limit 1;
  if bad is not null then
    raise exception 'validated entry % cannot receive lines', bad using errcode = 'P0001';
  end if;
  select n.section_code into sec from new_rows n join analytic_section s on s.code = n.section_code
    where s.archived_at is not null limit 1;
  if sec is not null then
    raise exception 'analytic section % is archived', sec using errcode = 'P0001';
  end if;
  return null;
end $$;

create function entry_line_guard_old() returns trigger language plpgsql as $$
declare
  bad bigint;
begin
  select o.entry_id into bad from old_rows o join entry e on e.id = o.entry_id where e.status = 'validated' limit 1;
  if bad is not null then
    raise exception 'the lines of validated entry % cannot change', bad using errcode = 'P0001';
  end if;
  return null;
end $$;

create function entry_line_guard_both() returns trigger language plpgsql as $$
declare
  bad bigint;
  sec text;
begin
  select o.entry_id into bad from old_rows o join entry e on e.id = o.entry_id where e.status = 'validated' limit 1;
  if bad is not null then
    raise exception 'the lines of validated entry % cannot change', bad using errcode = 'P0001';
  end if;
  select n.entry_id into bad from new_rows n join entry e on e.id = n.entry_id where e.status = 'validated' limit 1;
  if bad is not null then
    raise exception 'validated entry % cannot receive lines', bad using errcode = 'P0001';
  end if;
  -- Only a line moved onto an archived section is refused; its past lines keep theirs.
  select n.section_code into sec from new_rows n join old_rows o on o.id = n.id
    join analytic_section s on s.code = n.section_code
    where s.archived_at is not null and n.section_code is distinct from o.section_code limit 1;
  if sec is not null then
    raise exception 'analytic section % is archived', sec using errcode = 'P0001';
  end if;
  return null;
end $$;

create trigger entry_line_guard_insert after insert on entry_line
  referencing new table as new_rows for each statement execute function entry_line_guard_new();
create trigger entry_line_guard_update after update on entry_line
  referencing old table as old_rows new table as new_rows for each statement execute function entry_line_guard_both();
create trigger entry_line_guard_delete after delete on entry_line
  referencing old table as old_rows for each statement execute function entry_line_guard_old();
