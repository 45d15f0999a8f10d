from django.db import migrations

from migrant_platform.write_once import write_once_operation


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        write_once_operation(
            table="audit_accesslog",
            columns=["accessed_at", "user_id", "person_id", "channel", "purpose", "reference"],
            what="Access log entries",
        ),
    ]
