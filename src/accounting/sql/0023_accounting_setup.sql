-- The treasurer's set-up pages: analytic sections are archived rather than deleted (their
-- past lines keep pointing at them); an archived section takes no new lines.
alter table analytic_section add column archived_at timestamptz;

create function entry_line_section_open() returns trigger language plpgsql as $$
begin
  if new.section_code is not null and exists (
    select 1 from analytic_section s where s.code = new.section_code and s.archived_at is not null
  ) then
    raise exception 'analytic section % is archived', new.section_code using errcode = 'P0001';
  end if;
  return new;
end $$;
create trigger entry_line_section_open before insert on entry_line
  for each row execute function entry_line_section_open();
