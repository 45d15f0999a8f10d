-- Written for the schema before session 20, where a link was columns of the record: run it at
-- commit 2ddebe9 or earlier (migration profiles/0007); the links are rows of RecordLink since.
-- What each index of the records costs the link UPDATE (a record stored pending, then linked), and
-- what a staged, write-once ingest would save, measured on a linked registry:
--   DJANGO_DEBUG=1 .venv/bin/python bench/ingest_link_bench.py --records 1000000 --skip splink --skip splink_ids --keep
--   psql -h 127.0.0.1 -U postgres -d ingest_link_bench -f bench/link_update_indexes.sql
--   psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE ingest_link_bench'
-- Each case is a copy of the records table with some of its indexes: the records inserted pending
-- (as the ingest stores them), then linked by one UPDATE from the linked table (as a link chunk
-- does, foreign-key triggers off as in `foreign_keys_checked_per_table`). Figures: BENCHMARKS.md,
-- session 18.
\timing on
SET session_replication_role = replica;
DROP TABLE IF EXISTS fa; DROP TABLE IF EXISTS fb; DROP TABLE IF EXISTS st;
-- The two statements each case times (psql variables: one line each), in link_update_indexes_case.sql.
\set pending_insert 'INSERT INTO fb (id, source_system, source_record_id, received_at, payload, supersedes_id, surname, given_names, patronymic, birth_date, sex, citizenship, document_type, document_number, phone, tax_id, link_reason) SELECT id, source_system, source_record_id, received_at, payload, supersedes_id, surname, given_names, patronymic, birth_date, sex, citizenship, document_type, document_number, phone, tax_id, \'{}\'::jsonb FROM profiles_sourcerecord;'
\set link_update 'UPDATE fb SET person_id = r.person_id, link_score = r.link_score, link_reason = r.link_reason, linked_at = r.linked_at FROM profiles_sourcerecord r WHERE fb.id = r.id;'

\echo primary key only
CREATE TABLE fb (LIKE profiles_sourcerecord INCLUDING DEFAULTS);
ALTER TABLE fb ADD PRIMARY KEY (id);
\ir link_update_indexes_case.sql

\echo + unique (source_system, source_record_id)
CREATE TABLE fb (LIKE profiles_sourcerecord INCLUDING DEFAULTS);
ALTER TABLE fb ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX ON fb (source_system, source_record_id);
\ir link_update_indexes_case.sql

\echo primary key + document number, B-tree
CREATE TABLE fb (LIKE profiles_sourcerecord INCLUDING DEFAULTS);
ALTER TABLE fb ADD PRIMARY KEY (id);
CREATE INDEX ON fb (document_number);
\ir link_update_indexes_case.sql

\echo primary key + document number, hash
CREATE TABLE fb (LIKE profiles_sourcerecord INCLUDING DEFAULTS);
ALTER TABLE fb ADD PRIMARY KEY (id);
CREATE INDEX ON fb USING hash (document_number);
\ir link_update_indexes_case.sql

-- Every index as before migration profiles/0007, then as it leaves them.
\echo all, before 0007
CREATE TABLE fb (LIKE profiles_sourcerecord INCLUDING DEFAULTS);
ALTER TABLE fb ADD PRIMARY KEY (id);
CREATE INDEX ON fb (document_number);
CREATE UNIQUE INDEX ON fb (source_system, source_record_id);
CREATE INDEX ON fb (person_id, received_at) WHERE person_id IS NOT NULL;
CREATE INDEX ON fb (linked_at) WHERE person_id IS NULL;
\ir link_update_indexes_case.sql

\echo all, as 0007 leaves them
CREATE TABLE fb (LIKE profiles_sourcerecord INCLUDING DEFAULTS);
ALTER TABLE fb ADD PRIMARY KEY (id) WITH (deduplicate_items = off);
CREATE INDEX ON fb USING hash (document_number);
CREATE UNIQUE INDEX ON fb (source_system, source_record_id) WITH (deduplicate_items = off);
CREATE INDEX ON fb (person_id, received_at) WHERE person_id IS NOT NULL;
CREATE INDEX ON fb (linked_at) WHERE person_id IS NULL;
\ir link_update_indexes_case.sql

-- The staged, write-once ingest: a staging table with the keys an ingest needs, the records
-- inserted once into the registry (its indexes as before 0007) with their links, then deleted from
-- the staging table. Against the pending insert and link update of "all, before 0007".
CREATE TABLE st (LIKE profiles_sourcerecord INCLUDING DEFAULTS); ALTER TABLE st ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX ON st (source_system, source_record_id);
CREATE TABLE fa (LIKE profiles_sourcerecord INCLUDING DEFAULTS);
ALTER TABLE fa ADD PRIMARY KEY (id);
CREATE INDEX ON fa (document_number);
CREATE UNIQUE INDEX ON fa (source_system, source_record_id);
CREATE INDEX ON fa (person_id, received_at) WHERE person_id IS NOT NULL;
CREATE INDEX ON fa (linked_at) WHERE person_id IS NULL;
CHECKPOINT;
\echo staged: the staging insert
INSERT INTO st (id, source_system, source_record_id, received_at, payload, supersedes_id, surname, given_names, patronymic,
                birth_date, sex, citizenship, document_type, document_number, phone, tax_id, link_reason)
  SELECT id, source_system, source_record_id, received_at, payload, supersedes_id, surname, given_names, patronymic,
         birth_date, sex, citizenship, document_type, document_number, phone, tax_id, '{}'::jsonb
  FROM profiles_sourcerecord;
CHECKPOINT;
\echo staged: the records inserted with their links
INSERT INTO fa (id, source_system, source_record_id, received_at, payload, supersedes_id, surname, given_names, patronymic,
                birth_date, sex, citizenship, document_type, document_number, phone, tax_id, person_id, link_score,
                link_reason, linked_at)
  SELECT s.id, s.source_system, s.source_record_id, s.received_at, s.payload, s.supersedes_id, s.surname, s.given_names,
         s.patronymic, s.birth_date, s.sex, s.citizenship, s.document_type, s.document_number, s.phone, s.tax_id,
         r.person_id, r.link_score, r.link_reason, r.linked_at
  FROM st s JOIN profiles_sourcerecord r ON r.id = s.id;
\echo staged: the staging rows deleted
DELETE FROM st USING profiles_sourcerecord r WHERE st.id = r.id;
DROP TABLE fa; DROP TABLE st;
