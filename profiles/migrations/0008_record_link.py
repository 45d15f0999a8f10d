"""A record's link to its person moves out of the record, into a row of its own (RecordLink).

The links that exist are copied across before the record's link columns are dropped, and copied
back when the migration is reversed.
"""

import django.db.models.deletion
from django.db import migrations, models

from migrant_platform.write_once import write_once_reinstate_operation

WRITE_ONCE = {
    "table": "profiles_sourcerecord",
    "columns": ["source_system", "source_record_id", "received_at", "payload"],
    "what": "Source records",
}


def links_copy_out(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO profiles_recordlink (record_id, person_id, score, reason, linked_at) "
        "SELECT id, person_id, link_score, link_reason, linked_at FROM profiles_sourcerecord "
        "WHERE person_id IS NOT NULL"
    )


def links_copy_back(apps, schema_editor):
    # The link columns are not guarded by the write-once trigger.
    schema_editor.execute(
        "UPDATE profiles_sourcerecord SET person_id = l.person_id, link_score = l.score, "
        "link_reason = l.reason, linked_at = l.linked_at "
        "FROM profiles_recordlink AS l WHERE l.record_id = profiles_sourcerecord.id"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0007_source_record_document_hash_index"),
    ]

    operations = [
        write_once_reinstate_operation(**WRITE_ONCE),
        migrations.CreateModel(
            name="RecordLink",
            fields=[
                (
                    "record",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="link",
                        serialize=False,
                        to="profiles.sourcerecord",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="record_links",
                        to="profiles.person",
                    ),
                ),
                ("score", models.FloatField(blank=True, null=True)),
                ("reason", models.JSONField(blank=True, default=dict)),
                ("linked_at", models.DateTimeField()),
            ],
            options={
                "indexes": [models.Index(fields=["person", "record"], name="record_link_person_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("score__isnull", True),
                            models.Q(("score__gte", 0), ("score__lte", 1)),
                            _connector="OR",
                        ),
                        name="record_link_score_is_probability",
                    )
                ],
            },
        ),
        migrations.RunPython(links_copy_out, links_copy_back),
        migrations.RemoveConstraint(model_name="sourcerecord", name="source_record_link_has_timestamp"),
        migrations.RemoveConstraint(model_name="sourcerecord", name="source_record_link_score_is_probability"),
        migrations.RemoveIndex(model_name="sourcerecord", name="source_record_unlinked_idx"),
        migrations.RemoveIndex(model_name="sourcerecord", name="source_record_person_idx"),
        migrations.RemoveField(model_name="sourcerecord", name="link_reason"),
        migrations.RemoveField(model_name="sourcerecord", name="link_score"),
        migrations.RemoveField(model_name="sourcerecord", name="linked_at"),
        migrations.RemoveField(model_name="sourcerecord", name="person"),
        write_once_reinstate_operation(**WRITE_ONCE),
    ]
