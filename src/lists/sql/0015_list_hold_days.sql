-- How long a held message waits for a moderator before it expires (with a notice to its sender).
alter table mailing_list add column hold_days integer not null default 7 check (hold_days between 1 and 90);
