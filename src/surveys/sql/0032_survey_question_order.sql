-- Questions can be moved up and down in the editor. The guard of 0030 checks a question's own
-- condition when it moves; this one checks, at commit, that no question of the survey is left
-- looking forward at the question it depends on (moving a condition's target below it).
-- Deferred: a swap goes through an intermediate position.
create function survey_condition_order_check() returns trigger language plpgsql as $$
begin
  if exists (
    select 1
    from survey_question d
    join survey_section ds on ds.id = d.section_id
    join survey_question t on t.id = d.condition_question_id
    join survey_section ts on ts.id = t.section_id
    where d.survey_id = new.survey_id and (ts.position, t.position) >= (ds.position, d.position)
  ) then
    raise exception 'a condition must refer to an earlier question' using errcode = 'check_violation';
  end if;
  return null;
end $$;
create constraint trigger survey_condition_order after update of position, section_id on survey_question
  deferrable initially deferred for each row execute function survey_condition_order_check();

-- Deleting a question (or its section) that another question's condition looks at must drop the
-- condition. The single-column "on delete set null" of 0030 nulled only condition_question_id and
-- so broke the both-or-neither check; the composite key on (option, question) alone does it right:
-- deleting a question deletes its options, which nulls both columns of the conditions on them.
alter table survey_question drop constraint survey_question_condition_question_id_fkey;
