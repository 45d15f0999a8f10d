"""The history of an application is append-only: a database trigger refuses to change a transition."""

from django.db import migrations

from migrant_platform.write_once import write_once_operation


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [
        write_once_operation(
            table="services_applicationtransition",
            columns=["application_id", "from_state", "to_state", "at", "by_id", "actor", "reason"],
            what="Application transitions",
        ),
    ]
