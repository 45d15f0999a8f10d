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
            changed_sqlite = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} WHEN {changed_sqlite} "
                f"BEGIN SELECT RAISE(ABORT, '{what} are write-once: send a new record instead'); END"
            )

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")

    return migrations.RunPython(forwards, backwards)
