-- A class of the new year that continues last year's class (previous_class_id, set by the
-- rollover) takes over its list: same address, membership now computed from the new class.
-- The at-least-one-owner check runs at commit, after the rollover has copied the regents.
create function list_follow_class() returns trigger language plpgsql as $$
begin
  if new.previous_class_id is not null then
    update mailing_list set class_id = new.id
    where class_id = new.previous_class_id
      and not exists (select 1 from mailing_list where class_id = new.id);
  end if;
  return null;
end $$;
create trigger list_follow_class after insert on class
  for each row execute function list_follow_class();
