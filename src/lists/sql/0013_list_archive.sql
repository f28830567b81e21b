-- Archives: accepted messages of a list, threaded by conversation, searchable in French.
alter table list_message
  add column body_text text not null default '',
  add column in_reply_to text not null default '',
  -- The first message of the conversation (null: this message starts one).
  add column thread_id bigint references list_message (id) on delete set null;
create index list_message_message_id on list_message (message_id) where message_id <> '';
create index list_message_thread on list_message (thread_id);
create index list_message_search on list_message using gin (to_tsvector('french', subject || ' ' || body_text));
