-- The scheduler now runs every minute: rewrite an open anonymous survey's answers only when new
-- ones arrived since the last shuffle (each rewrite adds dead rows and WAL for nothing otherwise).
alter table survey add column anonymous_shuffled integer not null default 0 check (anonymous_shuffled >= 0);
