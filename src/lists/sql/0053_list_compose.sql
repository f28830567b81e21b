-- Messages written in the browser (/lists/compose). A draft keeps the text and the attachments
-- between the form and the preview; its key, drawn when the form is shown and carried by it,
-- names the one message it may become.
create table list_draft (
  id bigint generated always as identity primary key,
  key text not null unique check (key ~ '^[A-Za-z0-9_-]{16,64}$'),
  author_person_id bigint not null references person (id) on delete cascade,
  -- The chosen lists in the order chosen; checked again when it is sent.
  list_ids bigint[] not null check (cardinality(list_ids) between 1 and 50),
  subject text not null check (length(subject) between 1 and 300),
  body text not null check (length(body) <= 100000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz,
  sent_message_id bigint references list_message (id) on delete set null,
  check (sent_message_id is null or sent_at is not null)
);
create index list_draft_author on list_draft (author_person_id, updated_at);

create table list_draft_attachment (
  draft_id bigint not null references list_draft (id) on delete cascade,
  position integer not null check (position between 0 and 99),
  filename text not null check (length(filename) between 1 and 200),
  content_type text not null check (length(content_type) between 3 and 200),
  content bytea not null,
  primary key (draft_id, position)
);

-- A draft is sent as the Message-ID <compose-KEY@domain>: the message is stored once, however
-- many times "Send" is clicked, by however many requests at once (the second insert fails here
-- inside the receiving transaction, which stores nothing and queues nothing).
create unique index list_message_composed_once on list_message (message_id) where message_id like '<compose-%';

-- A sent draft's text and files live on in the message; the draft keeps only its outcome.
create function list_draft_frozen() returns trigger language plpgsql as $$
begin
  if old.sent_at is not null and (new.subject, new.body, new.list_ids) is distinct from (old.subject, old.body, old.list_ids) then
    raise exception 'draft % was sent and can no longer change', old.key using errcode = '23514', constraint = 'list_draft_frozen';
  end if;
  return new;
end $$;
create trigger list_draft_frozen before update on list_draft for each row execute function list_draft_frozen();
