-- What the directory publishes to the other modules. Lists, surveys, the books and sign-in read
-- the directory through these views (and src/directory/people.ts), never its tables: the
-- directory may reshape its tables as long as these keep their columns. Read-only by contract.
-- (person_primary_email, a person's first address, was published by the lists' 0010 and stays.)

create view dir_person as
  select id, first_name, last_name, is_platform_admin from person;

-- Every address of a person; the first (lowest position) is the one mail goes to.
create view dir_address as
  select email, person_id, position from person_email;

create view dir_school as
  select id, name, slug from school;

-- Classes of every year; is_current marks those of the open year, previous_class_id the class
-- of last year this one continues (a list follows its class across the rollover).
create view dir_class as
  select c.id, c.school_id, c.name, c.level, y.is_current, c.previous_class_id
  from class c join school_year y on y.id = c.school_year_id;

create view dir_group as
  select id, kind, name, slug, school_id from directory_group;

create view dir_group_member as
  select group_id, person_id, role from group_member;

create view dir_class_regent as
  select class_id, person_id from class_regent;

-- The guardians of the pupils enrolled this year, with their child's class and school.
create view dir_class_guardian as
  select distinct hg.person_id, c.id as class_id, c.school_id
  from class c
  join school_year y on y.id = c.school_year_id and y.is_current
  join enrolment e on e.class_id = c.id and e.school_year_id = y.id
  join pupil p on p.id = e.pupil_id
  join household_guardian hg on hg.household_id = p.household_id;

create view dir_household as
  select id, name from household;

-- Who administers the platform: a bootstrap admin, or a member of the IT group.
create view dir_platform_admin as
  select id as person_id from person where is_platform_admin
  union
  select gm.person_id from group_member gm join directory_group g on g.id = gm.group_id where g.kind = 'it';
