-- Daily digests: when each list last sent one (the next covers what was accepted since).
alter table mailing_list add column digest_sent_at timestamptz;
