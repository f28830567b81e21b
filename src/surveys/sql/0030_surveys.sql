-- Surveys: questionnaires, their audience, personal invitations (hashed tokens), answers.
-- Anonymous surveys keep their answers in a table that cannot point back to anyone:
-- see survey_anonymous_response at the end.

create table survey (
  id bigint generated always as identity primary key,
  title_fr text not null check (length(btrim(title_fr)) between 1 and 200),
  title_oc text not null default '' check (length(title_oc) <= 200),
  title_en text not null default '' check (length(title_en) <= 200),
  intro_fr text not null default '' check (length(intro_fr) <= 5000),
  intro_oc text not null default '' check (length(intro_oc) <= 5000),
  intro_en text not null default '' check (length(intro_en) <= 5000),
  status text not null default 'draft' check (status in ('draft', 'open', 'closed')),
  anonymous boolean not null default false,
  opens_at timestamptz,
  closes_at timestamptz,
  -- Percentage the organisers hope for; below it, a reminder ("send it again") is suggested.
  target_rate integer check (target_rate between 1 and 100),
  -- Scheduled reminders to non-respondents, every N days while open (null: by hand only).
  remind_every_days integer check (remind_every_days between 1 and 60),
  last_reminder_at timestamptz,
  -- A template is copied into new surveys; it is never opened itself.
  is_template boolean not null default false,
  created_by bigint references person (id) on delete set null,
  created_at timestamptz not null default now(),
  opened_at timestamptz,
  closed_at timestamptz,
  check (closes_at is null or opens_at is null or closes_at > opens_at),
  check (not is_template or status = 'draft'),
  check ((status = 'draft') = (opened_at is null))
);

-- Once invitations exist, the promise made to respondents (anonymous or not) cannot change,
-- and a survey never goes back to draft.
create function survey_guard() returns trigger language plpgsql as $$
begin
  if old.status <> 'draft' and new.anonymous <> old.anonymous then
    raise exception 'the anonymity of a survey cannot change once it is open' using errcode = 'check_violation';
  end if;
  if old.status <> 'draft' and new.status = 'draft' then
    raise exception 'an opened survey cannot go back to draft' using errcode = 'check_violation';
  end if;
  return new;
end $$;
create trigger survey_guard before update on survey for each row execute function survey_guard();

create table survey_section (
  id bigint generated always as identity primary key,
  survey_id bigint not null references survey (id) on delete cascade,
  position integer not null check (position >= 0),
  title_fr text not null default '' check (length(title_fr) <= 200),
  title_oc text not null default '' check (length(title_oc) <= 200),
  title_en text not null default '' check (length(title_en) <= 200),
  unique (survey_id, position),
  unique (id, survey_id)
);

create table survey_question (
  id bigint generated always as identity primary key,
  survey_id bigint not null references survey (id) on delete cascade,
  section_id bigint not null,
  position integer not null check (position >= 0),
  kind text not null check (kind in ('single', 'multiple', 'scale', 'number', 'short_text', 'long_text', 'date', 'matrix')),
  required boolean not null default false,
  prompt_fr text not null check (length(btrim(prompt_fr)) between 1 and 500),
  prompt_oc text not null default '' check (length(prompt_oc) <= 500),
  prompt_en text not null default '' check (length(prompt_en) <= 500),
  -- "Other: …" free answer beside the options of a choice question.
  allow_other boolean not null default false check (not allow_other or kind in ('single', 'multiple')),
  -- Show this question only if the answer to an earlier choice question includes this option.
  condition_question_id bigint,
  condition_option_id bigint,
  foreign key (section_id, survey_id) references survey_section (id, survey_id) on delete cascade,
  unique (section_id, position),
  unique (id, survey_id),
  check ((condition_question_id is null) = (condition_option_id is null)),
  check (condition_question_id is null or condition_question_id <> id)
);
create index survey_question_survey on survey_question (survey_id);

-- Choices of single/multiple questions; rows and columns of a matrix.
create table survey_option (
  id bigint generated always as identity primary key,
  question_id bigint not null references survey_question (id) on delete cascade,
  role text not null default 'choice' check (role in ('choice', 'row', 'column')),
  position integer not null check (position >= 0),
  label_fr text not null check (length(btrim(label_fr)) between 1 and 200),
  label_oc text not null default '' check (length(label_oc) <= 200),
  label_en text not null default '' check (length(label_en) <= 200),
  unique (question_id, role, position),
  unique (id, question_id)
);

-- Removing the option or question a condition looks at removes the condition, not the question.
alter table survey_question
  add foreign key (condition_question_id) references survey_question (id) on delete set null,
  add foreign key (condition_option_id, condition_question_id) references survey_option (id, question_id) on delete set null;

-- A condition may only look back: at a choice question placed earlier in the survey.
create function survey_question_condition_guard() returns trigger language plpgsql as $$
declare
  target record;
  mine record;
begin
  if new.condition_question_id is null then return new; end if;
  select q.kind, q.survey_id, s.position as spos, q.position as qpos into target
    from survey_question q join survey_section s on s.id = q.section_id where q.id = new.condition_question_id;
  select position as spos into mine from survey_section where id = new.section_id;
  if target.survey_id <> new.survey_id or target.kind not in ('single', 'multiple') then
    raise exception 'a condition must refer to a choice question' using errcode = 'check_violation';
  end if;
  if (target.spos, target.qpos) >= (mine.spos, new.position) then
    raise exception 'a condition must refer to an earlier question' using errcode = 'check_violation';
  end if;
  return new;
end $$;
create trigger survey_question_condition_guard before insert or update on survey_question
  for each row execute function survey_question_condition_guard();

-- The questionnaire is frozen once invitations are out: answers must keep their meaning.
create function survey_structure_frozen() returns trigger language plpgsql as $$
declare
  sid bigint;
  st text;
begin
  if tg_table_name = 'survey_option' then
    select survey_id into sid from survey_question where id = coalesce(new.question_id, old.question_id);
  else
    sid := coalesce(new.survey_id, old.survey_id);
  end if;
  select status into st from survey where id = sid;
  if st is not null and st <> 'draft' then
    raise exception 'the questions of an opened survey cannot change' using errcode = 'check_violation';
  end if;
  return coalesce(new, old);
end $$;
create trigger survey_section_frozen before insert or update or delete on survey_section
  for each row execute function survey_structure_frozen();
create trigger survey_question_frozen before insert or update or delete on survey_question
  for each row execute function survey_structure_frozen();
create trigger survey_option_frozen before insert or update or delete on survey_option
  for each row execute function survey_structure_frozen();

-- Who is asked: directory groups, classes, schools, or every parent of the current year.
create table survey_audience (
  id bigint generated always as identity primary key,
  survey_id bigint not null references survey (id) on delete cascade,
  kind text not null check (kind in ('group', 'class', 'school', 'all_parents')),
  group_id bigint references directory_group (id) on delete cascade,
  class_id bigint references class (id) on delete cascade,
  school_id bigint references school (id) on delete cascade,
  check (
    (kind = 'group') = (group_id is not null) and
    (kind = 'class') = (class_id is not null) and
    (kind = 'school') = (school_id is not null)
  )
);
create unique index survey_audience_unique on survey_audience (survey_id, kind, coalesce(group_id, class_id, school_id, 0));

-- One invitation per person and survey, whatever the number of targeted groups they are in.
create table survey_invitation (
  id bigint generated always as identity primary key,
  survey_id bigint not null references survey (id) on delete cascade,
  person_id bigint not null references person (id) on delete cascade,
  email text not null check (length(email) <= 254),
  created_at timestamptz not null default now(),
  reminders integer not null default 0 check (reminders >= 0),
  last_reminded_at timestamptz,
  -- The day (not the time) it answered: enough for reminders and the rate over time, too
  -- coarse to pair an anonymous answer with its invitation by timing.
  submitted_on date,
  unique (survey_id, person_id),
  unique (id, survey_id)
);
create index survey_invitation_pending on survey_invitation (survey_id) where submitted_on is null;

-- The link carries the token; only its SHA-256 is stored. A reminder mails a new link (the old
-- token cannot be read back) and the first link keeps working.
create table survey_token (
  token_hash bytea primary key check (length(token_hash) = 32),
  invitation_id bigint not null references survey_invitation (id) on delete cascade,
  created_at timestamptz not null default now()
);
create index survey_token_invitation on survey_token (invitation_id);

-- Answering is only possible while the survey is open.
create function survey_invitation_answer_guard() returns trigger language plpgsql as $$
begin
  if new.submitted_on is not null and old.submitted_on is null
     and not exists (select 1 from survey where id = new.survey_id and status = 'open') then
    raise exception 'this survey is not open' using errcode = 'check_violation';
  end if;
  if old.submitted_on is not null and new.submitted_on is distinct from old.submitted_on then
    raise exception 'an answered invitation stays answered' using errcode = 'check_violation';
  end if;
  return new;
end $$;
create trigger survey_invitation_answer_guard before update on survey_invitation
  for each row execute function survey_invitation_answer_guard();

-- Through which school, class or targeted group each invitation reaches its person, taken at
-- opening: the response rate per school and per class stays right after a rollover.
create table survey_invitation_unit (
  invitation_id bigint not null references survey_invitation (id) on delete cascade,
  unit_kind text not null check (unit_kind in ('school', 'class', 'group')),
  unit_id bigint not null,
  primary key (invitation_id, unit_kind, unit_id)
);
create index survey_invitation_unit_unit on survey_invitation_unit (unit_kind, unit_id);

-- A draft being filled in, resumable from the link until it is submitted (then deleted).
create table survey_draft (
  invitation_id bigint primary key references survey_invitation (id) on delete cascade,
  answers jsonb not null check (jsonb_typeof(answers) = 'object' and pg_column_size(answers) <= 262144),
  updated_at timestamptz not null default now()
);

-- Submitted answers of a named (non-anonymous) survey: one per invitation.
create table survey_response (
  id bigint generated always as identity primary key,
  survey_id bigint not null,
  invitation_id bigint not null unique,
  answers jsonb not null check (jsonb_typeof(answers) = 'object' and pg_column_size(answers) <= 262144),
  submitted_at timestamptz not null default now(),
  foreign key (invitation_id, survey_id) references survey_invitation (id, survey_id) on delete cascade
);
create index survey_response_survey on survey_response (survey_id);

-- Submitted answers of an anonymous survey. By construction nothing here leads to a person:
-- no invitation or person column, no foreign key other than the survey, a random key (an
-- identity would give the order of submission), and no time of submission.
create table survey_anonymous_response (
  id uuid primary key default gen_random_uuid(),
  survey_id bigint not null references survey (id) on delete cascade,
  answers jsonb not null check (jsonb_typeof(answers) = 'object' and pg_column_size(answers) <= 262144)
);
create index survey_anonymous_response_survey on survey_anonymous_response (survey_id);

-- Each kind of response table accepts only surveys of its kind.
create function survey_response_kind_guard() returns trigger language plpgsql as $$
declare
  anon boolean;
begin
  select anonymous into anon from survey where id = new.survey_id;
  if anon is distinct from (tg_table_name = 'survey_anonymous_response') then
    raise exception 'wrong response table for this survey' using errcode = 'check_violation';
  end if;
  return new;
end $$;
create trigger survey_response_kind_guard before insert on survey_response
  for each row execute function survey_response_kind_guard();
create trigger survey_anonymous_response_kind_guard before insert on survey_anonymous_response
  for each row execute function survey_response_kind_guard();
