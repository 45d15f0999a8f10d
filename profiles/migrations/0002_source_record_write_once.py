from django.db import migrations

from migrant_platform.write_once import write_once_operation


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial")]

    operations = [
        write_once_operation(
            table="profiles_sourcerecord",
            columns=["source_system", "source_record_id", "received_at", "payload"],
            what="Source records",
        ),
    ]
