"""Seeding benchmark: a fresh PostgreSQL database, migrated, then `seed_demo` at scale.

    .venv/bin/python bench/seed_bench.py --people 1000000 --workers 2
    .venv/bin/python bench/seed_bench.py --people 20000 --method bulk --workers 1   # the naive baseline

Creates (and afterwards drops, unless --keep) the database --database on the server of --server,
runs the migrations, seeds, and reports wall time, people/s, rows/s, peak RSS (this process and the
worker processes) and the row count per table. The last line is one JSON object for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerCpu(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving `database`, sampled from /proc every second.

    Wall time on a shared machine depends on the neighbours; CPU per person does not. Works when the
    server runs on this machine and /proc is readable (else reports None).
    """

    def __init__(self, server: str, database: str) -> None:
        super().__init__(daemon=True)
        self.server, self.database = server, database
        self.seen: dict[int, float] = {}
        self.stopping = threading.Event()
        self.readable = True

    def run(self) -> None:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as connection:
            while not self.stopping.wait(1.0):
                pids = [
                    row[0]
                    for row in connection.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
                    )
                ]
                for pid in pids:
                    seconds = self._cpu(pid)
                    if seconds is not None:
                        self.seen[pid] = max(self.seen.get(pid, 0.0), seconds)

    def _cpu(self, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            self.readable = False
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def total(self) -> float | None:
        self.stopping.set()
        self.join()
        return sum(self.seen.values()) if self.readable and self.seen else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--chunk-size", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--method", choices=("copy", "executemany", "bulk"), default="copy")
    parser.add_argument("--check-fks-after", action="store_true", help="the bulk-load mode of seed_demo")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default=None, help="database to (re)create; default seed_bench_<method>")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    database = args.database or f"seed_bench_{args.method}"

    import psycopg

    maintenance = f"{args.server}/postgres"
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')

    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"{args.server}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
    # Measured as production runs: DEBUG off (no SQL statement log), so a throwaway secret key.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(32))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from tqdm import tqdm

    from profiles.demo.writer import demo_population_seed

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.monotonic() - started

    server_cpu = ServerCpu(args.server, database)
    server_cpu.start()
    client_before = _client_cpu()
    started = time.monotonic()
    with tqdm(total=args.people, unit="people", smoothing=0.05, mininterval=5) as bar:
        result = demo_population_seed(
            people=args.people,
            seed=args.seed,
            chunk_size=args.chunk_size,
            method=args.method,
            workers=args.workers,
            check_fks_after=args.check_fks_after,
            progress=bar.update,
        )
    seconds = time.monotonic() - started
    client_seconds = _client_cpu() - client_before
    server_seconds = server_cpu.total()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = cursor.fetchone()[0]
    connections.close_all()
    if not args.keep:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    # ru_maxrss is in KiB on Linux; RUSAGE_CHILDREN reports the largest worker process.
    peak_main_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_worker_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = {
        "people": args.people,
        "method": args.method,
        "workers": args.workers,
        "chunk_size": args.chunk_size,
        "check_fks_after": args.check_fks_after,
        "seconds": round(seconds, 1),
        "migrate_seconds": round(migrate_seconds, 1),
        "fk_verify_seconds": round(result.verify_seconds, 1),
        "people_per_second": round(args.people / seconds),
        "rows": result.total_rows,
        "rows_per_second": round(result.total_rows / seconds),
        "client_cpu_ms_per_person": round(client_seconds * 1000 / args.people, 3),
        "server_cpu_ms_per_person": None if server_seconds is None else round(server_seconds * 1000 / args.people, 3),
        "peak_rss_main_mib": round(peak_main_mib),
        "peak_rss_worker_mib": round(peak_worker_mib),
        "database_mib": round(database_bytes / 2**20),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "rows_by_table": dict(sorted(result.rows.items())),
    }
    mode = " and --check-fks-after" if args.check_fks_after else ""
    print(f"Seeded {args.people:,} people with {args.method}{mode} ({args.workers} worker(s)) in {seconds:.1f}s")
    print(f"  {summary['people_per_second']:,} people/s, {summary['rows_per_second']:,} rows/s")
    print(f"  peak RSS {peak_main_mib:.0f} MiB (main), {peak_worker_mib:.0f} MiB (largest worker)")
    print(
        f"  CPU per person: {summary['client_cpu_ms_per_person']} ms in Python, "
        f"{summary['server_cpu_ms_per_person']} ms in PostgreSQL; load average {summary['load_average']}"
    )
    print(f"  database size {summary['database_mib']:,} MiB; migrate took {migrate_seconds:.1f}s")
    for table, count in summary["rows_by_table"].items():
        print(f"  {table:32} {count:>12,}")
    print("BENCH " + json.dumps(summary))


def _client_cpu() -> float:
    """User + system CPU seconds of this process and of its finished worker processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
