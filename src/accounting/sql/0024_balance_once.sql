-- The commit-time balance check runs once per entry touched, not once per line written.
-- Statement-level triggers (transition tables) note the entries a statement touched in
-- entry_balance_pending — one row per entry and transaction, later statements on the same
-- entry add nothing (on conflict do nothing) — and the deferred constraint trigger on that
-- table checks each noted entry once, at commit, then removes its row. The guarantee is the
-- same as before: an unbalanced entry fails at commit, whoever writes it.
drop trigger entry_balances on entry;
drop trigger entry_balances on entry_line;
drop function entry_balance_guard();

-- Rows live only inside the transaction that wrote them (removed by the check at commit).
create table entry_balance_pending (entry_id bigint primary key);

create function entry_balance_pending_check() returns trigger language plpgsql as $$
begin
  delete from entry_balance_pending where entry_id = new.entry_id;
  perform entry_balance_check(new.entry_id);
  return null;
end $$;
create constraint trigger entry_balance_pending_check after insert on entry_balance_pending
  deferrable initially deferred for each row execute function entry_balance_pending_check();

-- Transition tables allow one event per trigger: one function per shape of transition table.
create function entry_touched_new() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'entry' then
    insert into entry_balance_pending (entry_id) select distinct id from new_rows order by 1 on conflict do nothing;
  else
    insert into entry_balance_pending (entry_id) select distinct entry_id from new_rows order by 1 on conflict do nothing;
  end if;
  return null;
end $$;
create function entry_line_touched_old() returns trigger language plpgsql as $$
begin
  insert into entry_balance_pending (entry_id) select distinct entry_id from old_rows order by 1 on conflict do nothing;
  return null;
end $$;
create function entry_line_touched_both() returns trigger language plpgsql as $$
begin
  insert into entry_balance_pending (entry_id)
    select entry_id from new_rows union select entry_id from old_rows order by 1
    on conflict do nothing;
  return null;
end $$;

create trigger entry_touched_insert after insert on entry
  referencing new table as new_rows for each statement execute function entry_touched_new();
create trigger entry_touched_update after update on entry
  referencing new table as new_rows for each statement execute function entry_touched_new();
create trigger entry_line_touched_insert after insert on entry_line
  referencing new table as new_rows for each statement execute function entry_touched_new();
create trigger entry_line_touched_update after update on entry_line
  referencing old table as old_rows new table as new_rows for each statement execute function entry_line_touched_both();
create trigger entry_line_touched_delete after delete on entry_line
  referencing old table as old_rows for each statement execute function entry_line_touched_old();
