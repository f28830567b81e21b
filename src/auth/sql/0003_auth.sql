-- Sign-in without passwords: an e-mailed link plus a short code; sessions in cookies.
-- Only SHA-256 hashes of tokens and codes are stored.

create table signin_request (
  id bigint generated always as identity primary key,
  -- Public handle of the request (random), carried by the code form; not a secret.
  handle text not null unique,
  email text not null,
  person_id bigint references person (id) on delete cascade,
  link_hash bytea not null unique,
  code_hash bytea not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  failed_attempts integer not null default 0 check (failed_attempts >= 0),
  requester_ip text
);
create index signin_request_email on signin_request (email, created_at desc);
create index signin_request_ip on signin_request (requester_ip, created_at desc);

create table session (
  token_hash bytea primary key,
  person_id bigint not null references person (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  last_seen_at timestamptz not null default now()
);
create index session_person on session (person_id);
