"""The garbage collector's cost in the bulk jobs: the same file ingested and linked under each setting.

    DJANGO_DEBUG=1 .venv/bin/python bench/bulk_gc_bench.py --records 200000 --runs 2

Each run creates a fresh PostgreSQL database, ingests the identity file of `ingest_link_bench.py`
(same generator and seed) with `batch_ingest` (chunks and records left pending as `import_records` has them) and
links it with `records_link_pending`, under one collector setting per run, the settings taking
turns so that a drift of the machine's speed spreads over all of them:

* `default`: CPython's thresholds (700, 10, 10), as the jobs ran before session 12;
* `freeze`: CPython's thresholds, every object that exists before the job frozen (`gc.freeze()`);
* `bulk`: the jobs' own setting, `migrant_platform.bulk.BULK_GC_THRESHOLDS`;
* `off`: no collection at all during the jobs (the floor; not safe for a job that makes cycles);
* `G0/G1/G2`, e.g. `100000/50/1000`: the jobs run with these thresholds instead.

Reported per run: wall time and the machine's CPU time (every process and the server, /proc/stat)
of the ingest and of the link, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SETTINGS = ("default", "freeze", "bulk", "off")


def run_one(path: Path, setting: str) -> dict[str, float]:
    """One run in this process (a fresh interpreter per run: see main)."""
    from ingest_link_bench import _database_prepare, machine_cpu_seconds

    os.environ["DATABASE_URL"] = _database_prepare("bulk_gc_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import migrant_platform.bulk as bulk
    from exchange.management.commands.import_records import FILE_CHUNK_SIZE
    from exchange.readers import csv_rows
    from exchange.services import batch_ingest
    from linkage.services import records_link_pending

    if setting in ("default", "freeze"):
        bulk.BULK_GC_THRESHOLDS = gc.get_threshold()  # the jobs keep CPython's own thresholds
    if setting == "freeze":
        gc.freeze()
    if setting == "off":
        gc.disable()
    if "/" in setting:
        bulk.BULK_GC_THRESHOLDS = tuple(int(part) for part in setting.split("/"))
    figures: dict[str, float] = {}
    started, cpu = time.perf_counter(), machine_cpu_seconds()
    with path.open(encoding="utf-8", newline="") as handle:
        batch_ingest(
            rows=csv_rows(handle),
            origin="cli",
            file_name=path.name,
            checksum=setting,
            chunk_size=FILE_CHUNK_SIZE,
            link_each_chunk=False,
        )
    figures["ingest"], figures["ingest_cpu"] = time.perf_counter() - started, machine_cpu_seconds() - cpu
    started, cpu = time.perf_counter(), machine_cpu_seconds()
    run = records_link_pending()
    figures["link"], figures["link_cpu"] = time.perf_counter() - started, machine_cpu_seconds() - cpu
    assert run.status == "done", run.error
    figures["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20_260_515)
    parser.add_argument("--runs", type=int, default=2, help="runs of each setting")
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: FILE:SETTING, run in a child
    args = parser.parse_args()
    if args.one:
        path, setting = args.one.rsplit(":", 1)
        print(json.dumps(run_one(Path(path), setting)))
        return

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # the children inherit both
    import django

    django.setup()  # the generator imports the models; the file is written without a query
    from ingest_link_bench import write_file

    path = Path(tempfile.mkdtemp(prefix="bulk_gc_bench_")) / "identity.csv"
    write_file(path, args.records, args.seed)
    print("| collector | ingest | its machine CPU | link | its machine CPU | peak RSS |\n|---|---|---|---|---|---|")
    for _ in range(args.runs):
        for setting in args.settings.split(","):
            # A fresh interpreter per run: the collector's state and the caches start equal.
            output = subprocess.run(
                [sys.executable, __file__, "--one", f"{path}:{setting}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            figures = json.loads(output.strip().splitlines()[-1])
            print(
                f"| {setting} | {figures['ingest']:.1f} s | {figures['ingest_cpu']:.1f} s | {figures['link']:.1f} s "
                f"| {figures['link_cpu']:.1f} s | {figures['rss_mib']:.0f} MiB |",
                flush=True,
            )
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS bulk_gc_bench")
    path.unlink()
    path.parent.rmdir()


if __name__ == "__main__":
    main()
