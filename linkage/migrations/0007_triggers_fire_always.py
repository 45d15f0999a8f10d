"""The table's guard fires in every replication role (see `migrant_platform.foreign_keys`)."""

from django.db import migrations

from migrant_platform.write_once import triggers_fire_always_operation


class Migration(migrations.Migration):
    dependencies = [("linkage", "0006_link_decision_partial_indexes")]

    operations = [
        triggers_fire_always_operation(table="linkage_linkdecision", triggers=["linkage_linkdecision_write_once"])
    ]
