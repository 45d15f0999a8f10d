"""A delivery in a final state (delivered, failed, cancelled) never changes status again, and a sent
one only becomes delivered or failed (a provider receipt). Held by the database so that no bulk
update, raw SQL or late worker can resurrect a message."""

from django.db import migrations

FINAL = "('delivered', 'failed', 'cancelled')"
AFTER_SENT = "('sent', 'delivered', 'failed')"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION notifications_delivery_final() RETURNS trigger AS $$
            BEGIN
                IF (OLD.status IN {FINAL} AND NEW.status IS DISTINCT FROM OLD.status)
                   OR (OLD.status = 'sent' AND NEW.status NOT IN {AFTER_SENT}) THEN
                    RAISE EXCEPTION 'delivery %% is %%: it cannot become %%', OLD.id, OLD.status, NEW.status
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            """
        )
        # The WHEN clause keeps the function out of the dispatcher's hot path: rows leaving `queued` or
        # `sending` are never checked by a PL/pgSQL call.
        schema_editor.execute(
            "CREATE TRIGGER notifications_delivery_final BEFORE UPDATE OF status ON notifications_delivery "
            "FOR EACH ROW WHEN (OLD.status IN ('sent', 'delivered', 'failed', 'cancelled')) "
            "EXECUTE FUNCTION notifications_delivery_final()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"""
            CREATE TRIGGER notifications_delivery_final BEFORE UPDATE OF status ON notifications_delivery
            WHEN (OLD.status IN {FINAL} AND NEW.status IS NOT OLD.status)
                 OR (OLD.status = 'sent' AND NEW.status NOT IN {AFTER_SENT})
            BEGIN SELECT RAISE(ABORT, 'a delivery in a final state cannot change status'); END
            """
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS notifications_delivery_final ON notifications_delivery")
        schema_editor.execute("DROP FUNCTION IF EXISTS notifications_delivery_final()")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS notifications_delivery_final")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
