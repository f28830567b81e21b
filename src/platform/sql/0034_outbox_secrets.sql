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
