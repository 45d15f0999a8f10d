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
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
        if vendor == "postgresql":
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
