-- Mailing lists. A derived list (class, school, group) has no stored membership: the views
-- below compute it from the directory when a message is sent, so an import, a rollover or an
-- edit changes who receives mail at once, with no sync job to forget.

create table mailing_list (
  id bigint generated always as identity primary key,
  -- Local part of the address: <slug>@MAIL_DOMAIN. Editable by admins.
  slug text not null unique check (slug ~ '^[a-z0-9]+([._-][a-z0-9]+)*$' and length(slug) <= 64),
  name text not null check (length(btrim(name)) between 1 and 200),
  kind text not null check (kind in ('class', 'school', 'group', 'manual')),
  class_id bigint references class (id),
  school_id bigint references school (id),
  group_id bigint references directory_group (id),
  -- announce: owners and moderators post, others are held (default for class lists, so a
  -- parent's reply-all never reaches every family); discussion: members post; moderated: all held.
  policy text not null default 'announce' check (policy in ('announce', 'discussion', 'moderated')),
  subject_prefix text not null default '' check (length(subject_prefix) <= 60),
  footer text not null default '' check (length(footer) <= 2000),
  reply_to text not null default 'sender' check (reply_to in ('sender', 'list')),
  max_bytes integer not null default 10485760 check (max_bytes between 1024 and 104857600),
  archive_public boolean not null default false,
  created_at timestamptz not null default now(),
  check (
    (kind = 'class' and class_id is not null and school_id is null and group_id is null)
    or (kind = 'school' and school_id is not null and class_id is null and group_id is null)
    or (kind = 'group' and group_id is not null and class_id is null and school_id is null)
    or (kind = 'manual' and class_id is null and school_id is null and group_id is null)
  )
);
-- One derived list per class, school or group.
create unique index mailing_list_class on mailing_list (class_id) where class_id is not null;
create unique index mailing_list_school on mailing_list (school_id) where school_id is not null;
create unique index mailing_list_group on mailing_list (group_id) where group_id is not null;

-- Owners and moderators named by hand (derived lists also get owners from the directory).
create table list_role (
  list_id bigint not null references mailing_list (id) on delete cascade,
  person_id bigint not null references person (id) on delete cascade,
  role text not null check (role in ('owner', 'moderator')),
  granted_at timestamptz not null default now(),
  primary key (list_id, person_id, role)
);
create index list_role_person on list_role (person_id);

-- Every role change, with who made it (the application sets ostal.actor_* for the transaction).
create table list_role_event (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  list_id bigint not null,
  person_id bigint not null,
  role text not null,
  change text not null check (change in ('granted', 'revoked')),
  actor_person_id bigint,
  actor_label text not null
);
create index list_role_event_list on list_role_event (list_id, at);

create function list_role_record() returns trigger language plpgsql as $$
declare
  actor_id bigint := nullif(current_setting('ostal.actor_id', true), '')::bigint;
  actor_label text := coalesce(nullif(current_setting('ostal.actor_label', true), ''), current_user);
begin
  if tg_op in ('DELETE', 'UPDATE') then
    insert into list_role_event (list_id, person_id, role, change, actor_person_id, actor_label)
      values (old.list_id, old.person_id, old.role, 'revoked', actor_id, actor_label);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into list_role_event (list_id, person_id, role, change, actor_person_id, actor_label)
      values (new.list_id, new.person_id, new.role, 'granted', actor_id, actor_label);
  end if;
  return null;
end $$;
create trigger list_role_record after insert or update or delete on list_role
  for each row execute function list_role_record();

-- Members added by hand: all members of a hand-made list, extra members of a derived one.
create table list_member (
  list_id bigint not null references mailing_list (id) on delete cascade,
  address text not null check (address = lower(address) and address ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and length(address) <= 254),
  display_name text not null default '' check (length(display_name) <= 200),
  added_at timestamptz not null default now(),
  primary key (list_id, address)
);

-- Addresses an owner took off a derived list (the directory still names them).
create table list_exclusion (
  list_id bigint not null references mailing_list (id) on delete cascade,
  address text not null check (address = lower(address)),
  added_at timestamptz not null default now(),
  primary key (list_id, address)
);

-- Per member and list: delivery mode and bounce state, for derived and hand-made members alike.
create table list_member_state (
  list_id bigint not null references mailing_list (id) on delete cascade,
  address text not null check (address = lower(address)),
  delivery text not null default 'each' check (delivery in ('each', 'digest', 'nomail')),
  bounce_score numeric(6, 2) not null default 0 check (bounce_score >= 0),
  last_bounce_at timestamptz,
  -- Set when the bounce score reached the threshold: no mail until re-enabled.
  disabled_at timestamptz,
  primary key (list_id, address)
);

-- The one address a person is reached at: their first.
create view person_primary_email as
  select distinct on (person_id) person_id, email
  from person_email
  order by person_id, position, email;

-- Members the directory gives each derived list, computed at query time.
create view list_directory_member as
  select l.id as list_id, pe.email as address, pe.person_id
  from mailing_list l
  join class c on l.kind = 'class' and c.id = l.class_id
  join school_year y on y.id = c.school_year_id and y.is_current
  join enrolment e on e.class_id = c.id and e.school_year_id = y.id
  join pupil p on p.id = e.pupil_id
  join household_guardian hg on hg.household_id = p.household_id
  join person_primary_email pe on pe.person_id = hg.person_id
  union
  select l.id, pe.email, pe.person_id
  from mailing_list l
  join class c on l.kind = 'school' and c.school_id = l.school_id
  join school_year y on y.id = c.school_year_id and y.is_current
  join enrolment e on e.class_id = c.id and e.school_year_id = y.id
  join pupil p on p.id = e.pupil_id
  join household_guardian hg on hg.household_id = p.household_id
  join person_primary_email pe on pe.person_id = hg.person_id
  union
  select l.id, pe.email, pe.person_id
  from mailing_list l
  join group_member gm on l.kind = 'group' and gm.group_id = l.group_id
  join person_primary_email pe on pe.person_id = gm.person_id;

-- Everyone on a list: directory members and hand-added members, minus exclusions.
create view list_membership as
  select m.list_id, m.address, max(m.person_id) as person_id, bool_or(m.from_directory) as from_directory
  from (
    select list_id, address, person_id, true as from_directory from list_directory_member
    union all
    select lm.list_id, lm.address, pe.person_id, false
    from list_member lm left join person_email pe on pe.email = lm.address
  ) m
  where not exists (select 1 from list_exclusion x where x.list_id = m.list_id and x.address = m.address)
  group by m.list_id, m.address;

-- Owners: named by hand, or given by the directory (a class's regents; a group's lead,
-- president and co-presidents).
create view list_directory_owner as
  select l.id as list_id, cr.person_id
  from mailing_list l join class_regent cr on l.kind = 'class' and cr.class_id = l.class_id
  union
  select l.id, gm.person_id
  from mailing_list l join group_member gm on l.kind = 'group' and gm.group_id = l.group_id
  where gm.role in ('lead', 'president', 'co_president');

create view list_owner as
  select list_id, person_id, false as from_directory from list_role where role = 'owner'
  union
  select list_id, person_id, true from list_directory_owner;

-- Who may approve held mail and post to an announce list: owners and moderators
-- (a class's regents own and moderate it).
create view list_moderator as
  select list_id, person_id from list_owner
  union
  select list_id, person_id from list_role where role = 'moderator';

-- A list always keeps at least one owner. Checked at commit (deferred), so an ownership
-- transfer may remove the old owner before adding the new one within one transaction.
-- Directory owners count: removing a class's last regent (or a group's last lead) is refused
-- while the list has no owner named by hand; directory changes that touch no list are free.
create function list_check_has_owner(target bigint) returns void language plpgsql as $$
begin
  if target is null or not exists (select 1 from mailing_list where id = target) then
    return;
  end if;
  if not exists (select 1 from list_owner where list_id = target) then
    raise exception 'list % would be left without an owner', (select slug from mailing_list where id = target)
      using errcode = '23514', constraint = 'list_has_owner';
  end if;
end $$;

create function list_owner_guard() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'mailing_list' then
    perform list_check_has_owner(new.id);
  elsif tg_table_name = 'list_role' then
    perform list_check_has_owner(old.list_id);
  elsif tg_table_name = 'class_regent' then
    perform list_check_has_owner(l.id) from mailing_list l where l.class_id = old.class_id;
  elsif tg_table_name = 'group_member' then
    perform list_check_has_owner(l.id) from mailing_list l where l.group_id = old.group_id;
  end if;
  return null;
end $$;

create constraint trigger list_has_owner after insert or update on mailing_list
  deferrable initially deferred for each row execute function list_owner_guard();
create constraint trigger list_has_owner after update or delete on list_role
  deferrable initially deferred for each row execute function list_owner_guard();
create constraint trigger list_has_owner after update or delete on class_regent
  deferrable initially deferred for each row execute function list_owner_guard();
create constraint trigger list_has_owner after update or delete on group_member
  deferrable initially deferred for each row execute function list_owner_guard();
