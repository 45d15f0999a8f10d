"""Write the demo population: organizations first, then people in atomic, resumable chunks.

* **Ids are reserved up front** for each chunk (PostgreSQL: `nextval` on the table's sequence, so the
  sequence never needs fixing; SQLite: MAX(id)+1 under the write lock the chunk's transaction holds),
  so persons, records and facts can point at each other before anything is inserted (`rows`).
* **Rows go in with binary COPY** on PostgreSQL (psycopg 3 `cursor.copy`), or with `bulk_create`
  (SQLite, and the `bulk` baseline that the benchmark compares against).
* **Each chunk is one transaction.** A person is written exactly when its anchor record (its first
  MIGREG record, `world.anchor_record_id`) exists, so a re-run asks for the chunk's anchors, skips
  the people already there and writes only the rest; a crash leaves whole chunks only. Chunks may run
  in parallel worker processes (`workers`), since each one is independent.

The rows bypass `full_clean()` on purpose: a million people through the services would take hours.
The database constraints check every row (with `check_fks_after`, the foreign keys are checked once,
set-wise, at the end), and the test suite validates rows with the models' own validators (INN and
OGRN check digits are not database constraints).
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, reset_queries, transaction
from django.utils import timezone

from employers.models import Organization
from migrant_platform.bulk import copy_rows, executemany_rows, reserve_ids_postgresql
from profiles.demo import generator, places, world
from profiles.demo import rows as demo_rows
from profiles.demo import workers as demo_workers
from profiles.demo.generator import PersonBundle
from profiles.demo.organizations import generate_organizations
from profiles.demo.rows import COLUMNS, TABLES
from profiles.demo.workers import ChunkSettings
from profiles.models import (
    SourceRecord,
)
from reference.models import Country, Region, SourceSystem

DEFAULT_CHUNK_SIZE = 2_000


class DemoSeedError(Exception):
    """The database cannot take the demo population (reference data missing, another seed present)."""


@dataclass
class SeedResult:
    people: int
    seed: int
    people_written: int = 0
    people_skipped: int = 0
    chunks_written: int = 0
    organizations_created: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    verify_seconds: float = 0.0  # the set-based foreign-key check of a --check-fks-after run

    def add(self, outcome: ChunkOutcome) -> None:
        self.people_written += outcome.written
        self.people_skipped += outcome.people - outcome.written
        self.chunks_written += 1 if outcome.written else 0
        self.rows.update(outcome.rows)

    @property
    def already_seeded(self) -> bool:
        return self.people_written == 0 and self.organizations_created == 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass
class ChunkOutcome:
    people: int  # people the chunk covers
    written: int  # of which written now (the others were already there)
    rows: Counter[str]


# --- Entry point --------------------------------------------------------------------------------------


def demo_population_seed(
    *,
    people: int,
    seed: int,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    method: str = "auto",
    workers: int = 1,
    check_fks_after: bool = False,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Write people 0..people-1 of `seed` that are not written yet; return what was written.

    `method`: "copy" (PostgreSQL only), "bulk" (Django bulk_create) or "auto" (copy on PostgreSQL).
    `workers` > 1 writes chunks in that many spawned processes (PostgreSQL only): generating a chunk
    in Python and indexing the previous one in PostgreSQL then overlap.
    `check_fks_after` (PostgreSQL superuser): a bulk load. The per-row foreign-key triggers, a fifth
    of the load's CPU, are switched off in each chunk's transaction, and one anti-join per foreign key
    proves every reference of the demo tables at the end (`references_verify`), as pg_restore does
    with --disable-triggers. Unique and check constraints are enforced as always.
    `progress` is called with the number of people each chunk covered, written or skipped.
    """
    if people < 0 or chunk_size < 1 or workers < 1:
        raise ValueError("people must be >= 0, chunk_size and workers >= 1")
    method = _resolve_method(method)
    if workers > 1 and connection.vendor != "postgresql":
        raise DemoSeedError("Parallel workers need PostgreSQL; SQLite has a single writer.")
    if check_fks_after:
        _check_superuser()
    _check_reference_data()
    _check_no_other_seed(seed)
    result = SeedResult(people=people, seed=seed)
    chunks = [range(start, min(start + chunk_size, people)) for start in range(0, people, chunk_size)]
    with _exclusive_seeding():
        _analyze([SourceRecord])
        organization_ids, created = organizations_ensure(seed=seed, people=people)
        result.organizations_created = created
        result.rows["employers.Organization"] += created
        settings = ChunkSettings(seed, organization_ids, method, fk_triggers=not check_fks_after)
        if workers == 1:
            _collect((seed_chunk(indices=indices, settings=settings) for indices in chunks), result, progress)
        else:
            _collect(_in_worker_processes(chunks, settings, workers), result, progress)
        if result.people_written:
            # After a bulk load the planner's statistics describe an empty or much smaller table.
            _analyze([model for model, _ in TABLES])
        if check_fks_after and result.people_written:
            started = time.monotonic()
            references_verify()
            result.verify_seconds = time.monotonic() - started
    return result


def _analyze(models_: list[type[models.Model]]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _collect(outcomes: Iterable[ChunkOutcome], result: SeedResult, progress: Callable[[int], None] | None) -> None:
    for outcome in outcomes:
        result.add(outcome)
        if progress is not None:
            progress(outcome.people)


def _in_worker_processes(chunks: list[range], settings: ChunkSettings, workers: int) -> Iterator[ChunkOutcome]:
    """Chunk outcomes as spawned workers finish them; the first failure cancels the chunks not started.

    A ProcessPoolExecutor rather than multiprocessing.Pool: a worker that cannot start (or dies)
    breaks the pool with an error instead of being respawned forever.
    """
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=demo_workers.setup, initargs=(settings,))
    try:
        futures = [executor.submit(demo_workers.seed_chunk, indices) for indices in chunks]
        for future in as_completed(futures):
            yield future.result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def seed_chunk(*, indices: range, settings: ChunkSettings) -> ChunkOutcome:
    """Write the people of `indices` not written yet, in one transaction: all of them or none."""
    done = people_written_among(seed=settings.seed, indices=indices)
    todo = [index for index in indices if index not in done]
    if not todo:
        return ChunkOutcome(people=len(indices), written=0, rows=Counter())
    bundles = list(generator.generate_people(settings.seed, todo))
    # With DEBUG on (make run), Django keeps every statement in memory; a chunk's worth is enough.
    reset_queries()
    with transaction.atomic():
        rows = write_chunk(
            bundles,
            organization_ids=settings.organization_ids,
            method=settings.method,
            fk_triggers=settings.fk_triggers,
        )
    return ChunkOutcome(people=len(indices), written=len(todo), rows=rows)


def references_verify() -> None:
    """Every foreign key of the demo tables points at an existing row: one anti-join per key.

    After a load with the per-row triggers off this is the proof of referential integrity; it reads
    each table once (about a minute for a million people) instead of probing per row.
    """
    with connection.cursor() as cursor:
        for model, _ in TABLES:
            for field in model._meta.concrete_fields:
                if not field.is_relation:
                    continue
                child, parent = model._meta.db_table, field.related_model._meta.db_table
                column, target = field.column, field.target_field.column
                quote = connection.ops.quote_name
                key = quote(model._meta.pk.column)
                cursor.execute(
                    f"SELECT c.{key} FROM {quote(child)} c WHERE c.{quote(column)} IS NOT NULL AND NOT EXISTS "  # noqa: S608
                    f"(SELECT 1 FROM {quote(parent)} p WHERE p.{quote(target)} = c.{quote(column)}) LIMIT 1"
                )
                orphan = cursor.fetchone()
                if orphan is not None:
                    missing = field.related_model.__name__
                    raise DemoSeedError(f"{model.__name__} #{orphan[0]}: {field.name} points at a missing {missing}.")


def _check_superuser() -> None:
    if connection.vendor != "postgresql":
        raise DemoSeedError("--check-fks-after is a PostgreSQL bulk-load mode.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser')")
        if cursor.fetchone()[0] != "on":
            raise DemoSeedError(
                "--check-fks-after switches triggers off per transaction, which needs a PostgreSQL superuser."
            )


METHODS = ("copy", "executemany", "bulk")


def _resolve_method(method: str) -> str:
    if method == "auto":
        return "copy" if connection.vendor == "postgresql" else "executemany"
    if method == "copy" and connection.vendor != "postgresql":
        raise DemoSeedError("COPY needs PostgreSQL; use --method executemany on this database.")
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}")
    return method


def _check_reference_data() -> None:
    missing_countries = set(places.COUNTRIES) | {"RUS"}
    missing_countries -= set(Country.objects.filter(iso3__in=missing_countries).values_list("iso3", flat=True))
    missing_regions = set(places.REGIONS) - set(
        Region.objects.filter(code__in=places.REGIONS).values_list("code", flat=True)
    )
    missing_systems = set(world.SYSTEMS) - set(
        SourceSystem.objects.filter(code__in=world.SYSTEMS).values_list("code", flat=True)
    )
    if missing_countries or missing_regions or missing_systems:
        raise DemoSeedError(
            "Reference data is missing (run `manage.py migrate`): "
            f"countries {sorted(missing_countries)}, regions {sorted(missing_regions)}, "
            f"source systems {sorted(missing_systems)}."
        )


def _check_no_other_seed(seed: int) -> None:
    """One database holds one seed: two seeds would draw colliding passport and permit numbers.

    The search for another seed's records reads the whole table (the ids have no usable prefix index),
    so it is skipped when this seed is already there: it passed this check when it was first written.
    """
    if people_written_among(seed=seed, indices=[0]):
        return
    others = (
        SourceRecord.objects.filter(source_system_id=world.ANCHOR_SYSTEM, source_record_id__startswith="DEMO-")
        .exclude(source_record_id__startswith=f"DEMO-{seed}-")
        .order_by()
        .values_list("source_record_id", flat=True)
    )
    other = next(iter(others[:1]), None)
    if other is not None:
        other_seed = other.split("-")[1]
        raise DemoSeedError(
            f"This database already holds the demo population of seed {other_seed}; "
            f"seed {seed} needs a fresh database (or re-run with --seed {other_seed})."
        )


class _exclusive_seeding:
    """On PostgreSQL, one seeder at a time: a second would race the first on the same chunks."""

    _KEY = 0x5EED_DE30

    def __enter__(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [self._KEY])
                if not cursor.fetchone()[0]:
                    raise DemoSeedError("Another seed_demo is running against this database.")

    def __exit__(self, *exc_info: object) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [self._KEY])


# --- Organizations ------------------------------------------------------------------------------------


def organizations_ensure(*, seed: int, people: int) -> tuple[dict[int, int], int]:
    """Create the demo organizations that are missing (matched by INN); return index -> id and the count created."""
    demo = generate_organizations(seed, people)
    by_inn = {organization.inn: organization for organization in demo}
    existing = _organization_ids_by_inn(list(by_inn))
    missing = [
        Organization(kind=o.kind, name=o.name, inn=o.inn, ogrn=o.ogrn, kpp=o.kpp, region_id=o.region, address=o.address)
        for o in demo
        if o.inn not in existing
    ]
    if missing:
        with transaction.atomic():
            Organization.objects.bulk_create(missing, batch_size=1_000)
        existing = _organization_ids_by_inn(list(by_inn))
    return {o.index: existing[o.inn] for o in demo}, len(missing)


def _organization_ids_by_inn(inns: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(inns), 900):
        ids.update(Organization.objects.filter(inn__in=inns[start : start + 900]).values_list("inn", "id"))
    return ids


# --- Resuming -----------------------------------------------------------------------------------------


def people_written_among(*, seed: int, indices: Iterable[int]) -> set[int]:
    """Which of these person indices are already in the database (their anchor record exists).

    An index-only scan of the (source_system, source_record_id) unique index, some milliseconds per
    chunk, provided the planner's statistics know the table's size (`_analyze` at the start of a run:
    with the stale statistics of a freshly bulk-loaded table it scans every MIGREG record instead).
    """
    anchors = {world.anchor_record_id(seed, index): index for index in indices}
    found: set[int] = set()
    ids = list(anchors)
    for start in range(0, len(ids), 900):
        found.update(
            anchors[record_id]
            for record_id in SourceRecord.objects.filter(
                source_system_id=world.ANCHOR_SYSTEM, source_record_id__in=ids[start : start + 900]
            )
            .order_by()
            .values_list("source_record_id", flat=True)
        )
    return found


# --- Writing ------------------------------------------------------------------------------------------


def write_chunk(
    bundles: Sequence[PersonBundle], *, organization_ids: dict[int, int], method: str, fk_triggers: bool = True
) -> Counter[str]:
    """Insert the chunk's rows, table by table in foreign-key order. Call inside a transaction."""
    now = timezone.now()
    reserve = reserve_ids_postgresql if connection.vendor == "postgresql" else _reserve_ids_sqlite
    rows = demo_rows.chunk_rows(bundles, organization_ids=organization_ids, ids=reserve, now=now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A lost chunk after a server crash is simply written again by the next run, so the
            # chunk's commit need not wait for the WAL flush.
            cursor.execute("SET LOCAL synchronous_commit = off")
            if not fk_triggers:
                # Triggers (the foreign-key checks among them) stay off until this transaction ends.
                cursor.execute("SET LOCAL session_replication_role = replica")
    written: Counter[str] = Counter()
    for model, _ in TABLES:
        table_rows = rows[model]
        if table_rows:
            write_table(model, table_rows, method=method)
            written[model._meta.label] += len(table_rows)
    return written


def write_table(model: type[models.Model], rows: list[tuple[Any, ...]], *, method: str) -> None:
    if method == "copy":
        _copy(model, rows)
    elif method == "executemany":
        _executemany(model, rows)
    else:
        _bulk_create(model, rows)


def _copy(model: type[models.Model], rows: list[tuple[Any, ...]]) -> None:
    """Binary COPY: psycopg encodes dates, UUIDs and decimals in C and PostgreSQL parses no text."""
    copy_rows(model, COLUMNS[model], rows)


def _executemany(model: type[models.Model], rows: list[tuple[Any, ...]]) -> None:
    """One prepared INSERT run over all rows by the driver (SQLite's path)."""
    executemany_rows(model, COLUMNS[model], rows)


def _bulk_create(model: type[models.Model], rows: list[tuple[Any, ...]]) -> None:
    """The naive baseline: model instances and Django's bulk_create."""
    attnames = COLUMNS[model]
    model.objects.bulk_create([model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=2_000)


def _reserve_ids_sqlite(model: type[models.Model], count: int) -> list[int]:
    """MAX(id)+1 onwards: the chunk's transaction holds SQLite's write lock, so nobody else inserts.

    AUTOINCREMENT's sqlite_sequence moves past explicit ids by itself, so nothing needs fixing after.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
    start = max(highest, sequence[0] if sequence else 0) + 1
    return list(range(start, start + count))
