"""Database triggers that make rows write-once, for migrations.

Used where the law of the platform is "nothing is ever overwritten": agency source records and the
staff access log. The guard lives in the database so that no code path (a bulk update, a raw
SQL fix, an admin action) can bypass it.

PostgreSQL refuses both UPDATE of the guarded columns and DELETE. SQLite (the embedded developer
database) refuses the UPDATE only: Django's test flush empties SQLite tables with DELETE, whereas
on PostgreSQL it uses TRUNCATE, which row triggers do not see.
"""

from __future__ import annotations

from django.db import migrations


def write_once_operation(*, table: str, columns: list[str], what: str) -> migrations.RunPython:
    name = f"{table}_write_once"

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            _postgresql_guard_create(schema_editor, table=table, columns=columns, what=what)
        elif vendor == "sqlite":
            _sqlite_trigger_create(schema_editor, table=table, columns=columns, what=what)

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")

    return migrations.RunPython(forwards, backwards)


def _postgresql_guard_create(schema_editor, *, table: str, columns: list[str], what: str) -> None:
    """The first guard: one row trigger on every UPDATE and DELETE, comparing the columns in PL/pgSQL."""
    name = f"{table}_write_once"
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION '{what} are never deleted (id %%)', OLD.id
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF {changed} THEN
                RAISE EXCEPTION '{what} are write-once: send a new record instead (id %%)', OLD.id
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        """
    )
    schema_editor.execute(
        f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
    )
    _fire_always(schema_editor, table, [name])


def write_once_narrow_operation(*, table: str, columns: list[str], what: str) -> migrations.RunPython:
    """Replace a table's PostgreSQL guard (`write_once_operation`) by one that costs an UPDATE
    nothing unless it names a guarded column: `BEFORE UPDATE OF <columns> ... WHEN (<a column
    changes>)`, so the server decides without calling PL/pgSQL, and a separate trigger refuses
    DELETE. What is refused is the same: a guarded column can only change if the UPDATE sets it,
    and setting it to the value it has is still allowed (a model's save()). The million link
    UPDATEs of a large file each called the old function, which compared the JSON payloads (3 to
    4 µs of server time a record). SQLite's trigger already has a WHEN clause and is left as it is.
    """
    name = f"{table}_write_once"
    refuse = f"{table}_write_once_refuse"
    deleted = f"{table}_never_deleted"

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        schema_editor.execute(
            f"""
            CREATE FUNCTION {refuse}() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION '{what} are never deleted (id %%)', OLD.id
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RAISE EXCEPTION '{what} are write-once: send a new record instead (id %%)', OLD.id
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$ LANGUAGE plpgsql;
            """
        )
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {refuse}()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {deleted} BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {refuse}()"
        )
        _fire_always(schema_editor, table, [name, deleted])

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {deleted} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {refuse}()")
        _postgresql_guard_create(schema_editor, table=table, columns=columns, what=what)

    return migrations.RunPython(forwards, backwards)


def triggers_fire_always_operation(*, table: str, triggers: list[str]) -> migrations.RunPython:
    """Make a table's PostgreSQL triggers fire whatever the session's `session_replication_role`
    (`ENABLE ALWAYS`). A bulk write that leaves its foreign keys to one check per table
    (`migrant_platform.foreign_keys`) runs as `replica`, which leaves out every trigger enabled the
    ordinary way; the guards must not be among them."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            _fire_always(schema_editor, table, triggers)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for trigger in triggers:
                schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")

    return migrations.RunPython(forwards, backwards)


def _fire_always(schema_editor, table: str, triggers: list[str]) -> None:
    for trigger in triggers:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {trigger}")


def _sqlite_trigger_create(schema_editor, *, table: str, columns: list[str], what: str) -> None:
    name = f"{table}_write_once"
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute(
        f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} WHEN {changed} "
        f"BEGIN SELECT RAISE(ABORT, '{what} are write-once: send a new record instead'); END"
    )


def write_once_reinstate_operation(*, table: str, columns: list[str], what: str) -> migrations.RunPython:
    """Put back SQLite's trigger, which an AlterField drops with the table it rebuilds (PostgreSQL
    alters in place and keeps it). A migration that alters a write-once table runs this first and
    last, so that the trigger stands after it is applied and after it is reversed."""

    def reinstate(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            _sqlite_trigger_create(schema_editor, table=table, columns=columns, what=what)

    return migrations.RunPython(reinstate, reinstate)
