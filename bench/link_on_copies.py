"""The one-pass link of a million records, timed again and again on copies of one ingested database.

    DJANGO_DEBUG=1 .venv/bin/python bench/link_on_copies.py --runs 3
    DJANGO_DEBUG=1 .venv/bin/python bench/link_on_copies.py --runs 3 --keep-base --drop   # after a checkout
    DJANGO_DEBUG=1 .venv/bin/python bench/link_on_copies.py --runs 3 --server postgres://postgres@127.0.0.1:5433

An end-to-end run (`ingest_link_bench.py`) varies by several seconds from one run to the next, more
than a change to the link's writes may save. This script ingests the file once, into a database left
unlinked, and then links copies of it (`CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY`), each
from a fresh process, so that runs of two versions of the code can alternate on the same records:
check out the other version between runs and pass `--keep-base` to reuse the ingested database.

Each run prints the link's stages (its log lines) and what the server did meanwhile: WAL records,
full-page images and bytes (`pg_stat_wal`), checkpoints and the buffers the backends wrote out
themselves (`pg_stat_bgwriter`). A copy is analyzed before its link: cumulative statistics are not
copied with a database, so the link's own rule (`statistics_refresh_if_stale`) would not see the
million new rows. The base database is never read directly: reading it would set hint bits that
the copies would then inherit. Statement times: `ALTER DATABASE link_on_copies_run SET
log_min_duration_statement = 50` before a run, then the server's log (BENCHMARKS.md, session 19).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BASE, RUN = "link_on_copies_base", "link_on_copies_run"


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()


def ingest_unlinked(server: str, records: int, seed: int) -> None:
    """The base database: migrated, the file ingested, its records left pending."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BASE}")
        connection.execute(f"CREATE DATABASE {BASE}")
    _django(f"{server}/{BASE}")
    from django.core.management import call_command
    from ingest_link_bench import write_file

    from exchange.management.commands import import_records

    call_command("migrate", verbosity=0)
    path = Path(tempfile.mkdtemp(prefix="link_on_copies_")) / "identity.csv"
    write_file(path, records, seed)
    import_records.Command._link_pending = lambda self: None  # the links are what the runs time
    started = time.perf_counter()
    call_command("import_records", str(path), "--no-progress", "--link", "batch", stdout=io.StringIO())
    print(f"{records:,} records ingested unlinked in {time.perf_counter() - started:.1f} s", flush=True)
    path.unlink()
    from django.db import connections

    connections.close_all()  # a database with sessions cannot be a template


def link_once(url: str) -> None:
    """In its own process: link the copy's pending records, logging the stages."""
    import logging

    logging.basicConfig(level=logging.INFO, format="  %(message)s", stream=sys.stdout)
    _django(url)
    from linkage.services import records_link_pending

    started = time.perf_counter()
    run = records_link_pending()
    print(
        f"  link {time.perf_counter() - started:.1f} s: {run.status}, {run.auto_linked:,} auto-links, "
        f"{run.new_persons:,} new persons, {run.queued_for_review} to review",
        flush=True,
    )


def _server_counters(connection) -> tuple[int, ...]:
    wal = connection.execute("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal").fetchone()
    writes = connection.execute(
        "SELECT checkpoints_timed + checkpoints_req, buffers_backend FROM pg_stat_bgwriter"
    ).fetchone()
    return (*map(int, wal), *writes)


def run_on_copy(server: str, number: int) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {RUN}")
        connection.execute(f"CREATE DATABASE {RUN} TEMPLATE {BASE} STRATEGY FILE_COPY")
        with psycopg.connect(f"{server}/{RUN}", autocommit=True) as copy:
            copy.execute("ANALYZE")
        connection.execute("CHECKPOINT")
        before = _server_counters(connection)
        print(f"run {number}:", flush=True)
        subprocess.run([sys.executable, __file__, "--link-once", f"{server}/{RUN}"], check=True)
        after = _server_counters(connection)
    records, images, size, checkpoints, backend = (a - b for a, b in zip(after, before, strict=True))
    print(
        f"  server: {records:,} WAL records, {images:,} full-page images, {size / 2**30:.2f} GB of WAL, "
        f"{checkpoints} checkpoints, {backend:,} buffers written by the backends",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20_260_515)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep-base", action="store_true", help="reuse the ingested database of an earlier call")
    parser.add_argument("--drop", action="store_true", help="drop both databases at the end")
    parser.add_argument("--link-once", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.link_once:
        link_once(args.link_once)
        return
    server = args.server.rstrip("/")
    if not args.keep_base:
        ingest_unlinked(server, args.records, args.seed)
    for number in range(1, args.runs + 1):
        run_on_copy(server, number)
    if args.drop:
        import psycopg

        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            for name in (RUN, BASE):
                connection.execute(f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
