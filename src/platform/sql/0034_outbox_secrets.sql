-- Sensitive mail (a sign-in link or code, a personal survey link, a list copy's one-click
-- unsubscribe link) is never shown: once the relay has it, its bytes are not needed any more.
create function outbox_forget_sent_secret() returns trigger language plpgsql as $$
begin
  if new.sensitive and new.status = 'sent' then
    new.raw := ''::bytea;
  end if;
  return new;
end $$;
create trigger outbox_forget_sent_secret before insert or update on outbox_message
  for each row execute function outbox_forget_sent_secret();
update outbox_message set raw = ''::bytea where sensitive and status = 'sent';

-- List copies kept without a relay carry their member's unsubscribe token; they were queued
-- unmarked before this migration (their envelope sender is the VERP address slug+bounce-…).
update outbox_message set sensitive = true where not sensitive and envelope_from ~ '\+bounce-';

-- The demo's "try as" switch: the setting `demo.try_as` names the fictional people an
-- administrator may open a session as. It exists only while no real directory import has
-- happened: `directory.real_data`, written by every applied import, removes it, can never be
-- changed or removed, and forbids writing `demo.try_as` again.
create function setting_real_data_guard() returns trigger language plpgsql as $$
begin
  -- A demo load and an import committing together must not both win.
  perform pg_advisory_xact_lock(hashtext('ostal.setting.real_data'));
  if tg_op in ('UPDATE', 'DELETE') and old.key = 'directory.real_data' then
    raise exception 'directory.real_data is permanent' using errcode = 'check_violation';
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.key = 'demo.try_as'
     and exists (select 1 from setting where key = 'directory.real_data') then
    raise exception 'demo.try_as is refused once real data was imported' using errcode = 'check_violation';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end $$;
create trigger setting_real_data_guard before insert or update or delete on setting
  for each row execute function setting_real_data_guard();

create function setting_real_data_clears_demo() returns trigger language plpgsql as $$
begin
  delete from setting where key = 'demo.try_as';
  return null;
end $$;
create trigger setting_real_data_clears_demo after insert on setting
  for each row when (new.key = 'directory.real_data') execute function setting_real_data_clears_demo();
