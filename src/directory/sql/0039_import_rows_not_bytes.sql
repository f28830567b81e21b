-- Directory import: an uploaded file is read once, at upload. What the confirmation applies is
-- the rows read then (sheets) and what the preview shows is the check made then (preview); the
-- file's bytes are not kept at all. Rows and preview hold children's and parents' names: they
-- are cleared in the commit that applies the upload, and an upload that was not applied is
-- deleted 24 hours after it was made (src/directory/import/uploads.ts).
alter table import_upload drop column bytes;
alter table import_upload add column sheets jsonb;
alter table import_upload add column preview jsonb;
-- An applied upload is history (who imported which file, and the counts): nobody's name.
alter table import_upload add constraint import_upload_applied_keeps_no_rows
  check (status <> 'applied' or (sheets is null and preview is null));
create index import_upload_old on import_upload (created_at) where status <> 'applied';
