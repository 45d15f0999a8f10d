"""End to end on PostgreSQL: ingest an agency identity file and link it, against Splink on the same file.

    .venv/bin/pip install -r bench/requirements-bench.txt
    DJANGO_DEBUG=1 .venv/bin/python bench/ingest_link_bench.py --records 1000000 --out /tmp/e2e.md

What is timed, in one run on the same file:

* **this project**: `manage.py import_records FILE` on a fresh, migrated PostgreSQL database (created
  and dropped by this script): every row parsed and validated, duplicates classified, records stored
  in resumable chunks, then the one-pass linker (`records_link_pending`): blocking, comparison,
  scoring with the shipped model, clustering, persons, links, decisions, name keys and identity
  documents written. Nothing is pre-loaded; the clock runs from the file to the linked registry.
* **Splink 4 + DuckDB** (ordinary configuration, as in `linkage_bench.py`): reading the same CSV,
  folding names to ASCII, training (u by sampling, m by EM) and clustering at 0.99.

Each method is reported with its wall time and the machine's CPU time over it (every process,
the PostgreSQL server included, from /proc/stat): on two cores a method cannot take less wall time
than half its CPU time, whatever its order of work.

The file is the identity columns of the exchange format (`docs/exchange-format.md`), one `person`
row per generated agency record that states a birth date, a sex and a citizenship (the demo
generator's patent-payment and self-registration records that carry only a name and a tax id are
not person rows and are left out of this file). Every row carries its true person (the generator's
ground truth, kept in memory, not in the file); pairwise precision and recall are computed on the
links the database holds afterwards.
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _database_prepare(server: str, name: str) -> str:
    """Drop and create the benchmark database on `server` (a URL without a database); returns its URL."""
    import psycopg

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"--database {name!r}: letters, digits and underscores only.")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def write_file(path: Path, records: int, seed: int) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], str]]:
    """The identity file and, per (system, record id), the true person and its citizenship."""
    from exchange.parsing import IDENTITY_COLUMNS
    from profiles.demo.generator import generate_people

    truth: dict[tuple[str, str], int] = {}
    groups: dict[tuple[str, str], str] = {}
    person = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow((*IDENTITY_COLUMNS, "record_type"))
        while len(truth) < records:
            for bundle in generate_people(seed, range(person, person + 1_000)):
                for record in bundle.records:
                    if not (record.birth_date and record.sex and record.citizenship):
                        continue
                    key = (record.system, record.source_record_id)
                    truth[key] = record.person_index
                    groups[key] = bundle.person.citizenship
                    writer.writerow(
                        (
                            record.system,
                            record.source_record_id,
                            record.surname,
                            record.given_names,
                            record.patronymic,
                            record.birth_date.isoformat(),
                            record.sex,
                            record.citizenship,
                            record.document_type if record.document_number else "",
                            record.document_number,
                            record.phone,
                            record.tax_id,
                            "person",
                        )
                    )
                    if len(truth) >= records:
                        return truth, groups
            person += 1_000
    return truth, groups


def machine_cpu_seconds() -> float:
    """CPU time all processes of the machine have used (this one, its children and the database
    server alike), from /proc/stat: the budget two cores give is twice the wall time."""
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def run_project(path: Path) -> tuple[dict[tuple[str, str], object], dict]:
    from django.core.management import call_command
    from django.db import connection

    from exchange.models import ImportBatch
    from linkage.models import LinkRun
    from profiles.models import Person, SourceRecord

    started, cpu = time.perf_counter(), machine_cpu_seconds()
    # The one-pass link at any size (a file this small would otherwise be linked chunk by chunk).
    call_command("import_records", str(path), "--no-progress", "--link", "batch", stdout=io.StringIO())
    seconds, cpu = time.perf_counter() - started, machine_cpu_seconds() - cpu
    batch = ImportBatch.objects.get()
    run = LinkRun.objects.latest("pk")
    ingest = (batch.finished_at - batch.started_at).total_seconds()
    link = (run.finished_at - run.started_at).total_seconds() if run.finished_at and run.started_at else None
    person_of = {
        (system, record_id): person or ("unlinked", system, record_id)
        for system, record_id, person in SourceRecord.objects.values_list(
            "source_system_id", "source_record_id", "link__person_id"
        ).iterator(chunk_size=20_000)
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    info = {
        "seconds": seconds,
        "cpu": cpu,
        "ingest": ingest,
        "link": link,
        "accepted": batch.accepted_count,
        "quarantined": batch.quarantined_count,
        "persons": Person.objects.count(),
        "auto_linked": run.auto_linked,
        "new_persons": run.new_persons,
        "review": run.queued_for_review,
        "database_mb": size / 2**20,
    }
    return person_of, info


def run_splink_on_file(path: Path, *, with_ids: bool) -> tuple[dict[tuple[str, str], object], float, float]:
    import pandas as pd
    from linkage_bench import ascii_fold, splink_link

    started, cpu = time.perf_counter(), machine_cpu_seconds()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    prepared = pd.DataFrame(
        {
            "unique_id": range(len(frame)),
            "surname": [ascii_fold(v) or None for v in frame["surname"]],
            "given_names": [ascii_fold(v) or None for v in frame["given_names"]],
            "birth_date": frame["birth_date"].replace("", None),
            "document_number": frame["document_number"].replace("", None),
            "citizenship": frame["citizenship"].replace("", None),
            "tax_id": frame["tax_id"].replace("", None),
            "phone": frame["phone"].replace("", None),
        }
    )
    cluster_of = splink_link(prepared, with_ids=with_ids)
    seconds, cpu = time.perf_counter() - started, machine_cpu_seconds() - cpu
    keys = list(zip(frame["source_system"], frame["source_record_id"], strict=True))
    return {key: cluster_of.get(i, ("single", i)) for i, key in enumerate(keys)}, seconds, cpu


def metrics(predicted: dict, truth: dict, keys: list) -> tuple[float, float, float]:
    from linkage_bench import pairwise

    return pairwise([predicted[key] for key in keys], [truth[key] for key in keys])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20_260_515)
    parser.add_argument("--database", default="ingest_link_bench", help="PostgreSQL database to (re)create")
    parser.add_argument("--skip", action="append", default=[], help="skip a method: project, splink, splink_ids")
    parser.add_argument(
        "--server",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server to run on (URL without a database; bench/pg_sized.sh starts one sized for the machine)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--out", help="write the markdown to this file")
    args = parser.parse_args()

    server = args.server.rstrip("/")
    os.environ["DATABASE_URL"] = _database_prepare(server, args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    workdir = Path(tempfile.mkdtemp(prefix="ingest_link_bench_"))
    path = workdir / "identity.csv"
    started = time.perf_counter()
    truth, groups = write_file(path, args.records, args.seed)
    print(
        f"{len(truth):,} records of {len(set(truth.values())):,} people written in "
        f"{time.perf_counter() - started:.0f} s ({path.stat().st_size / 2**20:.0f} MB)",
        flush=True,
    )
    keys = list(truth)
    rows = []
    predicted_by: dict[str, dict] = {}
    if "project" not in args.skip:
        predicted, info = run_project(path)
        p, r, f = metrics(predicted, truth, keys)
        print(f"project: P={p:.4f} R={r:.4f} F1={f:.4f} {info}", flush=True)
        name = "this project: `import_records` (ingest + one-pass link)"
        predicted_by[name] = predicted
        rows.append((name, p, r, f, info["seconds"], info["cpu"], info))
    for key, name, with_ids in (
        ("splink", "Splink 4 + DuckDB (read CSV, fold, train, predict, cluster)", False),
        ("splink_ids", "Splink 4 + DuckDB, also given tax id and phone", True),
    ):
        if key in args.skip:
            continue
        predicted, seconds, cpu = run_splink_on_file(path, with_ids=with_ids)
        p, r, f = metrics(predicted, truth, keys)
        print(f"{key}: P={p:.4f} R={r:.4f} F1={f:.4f} in {seconds:.0f} s, machine CPU {cpu:.0f} s", flush=True)
        predicted_by[name] = predicted
        rows.append((name, p, r, f, seconds, cpu, None))

    lines = [
        f"### End to end on PostgreSQL: {len(truth):,} identity records of {len(set(truth.values())):,} people",
        "",
        "| method | precision | recall | F1 | wall time | machine CPU (every process and the server) |",
        "|---|---|---|---|---|---|",
    ]
    for name, p, r, f, seconds, cpu, _ in rows:
        lines.append(f"| {name} | {p:.4f} | {r:.4f} | {f:.4f} | {seconds:,.0f} s | {cpu:,.0f} s |")
    for name, *_rest, info in rows:
        if info:
            lines += [
                "",
                f"{name}: ingest (parse, validate, store) {info['ingest']:,.0f} s, link {info['link'] or 0:,.0f} s;"
                f" {info['accepted']:,} records accepted, {info['quarantined']:,} quarantined;"
                f" {info['persons']:,} persons ({info['new_persons']:,} new), {info['auto_linked']:,} auto-links,"
                f" {info['review']:,} to review; database {info['database_mb']:,.0f} MB.",
            ]
    members: dict[str, list] = collections.defaultdict(list)
    for key in keys:
        members[groups[key]].append(key)
    lines += ["", "Per citizenship group (P / R / F1):", ""]
    lines.append("| citizenship | records | " + " | ".join(row[0] for row in rows) + " |")
    lines.append("|---|---|" + "---|" * len(rows))
    for group, group_keys in sorted(members.items(), key=lambda item: -len(item[1])):
        cells = ["{:.4f} / {:.4f} / {:.4f}".format(*metrics(predicted_by[row[0]], truth, group_keys)) for row in rows]
        lines.append(f"| {group} | {len(group_keys):,} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text, flush=True)
    if args.out:
        Path(args.out).write_text(text + "\n")
    path.unlink()
    if not args.keep:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {args.database}")


if __name__ == "__main__":
    main()
