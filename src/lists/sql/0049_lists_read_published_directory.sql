-- The lists' views read the directory through what it publishes (directory's 0048), not its
-- tables. Same columns, same rows; the triggers that keep a list owned still watch the
-- directory's regents and group members, since an invariant must act where the change is made.

create or replace view list_directory_member as
  select l.id as list_id, pe.email as address, pe.person_id
  from mailing_list l
  join dir_class_guardian g on l.kind = 'class' and g.class_id = l.class_id
  join person_primary_email pe on pe.person_id = g.person_id
  union
  select l.id, pe.email, pe.person_id
  from mailing_list l
  join dir_class_guardian g on l.kind = 'school' and g.school_id = l.school_id
  join person_primary_email pe on pe.person_id = g.person_id
  union
  select l.id, pe.email, pe.person_id
  from mailing_list l
  join dir_group_member gm on l.kind = 'group' and gm.group_id = l.group_id
  join person_primary_email pe on pe.person_id = gm.person_id;

create or replace view list_membership as
  select m.list_id, m.address, max(m.person_id) as person_id, bool_or(m.from_directory) as from_directory
  from (
    select list_id, address, person_id, true as from_directory from list_directory_member
    union all
    select lm.list_id, lm.address, a.person_id, false
    from list_member lm left join dir_address a on a.email = lm.address
  ) m
  where not exists (select 1 from list_exclusion x where x.list_id = m.list_id and x.address = m.address)
  group by m.list_id, m.address;

create or replace view list_directory_owner as
  select l.id as list_id, cr.person_id
  from mailing_list l join dir_class_regent cr on l.kind = 'class' and cr.class_id = l.class_id
  union
  select l.id, gm.person_id
  from mailing_list l join dir_group_member gm on l.kind = 'group' and gm.group_id = l.group_id
  where gm.role in ('lead', 'president', 'co_president');

-- What the lists publish to other modules (a survey addresses a list's readers): these views and
-- list_moderator, not the lists' tables.
create view list_public as
  select id, slug, name, kind from mailing_list;

-- Whom a list's mail reaches: its members, less those who chose no mail from it or whose address
-- was suspended for bounces; display_name is the name an owner gave an address outside the directory.
create view list_reach as
  select m.list_id, m.address, m.person_id, lm.display_name
  from list_membership m
  left join list_member_state st on st.list_id = m.list_id and st.address = m.address
  left join list_member lm on lm.list_id = m.list_id and lm.address = m.address
  where (st.delivery is null or st.delivery <> 'nomail') and st.disabled_at is null;
