"""The table's guard fires in every replication role (see `migrant_platform.foreign_keys`)."""

from django.db import migrations

from migrant_platform.write_once import triggers_fire_always_operation


class Migration(migrations.Migration):
    dependencies = [("services", "0003_load_first_services")]

    operations = [
        triggers_fire_always_operation(
            table="services_applicationtransition", triggers=["services_applicationtransition_write_once"]
        )
    ]
