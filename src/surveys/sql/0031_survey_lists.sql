-- Mailing lists as a survey audience. A list's current members come from the lists module's
-- list_membership view (directory-derived and hand-added members, minus owners' exclusions).
-- A hand-added member whose address is not in the directory is invited by address alone:
-- an invitation with no person, deduplicated by address.

alter table survey_audience drop constraint survey_audience_kind_check;
alter table survey_audience drop constraint survey_audience_check;
alter table survey_audience add column list_id bigint references mailing_list (id) on delete cascade;
alter table survey_audience add constraint survey_audience_kind_check
  check (kind in ('group', 'class', 'school', 'all_parents', 'list'));
alter table survey_audience add constraint survey_audience_check check (
  (kind = 'group') = (group_id is not null) and
  (kind = 'class') = (class_id is not null) and
  (kind = 'school') = (school_id is not null) and
  (kind = 'list') = (list_id is not null)
);
drop index survey_audience_unique;
create unique index survey_audience_unique on survey_audience (survey_id, kind, coalesce(group_id, class_id, school_id, list_id, 0));

-- An invitation names a person of the directory, or (list members outside it) only an address.
alter table survey_invitation alter column person_id drop not null;
alter table survey_invitation add column display_name text not null default '' check (length(display_name) <= 200);
-- One invitation per address too: a directory address belongs to one person, and an address
-- outside the directory is invited once however many targeted lists carry it.
create unique index survey_invitation_email on survey_invitation (survey_id, email);
alter table survey_invitation add constraint survey_invitation_email_lower check (email = lower(email));

alter table survey_invitation_unit drop constraint survey_invitation_unit_unit_kind_check;
alter table survey_invitation_unit add constraint survey_invitation_unit_unit_kind_check
  check (unit_kind in ('school', 'class', 'group', 'list'));
