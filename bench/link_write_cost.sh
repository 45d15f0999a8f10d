#!/bin/bash
# What writing a million links costs the server, as an UPDATE of the records' link columns (the schema
# before session 20) and as an INSERT into a link table (RecordLink since), isolated from the rest of
# the link (BENCHMARKS.md, session 20). On the schema before session 20 (commit 2ddebe9):
#   DJANGO_DEBUG=1 .venv/bin/python bench/link_on_copies.py --runs 1   # leaves link_on_copies_base (pending)
#                                                                      # and link_on_copies_run (linked)
#   bash bench/link_write_cost.sh [postgres://postgres@127.0.0.1:5432]
# Each case runs on a fresh copy of the pending database: the linked run's links are loaded into a
# table first, then written in 20 chunks of 50,000, each in its own transaction with the
# foreign-key triggers off (as `foreign_keys_checked_per_table` runs a link chunk). Prints the
# server time and the WAL of the writes alone.
set -euo pipefail
SERVER=${1:-postgres://postgres@127.0.0.1:5432}
psql_() { psql "$SERVER/$1" -v ON_ERROR_STOP=1 -q "${@:2}"; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; psql_ postgres -c "DROP DATABASE IF EXISTS link_write_cost"' EXIT
psql_ link_on_copies_run -c "\copy (SELECT id, person_id, link_score, link_reason, linked_at FROM profiles_sourcerecord ORDER BY id) TO '$WORK/links.tsv'"
pg_dump "$SERVER/link_on_copies_run" --data-only -t profiles_person 2>/dev/null > "$WORK/persons.sql"

run_case() {  # name, SQL for one chunk with :lo and :hi
  psql_ postgres -c "DROP DATABASE IF EXISTS link_write_cost" \
    -c "CREATE DATABASE link_write_cost TEMPLATE link_on_copies_base STRATEGY FILE_COPY"
  psql_ link_write_cost -c "SET session_replication_role = replica" -f "$WORK/persons.sql" >/dev/null
  psql_ link_write_cost -c "CREATE TABLE links (id bigint PRIMARY KEY, person_id bigint, link_score float,
      link_reason jsonb, linked_at timestamptz)" -c "\copy links FROM '$WORK/links.tsv'" -c "ANALYZE" \
    -c "CREATE TABLE record_link (record_id bigint PRIMARY KEY REFERENCES profiles_sourcerecord,
      person_id bigint NOT NULL REFERENCES profiles_person, link_score float, link_reason jsonb NOT NULL,
      linked_at timestamptz NOT NULL)" -c "CREATE INDEX ON record_link (person_id, record_id)" -c "CHECKPOINT"
  local wal_before started
  wal_before=$(psql_ link_write_cost -Atc "SELECT wal_bytes FROM pg_stat_wal")
  started=$(date +%s.%N)
  local sql
  for lo in $(seq 1 50000 1000000); do
    sql=${2//:lo/$lo}
    psql_ link_write_cost -c "BEGIN" -c "SET LOCAL session_replication_role = replica" \
      -c "${sql//:hi/$((lo + 49999))}" -c "COMMIT"
  done
  echo "$1: $(echo "$(date +%s.%N) - $started" | bc) s, WAL $(( ($(psql_ link_write_cost -Atc "SELECT wal_bytes FROM pg_stat_wal") - wal_before) / 1000000 )) MB"
}

run_case "UPDATE of the records' link columns" \
  "UPDATE profiles_sourcerecord r SET person_id = l.person_id, link_score = l.link_score,
     link_reason = l.link_reason, linked_at = l.linked_at FROM links l WHERE r.id = l.id AND l.id BETWEEN :lo AND :hi"
run_case "the same UPDATE with an empty explanation" \
  "UPDATE profiles_sourcerecord r SET person_id = l.person_id, link_score = l.link_score,
     link_reason = '{}', linked_at = l.linked_at FROM links l WHERE r.id = l.id AND l.id BETWEEN :lo AND :hi"
run_case "INSERT into a link table" \
  "INSERT INTO record_link SELECT id, person_id, link_score, link_reason, linked_at FROM links
     WHERE id BETWEEN :lo AND :hi AND person_id IS NOT NULL"
