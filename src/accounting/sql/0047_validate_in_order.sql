-- Bulk validation in a given order (FEC import): the entries of a batch are validated one by
-- one, in the order of the array, inside one call, so each takes the next number of its year
-- from the numbering trigger in that order (an UPDATE … WHERE id = ANY(…) gives no order).
-- The trigger's rules all apply: this only saves a round trip per entry.
create function validate_entries_in_order(ids bigint[], by_person bigint, by_label text) returns integer
language plpgsql as $$
declare
  i bigint;
  n integer := 0;
begin
  foreach i in array ids loop
    update entry set status = 'validated', validated_by_person_id = by_person, validated_by_label = by_label
      where id = i and status = 'draft';
    if not found then
      raise exception 'entry % is not a draft: it cannot be validated', i using errcode = 'P0001';
    end if;
    n := n + 1;
  end loop;
  return n;
end $$;
