from django.db import migrations

from migrant_platform.write_once import write_once_narrow_operation


class Migration(migrations.Migration):
    dependencies = [("profiles", "0003_source_record_fewer_indexes")]

    operations = [
        write_once_narrow_operation(
            table="profiles_sourcerecord",
            columns=["source_system", "source_record_id", "received_at", "payload"],
            what="Source records",
        ),
    ]
