-- The line guards of 0025 joined the statement's transition table (which has no index and no
-- statistics) with entry, and the planner could scan the one once per row of the other: bulk
-- posting grew with the size of the books. They now gather the statement's entry ids and look
-- them up by primary key (= any(array)), which stays proportional to the statement.
create or replace function entry_line_guard_new() returns trigger language plpgsql as $$
declare
  ids bigint[];
  bad bigint;
  sec text;
begin
  select array_agg(distinct entry_id) into ids from new_rows;
  select e.id into bad from entry e where e.id = any(ids) and e.status = 'validated' limit 1;
  if bad is not null then
    raise exception 'validated entry % cannot receive lines', bad using errcode = 'P0001';
  end if;
  select s.code into sec from analytic_section s
    where s.archived_at is not null and s.code = any(array(select distinct section_code from new_rows where section_code is not null)) limit 1;
  if sec is not null then
    raise exception 'analytic section % is archived', sec using errcode = 'P0001';
  end if;
  return null;
end $$;

create or replace function entry_line_guard_old() returns trigger language plpgsql as $$
declare
  ids bigint[];
  bad bigint;
begin
  select array_agg(distinct entry_id) into ids from old_rows;
  select e.id into bad from entry e where e.id = any(ids) and e.status = 'validated' limit 1;
  if bad is not null then
    raise exception 'the lines of validated entry % cannot change', bad using errcode = 'P0001';
  end if;
  return null;
end $$;

create or replace function entry_line_guard_both() returns trigger language plpgsql as $$
declare
  ids bigint[];
  bad bigint;
  sec text;
begin
  select array_agg(distinct entry_id) into ids from old_rows;
  select e.id into bad from entry e where e.id = any(ids) and e.status = 'validated' limit 1;
  if bad is not null then
    raise exception 'the lines of validated entry % cannot change', bad using errcode = 'P0001';
  end if;
  select array_agg(distinct entry_id) into ids from new_rows;
  select e.id into bad from entry e where e.id = any(ids) and e.status = 'validated' limit 1;
  if bad is not null then
    raise exception 'validated entry % cannot receive lines', bad using errcode = 'P0001';
  end if;
  -- Only a line moved onto an archived section is refused; its past lines keep theirs.
  select s.code into sec from analytic_section s
    where s.archived_at is not null and s.code = any(array(
      select distinct n.section_code from new_rows n join old_rows o on o.id = n.id
      where n.section_code is distinct from o.section_code and n.section_code is not null)) limit 1;
  if sec is not null then
    raise exception 'analytic section % is archived', sec using errcode = 'P0001';
  end if;
  return null;
end $$;
