-- Platform: settings and the mail outbox.

create table setting (
  key text primary key check (key ~ '^[a-z][a-z0-9_.]*$'),
  value jsonb not null,
  updated_at timestamptz not null default now()
);

-- Every outgoing message is recorded here first. Without a relay it stays here ("kept")
-- and administrators read it on the outbox page; with a relay it is delivered and marked sent.
create table outbox_message (
  id bigint generated always as identity primary key,
  created_at timestamptz not null default now(),
  envelope_from text not null,
  envelope_to text[] not null check (cardinality(envelope_to) > 0),
  subject text not null default '',
  raw bytea not null,
  -- 'kept': no relay configured; 'queued': waiting for the relay; 'sent'; 'failed': refused for good.
  status text not null default 'kept' check (status in ('kept', 'queued', 'sent', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz,
  last_error text,
  sent_at timestamptz,
  -- Marks a message that carries a secret (sign-in link): shown only to its own recipient
  -- and to administrators, never in logs.
  sensitive boolean not null default false
);
create index outbox_message_created on outbox_message (created_at desc);
create index outbox_message_due on outbox_message (next_attempt_at) where status = 'queued';

-- Who did what, for every module.
create table audit_event (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_person_id bigint,
  actor_label text not null,
  action text not null,
  subject text,
  detail jsonb not null default '{}'::jsonb
);
create index audit_event_at on audit_event (at desc);
