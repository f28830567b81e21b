-- Directory: schools, years, classes, pupils, households, guardians, staff, groups.
-- Minors' data is kept minimal: a pupil is a first name, a household and enrolments.

create table school (
  id bigint generated always as identity primary key,
  name text not null unique check (length(btrim(name)) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  created_at timestamptz not null default now()
);

create table school_year (
  id bigint generated always as identity primary key,
  label text not null unique check (label ~ '^[0-9]{4}-[0-9]{4}$'),
  starts_on date not null,
  ends_on date not null,
  is_current boolean not null default false,
  check (ends_on > starts_on)
);
-- At most one current year.
create unique index school_year_one_current on school_year (is_current) where is_current;

-- French primary levels, in order; a rollover moves a pupil to the next rank.
create table level (
  code text primary key,
  rank integer not null unique
);
insert into level (code, rank) values
  ('TPS', 0), ('PS', 1), ('MS', 2), ('GS', 3), ('CP', 4), ('CE1', 5), ('CE2', 6), ('CM1', 7), ('CM2', 8);

create table class (
  id bigint generated always as identity primary key,
  school_id bigint not null references school (id),
  school_year_id bigint not null references school_year (id),
  name text not null check (length(btrim(name)) between 1 and 100),
  level text not null references level (code),
  -- The class of the previous year this one continues, for history across rollovers.
  previous_class_id bigint references class (id),
  unique (school_id, school_year_id, name),
  unique (id, school_year_id)
);

create table person (
  id bigint generated always as identity primary key,
  first_name text not null check (length(btrim(first_name)) between 1 and 100),
  last_name text not null check (length(btrim(last_name)) between 1 and 100),
  phone text check (phone is null or phone ~ '^\+?[0-9 .()-]{6,25}$'),
  -- Set by `ostal admin add` to bootstrap an instance before the IT group exists.
  is_platform_admin boolean not null default false,
  created_at timestamptz not null default now()
);
create index person_name on person (lower(last_name), lower(first_name));

-- One address belongs to one person: it is how they sign in and how lists reach them.
create table person_email (
  email text primary key check (email = lower(email) and email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and length(email) <= 254),
  person_id bigint not null references person (id) on delete cascade,
  position integer not null default 0
);
create index person_email_person on person_email (person_id);

create table household (
  id bigint generated always as identity primary key,
  -- The name the association's spreadsheet uses for the family; the import's key.
  name text not null unique check (length(btrim(name)) between 1 and 200),
  created_at timestamptz not null default now()
);

create table household_guardian (
  household_id bigint not null references household (id) on delete cascade,
  person_id bigint not null references person (id) on delete cascade,
  primary key (household_id, person_id)
);
create index household_guardian_person on household_guardian (person_id);

create table pupil (
  id bigint generated always as identity primary key,
  household_id bigint not null references household (id) on delete cascade,
  first_name text not null check (length(btrim(first_name)) between 1 and 100),
  unique (household_id, first_name)
);

-- One enrolment per pupil and year: the history of classes is kept across rollovers.
create table enrolment (
  pupil_id bigint not null references pupil (id) on delete cascade,
  school_year_id bigint not null references school_year (id),
  class_id bigint not null,
  primary key (pupil_id, school_year_id),
  foreign key (class_id, school_year_id) references class (id, school_year_id)
);
create index enrolment_class on enrolment (class_id);

-- Staff of a school or of the ALSH: regents (teachers), ALSH directors and staff.
create table staff (
  person_id bigint not null references person (id) on delete cascade,
  school_id bigint references school (id),
  role text not null check (role in ('regent', 'alsh_director', 'alsh_staff', 'other'))
);
-- (PostgreSQL 14 has no NULLS NOT DISTINCT: a staff role without a school counts as school 0.)
create unique index staff_unique on staff (person_id, coalesce(school_id, 0), role);

create table class_regent (
  class_id bigint not null references class (id) on delete cascade,
  person_id bigint not null references person (id) on delete cascade,
  primary key (class_id, person_id)
);
create index class_regent_person on class_regent (person_id);

-- Commissions, CA, bureau, ALSH team, IT group, trainers: people who need not be parents.
create table directory_group (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('commission', 'board', 'bureau', 'alsh', 'it', 'trainers', 'other')),
  name text not null unique check (length(btrim(name)) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  school_id bigint references school (id),
  created_at timestamptz not null default now()
);

create table group_member (
  group_id bigint not null references directory_group (id) on delete cascade,
  person_id bigint not null references person (id) on delete cascade,
  role text not null default 'member'
    check (role in ('lead', 'president', 'co_president', 'vice_president', 'treasurer', 'secretary', 'member')),
  primary key (group_id, person_id)
);
create index group_member_person on group_member (person_id);
