-- A request to leave a list by mail whose From is not proven waits for the member to confirm
-- it: the confirmation goes to the member's own address, so a forger cannot unsubscribe anyone.
-- The token is stored only as its SHA-256 hash; it serves once and expires.
create table list_unsubscribe_request (
  id bigint generated always as identity primary key,
  list_id bigint not null references mailing_list (id) on delete cascade,
  address text not null check (address = lower(address) and address <> ''),
  token_hash bytea not null unique check (length(token_hash) = 32),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  check (expires_at > created_at),
  check (used_at is null or used_at >= created_at)
);
create index list_unsubscribe_request_address on list_unsubscribe_request (list_id, address, created_at);
