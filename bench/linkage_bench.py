"""Record linkage benchmark: this project's linker against Splink and the deterministic rule.

    .venv/bin/pip install -r bench/requirements-bench.txt
    DJANGO_DEBUG=1 .venv/bin/python bench/linkage_bench.py --people 20000 [--people 200000] [--write]

Builds a labelled dataset from the demo generator (`profiles.demo.generator`: every record carries
the index of its true person; transliterations, typos, swapped names, feminine and patronymic forms,
Tajik -зода surnames, Armenian, Azerbaijani and Chinese names, relatives, twins and namesakes), then
links the same records three ways and reports pairwise precision, recall and F1 over record pairs,
overall and per citizenship group, with wall times:

* linker: `linkage.model.link_views`, the pipeline `relink_all` runs, in process on the generated
  records (no database: the database path adds loading and bulk writes, timed separately by --db);
* Splink 4 (DuckDB): names folded to ASCII, standard comparisons on surname, given name, birth date,
  document number and citizenship, blocking like ours, u by random sampling, m by EM, clusters at
  match probability 0.99;
* rule: same document number, or same ASCII-folded surname + given name + birth date.

--write replaces the "## Record linkage" section of BENCHMARKS.md (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import pickle
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from linkage.compare import RecordView  # noqa: E402
from linkage.model import link_views  # noqa: E402
from profiles.demo.generator import generate_people  # noqa: E402
from profiles.names import cyrillic_to_latin  # noqa: E402

SEED = 20_260_515
SECTION = "## Record linkage"


# --- Data -----------------------------------------------------------------------------------------


def dataset(people: int, seed: int) -> tuple[list[RecordView], list[int], list[str]]:
    """Records as the linker sees them, their true person, and that person's citizenship."""
    views, truth, groups = [], [], []
    for bundle in generate_people(seed, range(people)):
        citizenship = bundle.person.citizenship
        for record in bundle.records:
            views.append(
                RecordView(
                    id=len(views),
                    surname=record.surname,
                    given_names=record.given_names,
                    patronymic=record.patronymic,
                    birth_date=record.birth_date,
                    sex=record.sex,
                    citizenship=record.citizenship or "",
                    document_type=record.document_type,
                    document_number=record.document_number,
                    phone=record.phone,
                    tax_id=record.tax_id,
                )
            )
            truth.append(record.person_index)
            groups.append(citizenship)
    return views, truth, groups


def ascii_fold(text: str) -> str:
    """What an ordinary pipeline does to names: unidecode-like folding to upper-case ASCII."""
    latin = cyrillic_to_latin(text or "")
    decomposed = unicodedata.normalize("NFKD", latin)
    return re.sub(r"[^A-Z ]", "", "".join(c for c in decomposed if not unicodedata.combining(c)).upper()).strip()


# --- Metrics --------------------------------------------------------------------------------------


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(predicted: list, truth: list[int], members: list[int] | None = None) -> tuple[float, float, float]:
    """Precision, recall and F1 over record pairs: a pair is predicted when both records are in one
    predicted cluster, true when both belong to one true person."""
    index = range(len(truth)) if members is None else members
    cells = collections.Counter((predicted[i], truth[i]) for i in index)
    predicted_sizes = collections.Counter(predicted[i] for i in index)
    true_sizes = collections.Counter(truth[i] for i in index)
    tp = sum(_pairs(n) for n in cells.values())
    pp = sum(_pairs(n) for n in predicted_sizes.values())
    tt = sum(_pairs(n) for n in true_sizes.values())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- The three linkers ----------------------------------------------------------------------------


def run_linker(views: list[RecordView]) -> tuple[list, dict]:
    result = link_views(views)
    info = {
        "nodes": len(result.nodes),
        "pairs": result.pairs_scored,
        "review": len(result.clustering.review),
        "timings": {k: round(v, 1) for k, v in result.timings.items()},
    }
    return result.person_of, info


def run_rule(views: list[RecordView]) -> tuple[list, dict]:
    parent = list(range(len(views)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}
    for i, view in enumerate(views):
        keys = []
        if view.document_number:
            keys.append(("doc", view.document_number))
        if view.surname and view.given_names and view.birth_date:
            keys.append(("name", ascii_fold(view.surname), ascii_fold(view.given_names), view.birth_date))
        for key in keys:
            if key in first:
                parent[find(i)] = find(first[key])
            else:
                first[key] = i
    return [find(i) for i in range(len(views))], {}


def run_splink_with_ids(views: list[RecordView]) -> tuple[list, dict]:
    """The same Splink model, also given the tax id and the phone (exact-match comparisons)."""
    return run_splink(views, with_ids=True)


def run_splink(views: list[RecordView], *, with_ids: bool = False) -> tuple[list, dict]:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "unique_id": [v.id for v in views],
            "surname": [ascii_fold(v.surname) or None for v in views],
            "given_names": [ascii_fold(v.given_names) or None for v in views],
            "birth_date": [v.birth_date.isoformat() if v.birth_date else None for v in views],
            "document_number": [v.document_number or None for v in views],
            "citizenship": [v.citizenship or None for v in views],
            "tax_id": [v.tax_id or None for v in views],
            "phone": [v.phone or None for v in views],
        }
    )
    cluster_of = splink_link(frame, with_ids=with_ids)
    return [cluster_of.get(v.id, ("single", v.id)) for v in views], {}


def splink_link(frame, *, with_ids: bool) -> dict:
    """Splink's clusters ({unique_id: cluster_id}) of a frame of ASCII-folded records."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    extra_comparisons = [cl.ExactMatch("tax_id"), cl.ExactMatch("phone")] if with_ids else []
    extra_blocking = [block_on("tax_id"), block_on("phone")] if with_ids else []
    connection = duckdb.connect()
    connection.execute("SET threads TO 2")
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("document_number"),
            block_on("birth_date", "substr(surname, 1, 2)"),
            block_on("birth_date", "citizenship"),
            block_on("surname", "given_names", "substr(birth_date, 1, 4)"),
            *extra_blocking,
        ],
        comparisons=[
            cl.NameComparison("surname"),
            cl.NameComparison("given_names"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.LevenshteinAtThresholds("document_number", 1),
            cl.ExactMatch("citizenship"),
            *extra_comparisons,
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(frame, settings, db_api=DuckDBAPI(connection=connection))
    linker.training.estimate_probability_two_random_records_match(
        [block_on("document_number"), block_on("surname", "given_names", "birth_date")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("document_number"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    if with_ids:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("tax_id"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.99)
    table = clusters.as_pandas_dataframe()
    cluster_of = dict(zip(table["unique_id"], table["cluster_id"], strict=True))
    connection.close()
    return cluster_of


# --- The database path -----------------------------------------------------------------------------


def run_database(people: int, seed: int) -> str:
    """Load the records into the configured (empty, PostgreSQL) database unlinked, run the full
    re-link job, then link 1,000 records of new people incrementally; report times and metrics.

    Fact materialization (exchange.facts, one record at a time through the profile services) is
    switched off here: the demo payloads are in the agencies' own formats, which the exchange parser
    reads at ingestion, not here. What is timed is the linker's own reading, scoring and bulk writing.
    """
    from django.db import connection

    from linkage import services
    from linkage.models import LinkRun
    from profiles.models import Person, SourceRecord

    if connection.vendor != "postgresql":
        raise SystemExit("--db needs DATABASE_URL pointing at an empty PostgreSQL database.")
    if SourceRecord.objects.exists():
        raise SystemExit("--db needs an empty database (no source records).")

    def records_of(indices) -> tuple[list[SourceRecord], list[int]]:
        rows, truth = [], []
        for bundle in generate_people(seed, indices):
            for record in bundle.records:
                rows.append(
                    SourceRecord(
                        source_system_id=record.system,
                        source_record_id=record.source_record_id,
                        received_at=record.received_at,
                        payload=record.payload,
                        surname=record.surname[:100],
                        given_names=record.given_names[:150],
                        patronymic=record.patronymic[:150],
                        birth_date=record.birth_date,
                        sex=record.sex,
                        citizenship_id=record.citizenship,
                        document_type=record.document_type,
                        document_number=record.document_number,
                        phone=record.phone,
                        tax_id=record.tax_id,
                    )
                )
                truth.append(record.person_index)
        return rows, truth

    started = time.perf_counter()
    rows, truth = records_of(range(people))
    SourceRecord.objects.bulk_create(rows, batch_size=5_000)
    load = time.perf_counter() - started
    import exchange.facts

    services._materialize_new_links = lambda record_ids: None  # see the docstring
    exchange.facts.record_facts_materialize = lambda **kwargs: []

    run = LinkRun.objects.create()
    started = time.perf_counter()
    run = services.relink_all(run_id=run.pk)
    relink = time.perf_counter() - started
    person_of = dict(SourceRecord.objects.values_list("id", "link__person_id"))
    predicted = [person_of[row.pk] or ("unlinked", row.pk) for row in rows]
    p, r, f = pairwise(predicted, truth)

    started = time.perf_counter()
    run2 = services.relink_all(run_id=LinkRun.objects.create().pk)
    again = time.perf_counter() - started

    new_rows, new_truth = records_of(range(people, people + 80))
    new_rows = new_rows[:1_000]
    new_truth = new_truth[: len(new_rows)]
    SourceRecord.objects.bulk_create(new_rows, batch_size=5_000)
    existing_persons = set(Person.objects.values_list("id", flat=True))
    started = time.perf_counter()
    summary = services.records_link(record_ids=[row.pk for row in new_rows])
    incremental = time.perf_counter() - started
    person_of = dict(SourceRecord.objects.filter(pk__in=[r.pk for r in new_rows]).values_list("id", "link__person_id"))
    pi, ri, _ = pairwise([person_of[row.pk] or ("unlinked", row.pk) for row in new_rows], new_truth)
    wrong = sum(1 for row in new_rows if person_of[row.pk] in existing_persons)

    # A large delivery: records of new people and new records of known people, linked in one pass.
    bulk_people = max(people // 10, 100)
    bulk_rows, bulk_truth = records_of(range(people + 80, people + 80 + bulk_people))
    SourceRecord.objects.bulk_create(bulk_rows, batch_size=5_000)
    known_persons = set(Person.objects.values_list("id", flat=True))
    started = time.perf_counter()
    pending_run = services.records_link_pending()
    one_pass = time.perf_counter() - started
    person_of = dict(SourceRecord.objects.filter(pk__in=[r.pk for r in bulk_rows]).values_list("id", "link__person_id"))
    pb, rb, _ = pairwise([person_of[row.pk] or ("unlinked", row.pk) for row in bulk_rows], bulk_truth)
    wrong_bulk = sum(1 for row in bulk_rows if person_of[row.pk] in known_persons)
    per_record_incremental = incremental / max(len(new_rows), 1) * 1000
    per_record_bulk = one_pass / max(len(bulk_rows), 1) * 1000
    return "\n".join(
        [
            f"### Database path (PostgreSQL), {people:,} people, {len(rows):,} records",
            "",
            "| step | time | result |",
            "|---|---|---|",
            f"| load records (bulk insert, unlinked) | {load:,.0f} s | {len(rows):,} records |",
            f"| `relink_all` (read, estimate, score, bulk writes) | {relink:,.0f} s | {run.new_persons:,} persons,"
            f" {run.auto_linked:,} auto-links, {run.queued_for_review:,} to review; P {p:.4f} R {r:.4f} F1 {f:.4f} |",
            f"| `relink_all` again (idempotent) | {again:,.0f} s | {run2.new_persons} new persons,"
            f" {run2.auto_linked} auto-links |",
            f"| `records_link`: {len(new_rows):,} records of new people in one call | {incremental:,.1f} s |"
            f" {summary.new_persons} persons, {summary.auto_linked} auto-links, {summary.queued_for_review} to review;"
            f" P {pi:.4f} R {ri:.4f}; {wrong} linked to a person who existed before (all would be false);"
            f" {per_record_incremental:.1f} ms a record |",
            f"| `records_link_pending`: {len(bulk_rows):,} records of {bulk_people:,} new people in one pass |"
            f" {one_pass:,.1f} s | {pending_run.new_persons:,} persons, {pending_run.auto_linked:,} auto-links,"
            f" {pending_run.queued_for_review} to review; P {pb:.4f} R {rb:.4f}; {wrong_bulk} linked to a person who"
            f" existed before; {per_record_bulk:.2f} ms a record |",
            "",
            f"Persons in the registry after the run: {Person.objects.count():,}.",
        ]
    )


# --- Report ---------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def versions() -> str:
    import duckdb
    import splink

    return f"Splink {splink.__version__}, DuckDB {duckdb.__version__}"


def report(people: int, records: int, truth, groups, results: dict[str, tuple[list, float, dict]], seed: int) -> str:
    lines = [
        f"### {people:,} people, {records:,} records (seed {seed})",
        "",
        "| method | precision | recall | F1 | wall time | peak memory |",
        "|---|---|---|---|---|---|",
    ]
    for name, (predicted, seconds, info) in results.items():
        p, r, f = pairwise(predicted, truth)
        peak = info.get("peak_rss_mib")
        memory = f"{peak:,} MiB" if peak else ""
        lines.append(f"| {name} | {p:.4f} | {r:.4f} | {f:.4f} | {seconds:,.0f} s | {memory} |")
    lines += ["", "Per citizenship group (pairs of records of that group's people; P / R / F1):", ""]
    names = list(results)
    lines.append("| citizenship | records | " + " | ".join(names) + " |")
    lines.append("|---|---|" + "---|" * len(names))
    members: dict[str, list[int]] = collections.defaultdict(list)
    for i, group in enumerate(groups):
        members[group].append(i)
    for group, index in sorted(members.items(), key=lambda item: -len(item[1])):
        cells = []
        for name in names:
            p, r, f = pairwise(results[name][0], truth, index)
            cells.append(f"{p:.4f} / {r:.4f} / {f:.4f}")
        lines.append(f"| {group} | {len(index):,} | " + " | ".join(cells) + " |")
    for name, (_, _, info) in results.items():
        if info:
            lines.append("")
            lines.append(f"{name}: {info}")
    return "\n".join(lines)


def write_section(body: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"{SECTION}\n\n{body.strip()}\n"
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip() + "\n\n" + section
    else:
        following = re.search(r"^## ", text[start + len(SECTION) :], flags=re.MULTILINE)
        end = start + len(SECTION) + following.start() if following else len(text)
        text = text[:start] + section + ("\n" + text[end:] if following else "")
    path.write_text(text)


METHODS = (
    ("linker", "this project (linker)", run_linker),
    ("splink", "Splink 4 + DuckDB", run_splink),
    ("splink_ids", "Splink 4 + DuckDB, also given tax id and phone", run_splink_with_ids),
    ("rule", "deterministic rule", run_rule),
)


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_method_child(key: str, dataset_file: Path, result_file: Path) -> None:
    """One method on the cached records, in a process of its own: at 200,000 people the records and one
    method's working set fill the machine, so no method runs beside another's leftovers."""
    with dataset_file.open("rb") as handle:
        views = pickle.load(handle)
    runner = {key_: runner_ for key_, _, runner_ in METHODS}[key]
    gc.collect()
    started = time.perf_counter()
    predicted, info = runner(views)
    seconds = time.perf_counter() - started
    info = {**info, "peak_rss_mib": round(peak_rss_mib())}
    with result_file.open("wb") as handle:
        pickle.dump((predicted, seconds, info), handle, protocol=pickle.HIGHEST_PROTOCOL)


def run_isolated(key: str, dataset_file: Path, workdir: Path) -> tuple[list, float, dict]:
    result_file = workdir / f"{key}.pickle"
    subprocess.run(
        [sys.executable, __file__, "--child", key, "--dataset", str(dataset_file), "--result", str(result_file)],
        check=True,
    )
    with result_file.open("rb") as handle:
        result = pickle.load(handle)
    result_file.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, action="append", help="population size (repeatable)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--skip", action="append", default=[], help="skip a method: linker, splink, splink_ids, rule")
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    parser.add_argument("--out", help="also write the markdown to this file")
    parser.add_argument("--db", type=int, help="also time the database path with this many people (empty PostgreSQL)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_method_child(args.child, Path(args.dataset), Path(args.result))
        return
    sizes = args.people or [20_000]
    sections = []
    for people in sizes:
        started = time.perf_counter()
        views, truth, groups = dataset(people, args.seed)
        records = len(views)
        print(f"{people} people: {records} records generated in {time.perf_counter() - started:.0f} s", flush=True)
        results = {}
        failed: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="linkage-bench-") as workdir:
            dataset_file = Path(workdir) / "views.pickle"
            with dataset_file.open("wb") as handle:
                pickle.dump(views, handle, protocol=pickle.HIGHEST_PROTOCOL)
            # The parent keeps only the labels while the methods run.
            del views
            gc.collect()
            for key, name, _ in METHODS:
                if key in args.skip:
                    continue
                try:
                    predicted, seconds, info = run_isolated(key, dataset_file, Path(workdir))
                except subprocess.CalledProcessError as error:
                    # Killed (out of memory, say): the other methods are still reported.
                    print(f"  {name}: failed ({error})", flush=True)
                    failed[name] = str(error)
                    continue
                results[name] = (predicted, seconds, info)
                p, r, f = pairwise(predicted, truth)
                print(f"  {name}: P={p:.4f} R={r:.4f} F1={f:.4f} in {seconds:.0f} s {info}", flush=True)
        text = report(people, records, truth, groups, results, args.seed)
        text += "".join(f"\n\n{name}: did not finish ({reason})." for name, reason in failed.items())
        print(text, flush=True)
        sections.append(text)
        del truth, groups, results
        gc.collect()
    if args.db:
        text = run_database(args.db, args.seed)
        print(text, flush=True)
        sections.append(text)
    command = "DJANGO_DEBUG=1 .venv/bin/python bench/linkage_bench.py " + " ".join(f"--people {p}" for p in sizes)
    if args.db:
        command = f"DATABASE_URL=postgres://... {command} --db {args.db}"
    body = "\n\n".join(sections)
    footer = f"\nMachine: {machine()}; {versions()}. Reproduce: `.venv/bin/pip install -r bench/requirements-bench.txt && {command}`.\n"
    if args.out:
        Path(args.out).write_text(body + "\n" + footer)
    if args.write:
        write_section(body + "\n" + footer)


if __name__ == "__main__":
    main()
