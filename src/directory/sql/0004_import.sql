-- Directory import: the uploaded file is kept between the preview and the confirmation,
-- so that what is applied is exactly what was previewed (same bytes, same SHA-256).
create table import_upload (
  id bigint generated always as identity primary key,
  created_at timestamptz not null default now(),
  uploaded_by bigint references person (id) on delete set null,
  file_name text not null check (length(file_name) between 1 and 255),
  -- Cleared once applied or expired: the directory holds the data, the file need not stay.
  bytes bytea check (bytes is null or octet_length(bytes) <= 10485760),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size integer not null check (size between 0 and 10485760),
  expires_at timestamptz not null,
  -- pending: previewed, waiting for confirmation; running: being applied (in one transaction);
  -- applied: committed, once; failed: the apply found errors or broke, nothing written;
  -- interrupted: the process stopped during the apply, nothing written.
  status text not null default 'pending' check (status in ('pending', 'running', 'applied', 'failed', 'interrupted')),
  started_at timestamptz,
  finished_at timestamptz,
  -- Counts and errors of the apply, for the status page.
  result jsonb,
  check (status <> 'running' or started_at is not null),
  check (status not in ('applied', 'failed', 'interrupted') or finished_at is not null)
);
create index import_upload_created on import_upload (created_at desc);
create index import_upload_running on import_upload (id) where status = 'running';
