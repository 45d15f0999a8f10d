"""Load the shipped reference data: countries, federal subjects and agency source systems.

The rows live in reference/data/*.json so that a lawyer can review them as data. Loading is an upsert by
primary key, so re-running on a database that staff already edited restores the shipped values. Later
changes to the law or the map ship as new data migrations rather than as edits to these files, because
editing the files changes only what fresh installs get.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# (model name, data file, primary-key field)
DATASETS = [
    ("Country", "countries.json", "iso3"),
    ("Region", "regions.json", "code"),
    ("SourceSystem", "source_systems.json", "code"),
]


def _rows(filename: str) -> list[dict]:
    with (DATA_DIR / filename).open(encoding="utf-8") as f:
        return json.load(f)


def load_reference_data(apps, schema_editor):
    for model_name, filename, pk_field in DATASETS:
        model = apps.get_model("reference", model_name)
        for row in _rows(filename):
            defaults = {key: value for key, value in row.items() if key != pk_field}
            model.objects.update_or_create(**{pk_field: row[pk_field]}, defaults=defaults)


def unload_reference_data(apps, schema_editor):
    # The tables are created empty by 0001, so the shipped keys are exactly the rows this migration added.
    # Rows still referenced by other apps (PROTECT foreign keys) make this fail loudly instead of cascading.
    for model_name, filename, pk_field in DATASETS:
        model = apps.get_model("reference", model_name)
        keys = [row[pk_field] for row in _rows(filename)]
        model.objects.filter(**{f"{pk_field}__in": keys}).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_reference_data, unload_reference_data),
    ]
