from __future__ import annotations

import csv
import io
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from exchange.models import ImportBatch, QuarantinedRow
from exchange.services import batch_ingest
from exchange.tests.rows import person_row
from profiles.models import SourceRecord

pytestmark = pytest.mark.django_db

CSV_FORMAT = "0"  # index in ImportBatchAdmin.formats


def csv_upload(rows, name="upload.csv"):
    columns = list(dict.fromkeys(column for row in rows for column in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


def preview(staff_client, rows, **data):
    return staff_client.post(
        reverse("admin:exchange_importbatch_import"),
        {"resource": "0", "format": CSV_FORMAT, "import_file": csv_upload(rows), **data},
    )


def test_the_import_preview_shows_row_errors_and_still_offers_to_confirm(staff_client):
    rows = [person_row("B-1"), person_row("B-2", birth_date="1850-01-01"), person_row("B-3", citizenship="XYZ")]

    response = preview(staff_client, rows)

    assert response.status_code == 200
    page = response.content.decode()
    # The admin has no language prefix, so it speaks the default language (Russian).
    with translation.override(settings.LANGUAGE_CODE):
        expected = ngettext("%(counter)s row with errors", "%(counter)s rows with errors", 2) % {"counter": 2}
    assert expected in page
    assert "impossible birth date: 1850-01-01 is before 1900." in page
    assert "&#x27;XYZ&#x27; is not a known country code" in page
    assert 'name="confirm"' in page
    assert response.context["confirm_form"].initial["original_file_name"] == "upload.csv"
    result = response.context["result"]
    assert result.totals["new"] == 1
    assert [row.number for row in result.invalid_rows] == [2, 3]
    assert not SourceRecord.objects.exists()  # a preview writes nothing
    assert not ImportBatch.objects.exists()


def test_the_preview_marks_records_already_stored_as_skipped(staff_client):
    batch_ingest(rows=[person_row("B-1")], origin=ImportBatch.Origin.API)

    response = preview(staff_client, [person_row("B-1"), person_row("B-2")])

    assert (response.context["result"].totals["skip"], response.context["result"].totals["new"]) == (1, 1)


def test_confirming_the_import_ingests_good_rows_and_quarantines_bad_ones(staff_client, superuser):
    rows = [person_row("B-1", source_system=None), person_row("B-2", source_system=None, birth_date="1850-01-01")]
    response = preview(staff_client, rows, source_system="BORDER")
    confirm = response.context["confirm_form"]

    response = staff_client.post(
        reverse("admin:exchange_importbatch_process_import"),
        {name: confirm.initial.get(name, "") for name in confirm.fields},
        follow=True,
    )

    assert response.status_code == 200
    batch = ImportBatch.objects.get()
    assert (batch.origin, batch.source_system_id, batch.created_by, batch.file_name) == (
        "admin",
        "BORDER",
        superuser,
        "upload.csv",
    )
    assert (batch.accepted_count, batch.quarantined_count) == (1, 1)
    assert SourceRecord.objects.get().source_record_id == "B-1"
    assert f"Batch {batch.pk}: received 2, accepted 1" in response.content.decode()


def confirm_import(staff_client, rows, **data):
    confirm = preview(staff_client, rows, **data).context["confirm_form"]
    return staff_client.post(
        reverse("admin:exchange_importbatch_process_import"),
        {name: confirm.initial.get(name, "") for name in confirm.fields},
        follow=True,
    )


def test_the_same_file_confirmed_again_reports_its_batch_and_changes_nothing(staff_client):
    rows = [person_row("B-1", source_system=None)]
    confirm_import(staff_client, rows, source_system="BORDER")

    again = confirm_import(staff_client, rows, source_system="BORDER")
    other_system = confirm_import(staff_client, rows, source_system="MIGREG")

    batch = ImportBatch.objects.get()
    assert f"Batch {batch.pk}: received 1, accepted 1" in again.content.decode()
    assert "re-run it with the same one to resume" in other_system.content.decode()
    assert SourceRecord.objects.count() == 1


def test_an_xlsx_upload_is_previewed_with_its_date_cells(staff_client):
    import datetime as dt

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["source_system", "source_record_id", "surname", "birth_date", "sex", "citizenship"])
    workbook.active.append(["PATENT", 1001, "Рахмонов", dt.datetime(1992, 3, 4), "М", "TJK"])
    workbook.active.append(["PATENT", 1002, "Алиев", dt.datetime(1850, 3, 4), "М", "TJK"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("feed.xlsx", buffer.getvalue())

    response = staff_client.post(
        reverse("admin:exchange_importbatch_import"), {"resource": "0", "format": "1", "import_file": upload}
    )

    result = response.context["result"]
    assert result.totals["new"] == 1
    assert [row.error_dict for row in result.invalid_rows] == [
        {"birth_date": ["impossible birth date: 1850-03-04 is before 1900."]}
    ]


def test_staff_without_the_import_permission_cannot_import(client, django_user_model):
    user = django_user_model.objects.create_user(username="viewer", password="x", is_staff=True)
    client.force_login(user)

    response = client.get(reverse("admin:exchange_importbatch_import"))

    assert response.status_code == 403


def test_the_batch_and_quarantine_lists_render(staff_client):
    batch_ingest(rows=[person_row("B-1"), person_row("B-2", citizenship="XYZ")], origin=ImportBatch.Origin.API)

    batches = staff_client.get(reverse("admin:exchange_importbatch_changelist"))
    rows = staff_client.get(reverse("admin:exchange_quarantinedrow_changelist") + "?status__exact=open")

    assert batches.status_code == 200
    assert rows.status_code == 200
    assert "citizenship: &#x27;XYZ&#x27; is not a known country code" in rows.content.decode()


def _quarantined():
    batch_ingest(rows=[person_row("B-2", citizenship="XYZ")], origin=ImportBatch.Origin.API)
    return QuarantinedRow.objects.get()


def test_a_quarantined_row_is_corrected_as_json_in_its_change_form(staff_client):
    row = _quarantined()
    url = reverse("admin:exchange_quarantinedrow_change", args=[row.pk])
    assert json.loads(staff_client.get(url).context["adminform"].form["corrected_row"].value()) == row.raw

    response = staff_client.post(url, {"corrected_row": json.dumps({**row.raw, "citizenship": "UZB"})})

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "resubmitted"
    assert row.record.citizenship_id == "UZB"


def test_a_correction_that_still_fails_is_shown_on_the_form(staff_client):
    row = _quarantined()
    url = reverse("admin:exchange_quarantinedrow_change", args=[row.pk])

    response = staff_client.post(url, {"corrected_row": json.dumps({**row.raw, "citizenship": "Atlantis"})})

    assert response.status_code == 200
    assert "citizenship: &#x27;Atlantis&#x27; is not a known country code" in response.content.decode()
    row.refresh_from_db()
    assert row.status == "open"


def test_the_resubmit_action_retries_rows_and_reports_those_that_still_fail(staff_client):
    # B-1 was refused because it named an unknown system; B-2's country is still unknown.
    batch_ingest(rows=[person_row("B-1", source_system="")], origin=ImportBatch.Origin.API)
    batch_ingest(rows=[person_row("B-2", citizenship="XYZ")], origin=ImportBatch.Origin.API)
    fixable = QuarantinedRow.objects.get(source_record_id="B-1")
    QuarantinedRow.objects.filter(pk=fixable.pk).update(corrected=person_row("B-1"))

    response = staff_client.post(
        reverse("admin:exchange_quarantinedrow_changelist"),
        {"action": "resubmit", "_selected_action": list(QuarantinedRow.objects.values_list("pk", flat=True))},
        follow=True,
    )

    assert dict(QuarantinedRow.objects.values_list("source_record_id", "status")) == {
        "B-1": "resubmitted",
        "B-2": "open",
    }
    page = response.content.decode()
    assert "1 row(s) resubmitted." in page
    assert "is not a known country code" in page
