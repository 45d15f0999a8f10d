from django.db import migrations

from migrant_platform.write_once import write_once_operation


class Migration(migrations.Migration):
    dependencies = [("linkage", "0001_initial")]

    operations = [
        write_once_operation(
            table="linkage_linkdecision",
            columns=[
                "kind",
                "record_id",
                "person_id",
                "other_person_id",
                "score",
                "reason",
                "decided_by_id",
                "decided_at",
            ],
            what="Link decisions",
        ),
    ]
