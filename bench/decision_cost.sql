-- What a LinkDecision row costs the server, and how much of it is its foreign keys and indexes,
-- measured on a linked registry (three copies of the decisions table, filled from it):
--   DJANGO_DEBUG=1 .venv/bin/python bench/ingest_link_bench.py --records 200000 --skip splink --skip splink_ids --keep
--   psql -h 127.0.0.1 -U postgres -d ingest_link_bench -f bench/decision_cost.sql
--   psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE ingest_link_bench'
\timing on
DROP TABLE IF EXISTS d1; DROP TABLE IF EXISTS d2; DROP TABLE IF EXISTS d3;
CREATE TABLE d1 (LIKE linkage_linkdecision INCLUDING ALL);
ALTER TABLE d1 ADD FOREIGN KEY (person_id) REFERENCES profiles_person(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE d1 ADD FOREIGN KEY (record_id) REFERENCES profiles_sourcerecord(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE d1 ADD FOREIGN KEY (other_person_id) REFERENCES profiles_person(id) DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE d2 (LIKE linkage_linkdecision INCLUDING ALL);
CREATE TABLE d3 (LIKE linkage_linkdecision INCLUDING DEFAULTS);
ALTER TABLE d3 ADD PRIMARY KEY (id);
CHECKPOINT;
\echo decisions with their foreign keys (checked at commit) and all their indexes
BEGIN; INSERT INTO d1 SELECT * FROM linkage_linkdecision; COMMIT;
CHECKPOINT;
\echo decisions with all their indexes, no foreign keys
BEGIN; INSERT INTO d2 SELECT * FROM linkage_linkdecision; COMMIT;
CHECKPOINT;
\echo decisions with the primary key only
BEGIN; INSERT INTO d3 SELECT * FROM linkage_linkdecision; COMMIT;
DROP TABLE d1; DROP TABLE d2; DROP TABLE d3;
