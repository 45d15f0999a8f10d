"""Foreign keys of bulk writes checked once per referenced table, not once per row.

PostgreSQL checks a foreign key with a trigger per written row: one query at commit that finds the
referenced row and locks it (`FOR KEY SHARE`), so that nobody deletes it before the commit. A link
run writes a million records' links and as many decisions; those queries were 12 of the run's 29
seconds of writing links and decisions (BENCHMARKS.md, session 17).

Inside `foreign_keys_checked_per_table()`, on PostgreSQL and for a role allowed to set
`session_replication_role`, the transaction runs with it set to `replica`, which leaves out the
foreign-key triggers, as `pg_restore --disable-triggers` and logical replication do. The bulk
helpers of `migrant_platform.bulk` note the referencing values they write; when the block ends,
every referenced row is locked `FOR KEY SHARE`, as each row's check would have locked it, and
counted: one query per referenced table. A row the block wrote itself (inserted, or updated by a
statement that found every row it was given) exists and is locked already, and is not queried.
A value that references nothing raises IntegrityError, and the transaction is rolled back with
everything written in it.

What stays as it was:
* unique, check and not-null constraints, which are not triggers;
* the project's own triggers (the write-once guards, a delivery's final state), which are created
  `ENABLE ALWAYS` and so fire whatever the replication role;
* the other side of each key: rows are only inserted or updated in the block, never deleted and
  never given another primary key, so no referencing row can be orphaned by it.

Elsewhere (SQLite, or a role without the privilege: `GRANT SET ON PARAMETER
session_replication_role TO <role>` on PostgreSQL 15 and later, README "Database role") the block
changes nothing and each row is checked by its trigger. Either way a bad reference fails the
transaction before it commits; the tests run the same writes both ways.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction


@dataclass
class _Noted:
    """What the current block wrote: the referenced values by (referenced model, its column), with
    the first referencing table and column of each for the error message; and the primary keys of
    the rows it inserted or updated, by model."""

    references: dict[tuple[type[models.Model], str], tuple[set[Any], str]] = field(default_factory=dict)
    written: dict[type[models.Model], set[Any]] = field(default_factory=dict)


# Per thread, as Django's connections are: a background writer's block is its own.
_noted: contextvars.ContextVar[_Noted | None] = contextvars.ContextVar("foreign_keys_noted", default=None)


def checked_per_table_available() -> bool:
    """Whether this connection may leave foreign keys to `foreign_keys_checked_per_table`."""
    if connection.vendor != "postgresql" or not settings.BULK_FOREIGN_KEYS_PER_TABLE:
        return False
    connection.ensure_connection()
    # The server reports whether the current role is a superuser with every change: no query.
    if connection.connection.info.parameter_status("is_superuser") == "on":
        return True
    if connection.pg_version < 150000:  # GRANT SET ON PARAMETER came with PostgreSQL 15
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        return bool(cursor.fetchone()[0])


@contextlib.contextmanager
def foreign_keys_checked_per_table() -> Iterator[None]:
    """Bulk writes in the block (`migrant_platform.bulk`: COPY, insert, update from rows) have their
    foreign keys checked when the block ends, one query per referenced table. Every other write in
    the block must go through those helpers too: an ORM save inside it would go unchecked."""
    if _noted.get() is not None:
        raise RuntimeError("foreign_keys_checked_per_table() blocks do not nest")
    # No savepoint of its own: an error in the block fails the whole transaction, and the setting
    # goes with it.
    with transaction.atomic(savepoint=False):
        if not checked_per_table_available():
            yield
            return
        noted = _Noted()
        token = _noted.set(noted)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                yield
                # The checks, and the rest of the transaction, run as any statement would.
                cursor.execute("SET LOCAL session_replication_role = origin")
                for (model, column), (values, referencing) in noted.references.items():
                    # A row this block inserted or updated exists, and is locked by that write until
                    # the commit (one it inserted is seen by no one else): it needs no check. A
                    # link chunk's decisions referenced 50,000 records the chunk had just updated.
                    written = noted.written.get(model, set()) if column == model._meta.pk.column else set()
                    _referenced_rows_check(cursor, model, column, values - written, referencing)
        finally:
            _noted.reset(token)


def foreign_keys_note(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, written: bool = True
) -> None:
    """Called by the bulk helpers for the rows they write (values by attname in `columns` order;
    "pk" for the primary key of the rows an update finds). With `written` off, the rows' primary
    keys are not taken as written (a statement that may skip some of them) until
    `foreign_keys_note_written` says so."""
    noted = _noted.get()
    if noted is None:
        return
    if written:
        _written_note(noted, model, columns, rows)
    for relation in model._meta.concrete_fields:
        if not (relation.many_to_one or relation.one_to_one) or relation.attname not in columns:
            continue
        position = columns.index(relation.attname)
        target = relation.target_field
        values, _ = noted.references.setdefault(
            (target.model, target.column), (set(), f"{model._meta.db_table}.{relation.column}")
        )
        values.update(map(itemgetter(position), rows))


def foreign_keys_note_written(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """The rows were all written (the statement's row count says so): a reference to one of them
    needs no check."""
    noted = _noted.get()
    if noted is not None:
        _written_note(noted, model, columns, rows)


def _written_note(
    noted: _Noted, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    for name in ("pk", model._meta.pk.attname):
        if name in columns:
            position = columns.index(name)
            noted.written.setdefault(model, set()).update(map(itemgetter(position), rows))


def _referenced_rows_check(
    cursor: Any, model: type[models.Model], column: str, values: set[Any], referencing: str
) -> None:
    values = values - {None}
    if not values:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    db_type = next(f for f in model._meta.concrete_fields if f.column == column).db_type(connection)
    wanted = list(values)
    # Names come from the models; the values travel as one array parameter. Integer keys (a link
    # chunk's 50,000 records) go as the array's text, joined in C: psycopg adapts a list element by
    # element in Python.
    array = "{" + ",".join(map(str, wanted)) + "}" if set(map(type, wanted)) == {int} else wanted
    cursor.execute(
        f"WITH found AS (SELECT 1 FROM {table} WHERE {quote(column)} = ANY(%s::{db_type}[])"  # noqa: S608
        " FOR KEY SHARE) SELECT count(*) FROM found",
        [array],
    )
    if cursor.fetchone()[0] == len(wanted):
        return
    cursor.execute(
        f"SELECT {quote(column)} FROM {table} WHERE {quote(column)} = ANY(%s::{db_type}[])",  # noqa: S608
        [array],
    )
    missing = sorted(values - {found for (found,) in cursor.fetchall()}, key=str)
    raise IntegrityError(
        f"{referencing} references {model._meta.db_table}.{column} = {missing[0]!r}, which does not exist"
        + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
    )
