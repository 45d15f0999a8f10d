"""The table's guard fires in every replication role (see `migrant_platform.foreign_keys`)."""

from django.db import migrations

from migrant_platform.write_once import triggers_fire_always_operation


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_source_record_narrow_write_once")]

    operations = [
        triggers_fire_always_operation(
            table="profiles_sourcerecord",
            triggers=["profiles_sourcerecord_write_once", "profiles_sourcerecord_never_deleted"],
        )
    ]
