"""The table's guard fires in every replication role (see `migrant_platform.foreign_keys`)."""

from django.db import migrations

from migrant_platform.write_once import triggers_fire_always_operation


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_load_schedules_and_templates")]

    operations = [
        triggers_fire_always_operation(table="notifications_delivery", triggers=["notifications_delivery_final"])
    ]
