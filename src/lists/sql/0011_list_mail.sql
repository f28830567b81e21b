-- Mail through the lists: messages received (stored before the SMTP 250), the lists each
-- one was addressed to, and the copies to deliver (one per recipient, whatever the number
-- of lists the message went to).

create table list_message (
  id bigint generated always as identity primary key,
  received_at timestamptz not null default now(),
  envelope_from text not null default '',
  from_address text not null default '',
  from_name text not null default '',
  subject text not null default '',
  message_id text not null default '',
  raw bytea not null,
  size integer not null check (size >= 0),
  -- SPF / DKIM / DMARC results of the sender checks, and the sender domain's DMARC policy.
  auth jsonb not null default '{}'::jsonb,
  -- held: waits for a moderator; accepted: distributed; rejected (sender told), discarded,
  -- expired: never distributed.
  status text not null check (status in ('held', 'accepted', 'rejected', 'discarded', 'expired')),
  held_reason text,
  decided_at timestamptz,
  decided_by_person_id bigint references person (id) on delete set null,
  decided_by_label text,
  reject_reason text,
  expires_at timestamptz,
  distributed_at timestamptz,
  check ((status = 'held') = (decided_at is null))
);
create index list_message_held on list_message (expires_at) where status = 'held';

create table list_message_target (
  message_id bigint not null references list_message (id) on delete cascade,
  list_id bigint not null references mailing_list (id) on delete cascade,
  -- Order of the list in the recipients: a copy carries the headers of the first list that reaches its member.
  position integer not null default 0,
  primary key (message_id, list_id)
);
create index list_message_target_list on list_message_target (list_id, message_id);

-- Senders a moderator chose to always accept on a list.
create table list_allowed_sender (
  list_id bigint not null references mailing_list (id) on delete cascade,
  address text not null check (address = lower(address)),
  added_at timestamptz not null default now(),
  primary key (list_id, address)
);

-- One row per copy: the durable outbound queue. unique (message_id, address) is what makes a
-- member of two lists get one copy.
create table list_delivery (
  id bigint generated always as identity primary key,
  message_id bigint not null references list_message (id) on delete cascade,
  list_id bigint not null references mailing_list (id) on delete cascade,
  address text not null,
  -- queued: for the relay; sent; failed: refused for good; kept: no relay, copied to the outbox.
  status text not null default 'queued' check (status in ('queued', 'sent', 'failed', 'kept')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  -- A worker that took the copy; after this time another may take it (the first one died).
  claimed_until timestamptz,
  last_error text,
  sent_at timestamptz,
  unique (message_id, address)
);
create index list_delivery_due on list_delivery (next_attempt_at) where status = 'queued';
create index list_delivery_list_address on list_delivery (list_id, address);

-- Keys of the list server: the DKIM key of MAIL_DOMAIN and the secret that signs
-- unsubscribe links and VERP addresses. Generated on first start.
create table list_key (
  domain text primary key,
  dkim_selector text not null check (dkim_selector ~ '^[a-z0-9-]+$'),
  dkim_private_pem text not null,
  dkim_public_b64 text not null,
  link_secret bytea not null check (length(link_secret) >= 32),
  created_at timestamptz not null default now()
);
