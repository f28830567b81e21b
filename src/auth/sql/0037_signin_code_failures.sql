-- Wrong sign-in codes counted per client (IPv4 address or IPv6 /64), beside the five per request
-- of signin_request.failed_attempts: one client trying codes for many addresses is limited too.
-- One row per wrong code, kept in the database so that the count holds across processes; rows
-- older than the counting window are deleted as new ones come.

create table signin_code_failure (
  id bigint generated always as identity primary key,
  client text not null,
  failed_at timestamptz not null default now()
);
create index signin_code_failure_client on signin_code_failure (client, failed_at);
create index signin_code_failure_at on signin_code_failure (failed_at);
