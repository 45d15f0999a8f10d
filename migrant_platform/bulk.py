"""Bulk inserts for the large writes (an agency file of a million rows, a linking run's persons).

On PostgreSQL rows go in with binary COPY (psycopg 3 `cursor.copy`): psycopg encodes dates, UUIDs and
decimals in C and the server parses no SQL text, where `bulk_create` builds one INSERT of thousands
of placeholders that psycopg splits and adapts in Python (a third of an import's time). Ids are
reserved from the table's own sequence first, so callers get them as `bulk_create` would return them
and concurrent inserts can never collide. Elsewhere (SQLite, the embedded default) `bulk_create`.
The database constraints check every row either way; a violation raises Django's IntegrityError.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from types import TracebackType
from typing import Any, TypeVar

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from migrant_platform.foreign_keys import foreign_keys_note, foreign_keys_note_written

Model = TypeVar("Model", bound=models.Model)

_JSONB_OID = 3802
_BYTEA_OID = 17
_JSONB_BINARY_VERSION = b"\x01"  # jsonb's binary form: this version byte, then the JSON text
# orjson, not the json module: a large file writes a million payloads and as many explanations, and
# the json module took a tenth of an import's Python time encoding them (3.3 us a payload against
# 0.2 us, 12 us an explanation against 1 us). What orjson has no encoding of (decimals, lazy
# translations) and every date and time go through Django's encoder, so that they read as the ORM
# writes them.
_JSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_django_default = DjangoJSONEncoder().default


def _json_bytes(value: Any) -> bytes:
    return orjson.dumps(value, default=_django_default, option=_JSON_OPTIONS)


# A bulk job (a file of a million rows, a link run) keeps millions of objects alive for minutes and
# makes almost no reference cycles. With CPython's default thresholds the collector scans the
# survivors again every 700 allocations, and the whole heap each time it has grown by a quarter.
# With a young generation of a million objects most of a 20,000-row chunk's objects die before a
# collection, so few are scanned twice (bench/bulk_gc_bench.py; figures in BENCHMARKS.md, session 12).
BULK_GC_THRESHOLDS = (1_000_000, 20, 1_000)
_gc_lock = threading.Lock()
_gc_jobs = 0
_gc_thresholds_before: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def few_garbage_collections() -> Iterator[None]:
    """Collect garbage rarely while a bulk job runs; the process's thresholds come back when the last
    job running in it (in any thread) ends. Cycles are still collected, every million allocations."""
    global _gc_jobs, _gc_thresholds_before
    with _gc_lock:
        if _gc_jobs == 0:
            _gc_thresholds_before = gc.get_threshold()
            gc.set_threshold(*BULK_GC_THRESHOLDS)
        _gc_jobs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_jobs -= 1
            if _gc_jobs == 0:
                gc.set_threshold(*_gc_thresholds_before)


_TYPE_CACHE: dict[tuple[str, tuple[str, ...]], list[int]] = {}


class JsonText(str):
    """A JSON value already encoded: rows that share one value (the records of one linking node share
    its explanation) have it encoded once, not once per row."""


def json_text(value: Any) -> JsonText:
    return JsonText(_json_bytes(value).decode())


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Binary COPY of row tuples (values by attname, in `columns` order) into the model's table.

    PostgreSQL only. JSON columns take plain Python values (encoded here)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    copy_into(model._meta.db_table, tuple(fields[name].column for name in columns), rows)


def copy_into(table: str, columns: tuple[str, ...], rows: Iterable[Sequence[Any]]) -> None:
    """Binary COPY of row tuples into the named columns of a table (PostgreSQL only)."""
    types = _column_types(table, columns)
    json_positions = [position for position, oid in enumerate(types) if oid == _JSONB_OID]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN (FORMAT BINARY)"
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        # A JSON value goes as jsonb's binary form, already encoded, and is declared bytea to psycopg,
        # whose C code then copies it as it is: its own jsonb dumper is Python, one call per value.
        # (A binary COPY carries no types; the server reads each field as its column's type.)
        copy.set_types([_BYTEA_OID if oid == _JSONB_OID else oid for oid in types])
        if json_positions:
            for row in rows:
                values = list(row)
                for position in json_positions:
                    value = values[position]
                    if value is not None:
                        values[position] = _JSONB_BINARY_VERSION + (
                            value.encode() if isinstance(value, JsonText) else _json_bytes(value)
                        )
                copy.write_row(values)
        else:
            for row in rows:
                copy.write_row(row)


@contextlib.contextmanager
def _staged(
    model: type[models.Model],
    db_columns: tuple[str, ...],
    rows: Iterable[Sequence[Any]],
    *,
    name: str = "",
    numbers: Collection[str] = (),
) -> Iterator[Any]:
    """A temporary table of the model's `db_columns` holding `rows` (COPYed), and a
    cursor to use it with; the table is dropped afterwards (PostgreSQL only). A column named in
    `numbers` is staged as an integer (the number of a value staged in a table of its own, `name`)."""
    quote = connection.ops.quote_name
    staging = f"_staging_{model._meta.db_table}{name}"
    listed = ", ".join(f"0::integer AS {quote(c)}" if c in numbers else quote(c) for c in db_columns)
    with connection.cursor() as cursor:
        # Names come from the model; values travel by COPY.
        cursor.execute(f"DROP TABLE IF EXISTS {quote(staging)}")
        table = quote(model._meta.db_table)
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(staging)} AS SELECT {listed} FROM {table} WITH NO DATA")  # noqa: S608
        _TYPE_CACHE.pop((staging, db_columns), None)  # a new table each time: its types are read again
        copy_into(staging, db_columns, rows)
        # Not analyzed: its statements are planned by `chunk_plan` (row by row through the target's
        # index, no JIT), which needs no statistics; analyzing a chunk of link reasons took 0.4 s.
        yield cursor, quote(staging)
        cursor.execute(f"DROP TABLE {quote(staging)}")


_JOIN_SETTINGS = ("enable_hashjoin", "enable_mergejoin", "jit")


@contextlib.contextmanager
def chunk_plan(cursor: Any) -> Iterator[None]:
    """Statements in the block join row by row through an index (PostgreSQL, inside a transaction).

    For a chunk of a few thousand keys against a large table, the planner's hash or merge join
    reads the whole table each time, so a job of many chunks grows with the square of its size.
    Hash and merge joins are off for the block (set for the transaction, then set back as they
    were), and so is JIT compilation, which the nested loop's cost estimate would trigger for nothing.
    """
    cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in _JOIN_SETTINGS))
    before = cursor.fetchone()
    cursor.execute("SELECT " + ", ".join(f"set_config('{name}', 'off', true)" for name in _JOIN_SETTINGS))
    yield
    # Not on an error: the transaction (or savepoint) is rolled back, and the settings with it.
    cursor.execute("SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in _JOIN_SETTINGS), list(before))


def update_from_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    also: str = "",
    params=(),
    shared: str | None = None,
) -> None:
    """`UPDATE table SET column = new.column ... FROM new WHERE table.pk = new.pk` for row tuples of
    (pk, *columns), the new values COPYed into a temporary table first (PostgreSQL only): one
    statement for any number of rows, and no SQL text of thousands of placeholders to build and parse.
    `also` is more of the SET clause (`"linked_at = %s"`) with its `params`.

    `shared` names a column of `columns` whose values rows share, as one object (the records of one
    linking node share its encoded explanation): each object is COPYed, and parsed by the server,
    once, into a table of its own that the rows refer to by number."""
    rows = rows if isinstance(rows, Sequence) else list(rows)
    # Rows written only if found: taken as written once the row count says every one was.
    foreign_keys_note(model, ("pk", *columns), rows, written=False)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    pk = model._meta.pk.column
    db_columns = (pk, *(fields[name].column for name in columns))
    table = connection.ops.quote_name(model._meta.db_table)
    quote = connection.ops.quote_name
    shared_column = fields[shared].column if shared else None
    assignments = [f"{quote(c)} = {'shared' if c == shared_column else 'staging'}.{quote(c)}" for c in db_columns[1:]]
    if also:
        assignments.append(also)
    staged_rows, shared_values = _numbered(rows, 1 + list(columns).index(shared)) if shared else (rows, [])
    # Each staged row finds its row by the primary key. Left to itself, the planner hashes the
    # staging table and scans the whole target table for every chunk, so a large file's link chunks
    # each read the entire records table (and its dead versions): a million records' links took 6.7
    # times as long as 200,000 records'.
    with contextlib.ExitStack() as stack:
        stack.enter_context(transaction.atomic())
        join = ""
        if shared_column:
            cursor, values = stack.enter_context(
                _staged(model, ("n", shared_column), shared_values, name="_shared", numbers=("n",))
            )
            cursor.execute(f"ALTER TABLE {values} ADD PRIMARY KEY (n)")
            join = f" JOIN {values} AS shared ON shared.n = staging.{quote(shared_column)}"
        cursor, staging = stack.enter_context(
            _staged(model, db_columns, staged_rows, numbers=(shared_column,) if shared_column else ())
        )
        stack.enter_context(chunk_plan(cursor))
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} FROM {staging} AS staging{join} "  # noqa: S608
            f"WHERE {table}.{quote(pk)} = staging.{quote(pk)}",
            list(params),
        )
        if cursor.rowcount == len(rows):
            foreign_keys_note_written(model, ("pk",), rows)


def _numbered(rows: Sequence[Sequence[Any]], position: int) -> tuple[list[tuple], list[tuple[int, Any]]]:
    """The rows with the value at `position` replaced by a number, and (number, value) once per
    value: values are told apart by identity, so rows sharing one object share its number."""
    number_of: dict[int, int] = {}
    values: list[tuple[int, Any]] = []
    numbered = []
    for row in rows:
        value = row[position]
        number = number_of.get(id(value))
        if number is None:
            number = number_of[id(value)] = len(values)
            values.append((number, value))
        numbered.append((*row[:position], number, *row[position + 1 :]))
    return numbered, values


def _column_types(table: str, columns: tuple[str, ...]) -> list[int]:
    """The type OIDs of the columns, as binary COPY needs them (read once per process)."""
    key = (table, columns)
    if key not in _TYPE_CACHE:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [table],
            )
            oids = dict(cursor.fetchall())
        _TYPE_CACHE[key] = [oids[column] for column in columns]
    return _TYPE_CACHE[key]


def values_rows(queryset: QuerySet, *, chunk_size: int = 20_000) -> Iterator[tuple]:
    """The rows of a `values_list` queryset as the database returns them, streamed.

    On PostgreSQL through a server-side cursor of psycopg itself: Django's iterator passes every row
    through its own Python loop (a million pending records read in 6.1 s against 5.0 s). Only for
    columns Django converts nothing of on PostgreSQL (text, numbers, dates; not JSON): the rows are
    not converted. Elsewhere Django's iterator.
    """
    if connection.vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    sql, params = queryset.query.sql_with_params()
    connection.ensure_connection()
    # A server-side cursor lives in a transaction; a savepoint when the caller has one open.
    with transaction.atomic(), connection.connection.cursor(name="values_rows") as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows


# The share of a table's rows changed since its last ANALYZE from which its statistics are stale: the
# threshold autovacuum analyzes at by default (autovacuum_analyze_scale_factor 0.1, plus 50 rows).
STALE_STATISTICS_SHARE = 0.1
STALE_STATISTICS_ROWS = 50


def statistics_refresh_if_stale(*models_: type[models.Model]) -> list[str]:
    """ANALYZE each table whose rows changed by more than autovacuum's own threshold since it was
    last analyzed (PostgreSQL only); returns the tables analyzed.

    A job that reads a table right after a large delivery wrote it cannot wait for autovacuum (nor
    count on it: a server may run without). Planned on the statistics of the table before the
    delivery, the one-pass link's read of a million fresh records sorted them on disk before
    returning the first: 2.7 s of server time against 1.2 s (BENCHMARKS.md, session 18). ANALYZE
    reads a sample of 30,000 rows whatever the table's size: half a second here."""
    if connection.vendor != "postgresql":
        return []
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        # n_mod_since_analyze counts the rows inserted, updated and deleted since the last ANALYZE;
        # reltuples is -1 for a table never analyzed.
        cursor.execute(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.relname = ANY(%s) AND s.n_mod_since_analyze > %s + %s * greatest(c.reltuples, 0)",
            [tables, STALE_STATISTICS_ROWS, STALE_STATISTICS_SHARE],
        )
        stale = sorted(name for (name,) in cursor.fetchall())
        for table in stale:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return stale


def reserve_ids_postgresql(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh ids from the table's own sequence: concurrent inserts can never collide with them."""
    with connection.cursor() as cursor:
        # The sequence is looked up first: inside the select list, pg_get_serial_sequence ran once per
        # id, seven times the cost of the nextval calls (92 against 13 ms for 20,000 ids).
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        [sequence] = cursor.fetchone()
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cursor.fetchall()]


# Values of these fields go to COPY as the instance holds them; any other field is prepared by
# `get_db_prep_save`, as the ORM would prepare it.
def tuples_insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as tuples of values by attname, when the caller needs no ids back, without a
    model instance per row (a million decisions cost 10 s of `Model.__init__` alone): COPY on
    PostgreSQL, one prepared INSERT elsewhere. Values are stored as given (an auto_now_add column
    takes the caller's time); columns left out take their null."""
    if not rows:
        return
    foreign_keys_note(model, columns, rows)
    if connection.vendor == "postgresql":
        copy_rows(model, columns, rows)
    else:
        executemany_rows(model, columns, rows)


def tuples_insert_returning_ids(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert rows given as tuples of values by attname and return their primary keys, in order,
    without a model instance per row on PostgreSQL (ids reserved from the sequence, then COPY);
    elsewhere through `bulk_create`, which returns them."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        ids = reserve_ids_postgresql(model, len(rows))
        columns = (model._meta.pk.attname, *columns)
        rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        foreign_keys_note(model, columns, rows)
        copy_rows(model, columns, rows)
        return ids
    created = model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows])
    return [instance.pk for instance in created]


def values_insert_returning_ids(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert rows given as {attname: value} and return their primary keys, in order; every column
    a row leaves out takes what the ORM would give it: the field's default (a callable one called
    for each row), the time of the insert for auto_now and auto_now_add. Values are stored as given.

    For many rows of a model with few columns given, without a model instance per row: a million
    records' 100,000 new persons took 1.4 s of `Model.__init__` and 3 s more of preparing each
    instance's fields before. Plain values only (a choices member as its value)."""
    if not rows:
        return []
    now = timezone.now()
    pk_name = model._meta.pk.attname
    fields = [f for f in model._meta.concrete_fields if f.attname != pk_name]
    fixed: dict[str, Any] = {}
    per_row: dict[str, Callable[[], Any]] = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fixed[field.attname] = now
        elif field.has_default() and callable(field.default):
            per_row[field.attname] = field.default
        else:
            default = field.get_default()
            # A TextChoices member is a str subclass that binary COPY would not take as text.
            fixed[field.attname] = str(default) if isinstance(default, str) else default
    columns = tuple(field.attname for field in fields)
    values = [
        tuple(row[name] if name in row else (per_row[name]() if name in per_row else fixed[name]) for name in columns)
        for row in rows
    ]
    return tuples_insert_returning_ids(model, columns, values)


def tuples_insert_new(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """`tuples_insert` for rows that may exist already: a row that a unique constraint refuses is
    skipped (ON CONFLICT DO NOTHING, the table's check constraints still apply). Returns how many rows
    were inserted. On PostgreSQL the rows are COPYed into a temporary table and inserted from it in
    one statement."""
    if not rows:
        return 0
    # A row the conflict skips was not written (nor perhaps a row with its primary key).
    foreign_keys_note(model, columns, rows, written=False)
    if connection.vendor != "postgresql":
        return executemany_rows(model, columns, rows, on_conflict_do_nothing=True)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    db_columns = tuple(fields[name].column for name in columns)
    listed = ", ".join(connection.ops.quote_name(c) for c in db_columns)
    with transaction.atomic(), _staged(model, db_columns, rows) as (cursor, staging), chunk_plan(cursor):
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({listed}) "  # noqa: S608
            f"SELECT {listed} FROM {staging} ON CONFLICT DO NOTHING"
        )
        if cursor.rowcount == len(rows):
            foreign_keys_note_written(model, columns, rows)
        return cursor.rowcount


def executemany_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict_do_nothing: bool = False,
) -> int:
    """One prepared INSERT run over all rows by the driver (SQLite's path for large writes).

    Each value goes through its field's `get_db_prep_save`, so dates, UUIDs, decimals and JSON are
    stored exactly as the ORM stores them; the driver-level cursor skips the DEBUG statement log, which
    would otherwise format every row into SQL text.
    """
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_name[name] for name in columns]
    # Strings and integers go to the driver as they are; dates, UUIDs, decimals and JSON need adapting.
    to_prepare = [
        (position, field)
        for position, field in enumerate(fields)
        if not isinstance(field, models.CharField | models.IntegerField | models.ForeignKey)
    ]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if on_conflict_do_nothing:
        sql += " ON CONFLICT DO NOTHING"
    values = []
    for row in rows:
        prepared = list(row)
        for position, field in to_prepare:
            value = prepared[position]
            # JSON encoded already (`json_text`) is stored as it is, not encoded again as a string.
            if not isinstance(value, JsonText):
                prepared[position] = field.get_db_prep_save(value, connection)
        values.append(prepared)
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.cursor.executemany(sql, values)
        return cursor.cursor.rowcount


class BackgroundWrites:
    """Bulk writes that run beside the caller's own work, each in a thread with its own connection.

    A large write on PostgreSQL keeps one server core busy while the Python process waits, and a
    second write waits its turn: with two writers the server works on two statements at once and the
    caller computes the next chunk meanwhile. Only on PostgreSQL and in autocommit: inside a
    transaction (a test, an atomic block) another connection would not see the caller's uncommitted
    rows, so each write then runs at once, inline, in that transaction. A failed write raises at the
    next `submit` or when the `with` block is left, whichever comes first; writes still queued then
    are dropped, so nothing more is written after a failure. Leaving the block waits for every write.
    The caller submits only writes that do not depend on each other.
    """

    def __init__(self, workers: int = 2) -> None:
        self.concurrent = workers > 0 and connection.vendor == "postgresql" and not connection.in_atomic_block
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="bulk-write") if self.concurrent else None
        self._futures: list[Future] = []

    def __enter__(self) -> BackgroundWrites:
        return self

    def submit(self, write: Callable[..., Any], *args: Any) -> Future | None:
        """Run `write(*args)`; returns its future, or None when it ran inline (and is done)."""
        if self._executor is None:
            write(*args)
            return None
        self._raise_first_failure(wait_for_all=False)
        future = self._executor.submit(_in_own_connection, write, args)
        self._futures.append(future)
        return future

    def wait(self, *, running: int = 0) -> None:
        """Wait until at most `running` writes are unfinished (a bound on what is in memory, or an
        order the next write depends on); raises the first failure, as `submit` does."""
        if self._executor is None:
            return
        while len(unfinished := [future for future in self._futures if not future.done()]) > running:
            wait(unfinished, return_when=FIRST_COMPLETED)
        self._raise_first_failure(wait_for_all=False)

    def _raise_first_failure(self, *, wait_for_all: bool) -> None:
        if wait_for_all:
            wait(self._futures, return_when=FIRST_EXCEPTION)
        for future in self._futures:
            if future.done() and not future.cancelled() and future.exception() is not None:
                for queued in self._futures:
                    queued.cancel()
                raise future.exception()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._executor is None:
            return
        try:
            if error is None:
                self._raise_first_failure(wait_for_all=True)
            else:
                for future in self._futures:
                    future.cancel()
        finally:
            self._executor.shutdown(wait=True)


def _in_own_connection(write: Callable[..., Any], args: tuple) -> Any:
    try:
        return write(*args)
    finally:
        connections.close_all()  # this thread's connections only: they are per thread
