"""The records' document index becomes a hash index, and their two unique indexes stop
deduplicating (PostgreSQL; `migrant_platform.indexes`): a link's second entry in each is cheaper."""

from django.db import migrations

import migrant_platform.indexes


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0006_source_record_person_index_linked_only"),
        ("reference", "0002_load_reference_data"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="sourcerecord",
            name="source_record_document_idx",
        ),
        migrations.AddIndex(
            model_name="sourcerecord",
            index=migrant_platform.indexes.EqualityIndex(fields=["document_number"], name="source_record_document_idx"),
        ),
        migrant_platform.indexes.unique_indexes_without_deduplication(
            indexes=["profiles_sourcerecord_pkey", "source_record_unique_per_system"]
        ),
    ]
