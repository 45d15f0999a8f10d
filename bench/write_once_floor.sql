-- Written for the schema before session 20, where a link was columns of the record: run it at
-- commit 2ddebe9 or earlier (migration profiles/0007); the links are rows of RecordLink since.
-- What writing each record once with its link would save against today's two writes (a COPY of the
-- pending record, then the link UPDATE), measured on a linked registry:
--   DJANGO_DEBUG=1 .venv/bin/python bench/ingest_link_bench.py --records 200000 --skip splink --skip splink_ids --keep
--   psql -h 127.0.0.1 -U postgres -d ingest_link_bench -f bench/write_once_floor.sql
--   psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE ingest_link_bench'
-- Two copies of the records table with its indexes and the person foreign key: one filled with the
-- linked records in one INSERT; the other filled with them pending, then linked by one UPDATE.
\timing on
DROP TABLE IF EXISTS fa; DROP TABLE IF EXISTS fb;
CREATE TABLE fa (LIKE profiles_sourcerecord INCLUDING ALL);
ALTER TABLE fa ADD FOREIGN KEY (person_id) REFERENCES profiles_person(id) DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE fb (LIKE profiles_sourcerecord INCLUDING ALL);
ALTER TABLE fb ADD FOREIGN KEY (person_id) REFERENCES profiles_person(id) DEFERRABLE INITIALLY DEFERRED;
CHECKPOINT;
\echo written once with the link
INSERT INTO fa SELECT * FROM profiles_sourcerecord;
CHECKPOINT;
\echo written pending, then updated
INSERT INTO fb (id, source_system, source_record_id, received_at, payload, supersedes_id, surname, given_names, patronymic, birth_date, sex, citizenship, document_type, document_number, phone, tax_id, link_reason)
  SELECT id, source_system, source_record_id, received_at, payload, supersedes_id, surname, given_names, patronymic, birth_date, sex, citizenship, document_type, document_number, phone, tax_id, '{}'::jsonb FROM profiles_sourcerecord;
UPDATE fb SET person_id = r.person_id, link_score = r.link_score, link_reason = r.link_reason, linked_at = r.linked_at
  FROM profiles_sourcerecord r WHERE fb.id = r.id;
DROP TABLE fa; DROP TABLE fb;
