"""Ship the first e-services: patent application and reissue, patent payment confirmation, the annual
residence notification, change of address, correction of personal data and the status certificate.

The definitions are frozen here on purpose (as legal's rules are): a later change is an admin edit by a
superuser or a new data migration. Labels are English gettext msgids, marked with gettext_noop so that
makemessages extracts them; the form translates them when it renders.
Loading is an upsert by code, so re-running restores the shipped definitions.
"""

from __future__ import annotations

from django.db import migrations

# `_` only marks the labels for makemessages (its default keyword); the values stay English msgids.
from django.utils.translation import gettext_noop as _

SURNAME = {
    "name": "latin_surname",
    "type": "text",
    "label": _("Surname (Latin letters, as in the passport)"),
    "required": True,
    "prefill": "person.latin_surname",
    "max_length": 100,
}
GIVEN_NAMES = {
    "name": "latin_given_names",
    "type": "text",
    "label": _("Given names (Latin letters, as in the passport)"),
    "required": True,
    "prefill": "person.latin_given_names",
    "max_length": 150,
}
BIRTH_DATE = {
    "name": "birth_date",
    "type": "date",
    "label": _("Date of birth"),
    "required": True,
    "prefill": "person.birth_date",
}
CITIZENSHIP = {
    "name": "citizenship",
    "type": "choice",
    "label": _("Citizenship"),
    "required": True,
    "prefill": "person.citizenship",
    "choices": "countries",
}
PASSPORT_NUMBER = {
    "name": "passport_number",
    "type": "text",
    "label": _("Passport number"),
    "required": True,
    "prefill": "document.passport.number",
    "max_length": 40,
}
PASSPORT_EXPIRES = {
    "name": "passport_expires_on",
    "type": "date",
    "label": _("Passport valid until"),
    "required": True,
    "prefill": "document.passport.expires_on",
}
PASSPORT_MRZ = {
    "name": "passport_mrz",
    "type": "mrz",
    "label": _("Passport MRZ: the two lines at the bottom of the photo page"),
    "help": _(
        "Type or paste both lines. The passport number and expiry date are filled in from them once their "
        "check digits are verified."
    ),
    "fills": {"passport_number": "document_number", "passport_expires_on": "expiry_date"},
}
ADDRESS = {
    "name": "address",
    "type": "text",
    "label": _("Address where you are registered"),
    "required": True,
    "prefill": "registration.current.address",
    "max_length": 500,
}
PHONE = {
    "name": "phone",
    "type": "text",
    "label": _("Phone for contact"),
    "required": True,
    "prefill": "person.phone",
    "max_length": 16,
    "help": _("International form, e.g. +998901234567."),
}
MEDICAL = {
    "name": "medical_certificate",
    "type": "file",
    "required": True,
    "label": _("Medical certificate (no drug addiction, no infectious diseases, HIV test)"),
}
PDF_HELP = _("PDF, JPEG or PNG, up to 10 MB.")

SERVICES = [
    {
        "code": "patent-application",
        "reference_prefix": "PAT",
        "position": 10,
        "sla_working_days": 10,
        "issues_permit_kind": "patent",
        "title": _("Patent for work"),
        "description": _("Apply for a patent to work in a region of Russia (115-FZ, art. 13.3)."),
        "fields": [
            SURNAME,
            GIVEN_NAMES,
            BIRTH_DATE,
            CITIZENSHIP,
            PASSPORT_NUMBER,
            PASSPORT_EXPIRES,
            PASSPORT_MRZ,
            {
                "name": "entry_date",
                "type": "date",
                "label": _("Date of entry to Russia"),
                "required": True,
                "prefill": "crossing.last_entry.date",
            },
            {
                "name": "migration_card_number",
                "type": "text",
                "label": _("Migration card number"),
                "required": True,
                "prefill": "crossing.last_entry.migration_card_number",
                "max_length": 20,
            },
            ADDRESS,
            {
                "name": "work_region",
                "type": "choice",
                "label": _("Region where you will work"),
                "required": True,
                "prefill": "registration.current.region",
                "choices": "regions",
                "help": _("A patent is valid only in the region that issued it."),
            },
            {
                "name": "profession",
                "type": "text",
                "label": _("Profession or job"),
                "required": True,
                "max_length": 200,
            },
            {
                "name": "employer_inn",
                "type": "text",
                "label": _("Employer's INN, if you already have an employer"),
                "max_length": 12,
            },
            PHONE,
            {**MEDICAL, "help": PDF_HELP},
            {
                "name": "language_certificate",
                "type": "file",
                "required": True,
                "help": PDF_HELP,
                "label": _("Certificate of Russian language, history and law"),
            },
        ],
    },
    {
        "code": "patent-reissue",
        "reference_prefix": "PRN",
        "position": 20,
        "sla_working_days": 10,
        "issues_permit_kind": "patent",
        "title": _("Patent renewal (reissue)"),
        "description": _(
            "Have your patent reissued when its 12-month term ends, or when your passport, name or profession changes."
        ),
        "fields": [
            SURNAME,
            GIVEN_NAMES,
            BIRTH_DATE,
            PASSPORT_NUMBER,
            PASSPORT_EXPIRES,
            PASSPORT_MRZ,
            {
                "name": "patent_number",
                "type": "text",
                "label": _("Current patent number"),
                "required": True,
                "prefill": "permit.patent.number",
                "max_length": 40,
            },
            {
                "name": "patent_region",
                "type": "choice",
                "label": _("Region of the patent"),
                "required": True,
                "prefill": "permit.patent.region",
                "choices": "regions",
            },
            {
                "name": "patent_valid_to",
                "type": "date",
                "label": _("Patent valid until"),
                "prefill": "permit.patent.valid_to",
            },
            {
                "name": "paid_until",
                "type": "date",
                "label": _("Patent paid until"),
                "prefill": "payment.last.paid_until",
            },
            {
                "name": "profession",
                "type": "text",
                "label": _("Profession or job"),
                "required": True,
                "prefill": "permit.patent.profession",
                "max_length": 200,
            },
            {
                "name": "reissue_reason",
                "type": "choice",
                "label": _("Why the patent is reissued"),
                "required": True,
                "choices": [
                    ["term", _("Its 12-month term ends")],
                    ["passport", _("New passport")],
                    ["name", _("Change of name")],
                    ["profession", _("Change of profession")],
                    ["other", _("Other")],
                ],
            },
            ADDRESS,
            PHONE,
            {**MEDICAL, "help": PDF_HELP},
        ],
    },
    {
        "code": "patent-payment",
        "reference_prefix": "PAY",
        "position": 30,
        "sla_working_days": 3,
        "title": _("Confirmation of a patent payment"),
        "description": _(
            "Upload the receipt of the fixed advance income tax if the payment does not show in your profile."
        ),
        "fields": [
            {
                "name": "patent_number",
                "type": "text",
                "label": _("Patent number"),
                "required": True,
                "prefill": "permit.patent.number",
                "max_length": 40,
            },
            {
                "name": "paid_until",
                "type": "date",
                "label": _("Paid until, as recorded now"),
                "prefill": "payment.last.paid_until",
            },
            {"name": "payment_date", "type": "date", "label": _("Date of the payment"), "required": True},
            {"name": "amount", "type": "decimal", "label": _("Amount paid, roubles"), "required": True},
            {
                "name": "months",
                "type": "choice",
                "label": _("Months paid for"),
                "required": True,
                "choices": [[str(n), str(n)] for n in range(1, 13)],
            },
            {
                "name": "receipt_number",
                "type": "text",
                "label": _("Receipt number (UIN)"),
                "required": True,
                "max_length": 40,
            },
            {"name": "receipt", "type": "file", "label": _("Receipt"), "required": True, "help": PDF_HELP},
        ],
    },
    {
        "code": "annual-notification",
        "reference_prefix": "ANN",
        "position": 40,
        "sla_working_days": 5,
        "title": _("Annual notification of residence (RVP / VNZh)"),
        "description": _(
            "Holders of a temporary residence permit or a residence permit confirm once a year that "
            "they live in Russia."
        ),
        "fields": [
            SURNAME,
            GIVEN_NAMES,
            BIRTH_DATE,
            {
                "name": "residence_kind",
                "type": "choice",
                "label": _("Permit"),
                "required": True,
                "prefill": "permit.residence.kind",
                "choices": [["rvp", _("Temporary residence permit (RVP)")], ["vnzh", _("Residence permit (VNZh)")]],
            },
            {
                "name": "residence_number",
                "type": "text",
                "label": _("Permit number"),
                "required": True,
                "prefill": "permit.residence.number",
                "max_length": 40,
            },
            {
                "name": "residence_valid_to",
                "type": "date",
                "label": _("Permit valid until"),
                "prefill": "permit.residence.valid_to",
            },
            ADDRESS,
            {
                "name": "employer",
                "type": "text",
                "label": _("Employer"),
                "prefill": "contract.current.employer",
                "max_length": 300,
            },
            {
                "name": "income",
                "type": "textarea",
                "required": True,
                "label": _("Your income over the past year and where it came from"),
            },
            {
                "name": "income_statement",
                "type": "file",
                "help": PDF_HELP,
                "label": _("Income statement (2-NDFL or another document), for an RVP holder"),
            },
            PHONE,
        ],
    },
    {
        "code": "address-change",
        "reference_prefix": "ADR",
        "position": 50,
        "sla_working_days": 3,
        "title": _("Notification of a change of address"),
        "description": _("Tell the migration authority that you moved to another address."),
        "fields": [
            SURNAME,
            GIVEN_NAMES,
            PASSPORT_NUMBER,
            {
                "name": "current_address",
                "type": "text",
                "label": _("Address recorded now"),
                "prefill": "registration.current.address",
                "max_length": 500,
            },
            {
                "name": "current_region",
                "type": "choice",
                "label": _("Region recorded now"),
                "prefill": "registration.current.region",
                "choices": "regions",
            },
            {"name": "new_address", "type": "text", "label": _("New address"), "required": True, "max_length": 500},
            {
                "name": "new_region",
                "type": "choice",
                "label": _("Region of the new address"),
                "required": True,
                "choices": "regions",
            },
            {"name": "moved_on", "type": "date", "label": _("Moved on"), "required": True},
            {
                "name": "host_consent",
                "type": "file",
                "help": PDF_HELP,
                "label": _("Consent of the owner or host of the new address"),
            },
        ],
    },
    {
        "code": "data-correction",
        "reference_prefix": "COR",
        "position": 60,
        "sla_working_days": 5,
        "title": _("Request to correct personal data"),
        "description": _(
            "Something in your profile is wrong? Ask for it to be corrected, with a document that "
            "shows the right value."
        ),
        "fields": [
            {
                "name": "field_to_correct",
                "type": "choice",
                "label": _("What is wrong"),
                "required": True,
                "choices": "correctable_fields",
            },
            {"name": "recorded_value", "type": "text", "label": _("Recorded now as"), "max_length": 500},
            {
                "name": "correct_value",
                "type": "text",
                "label": _("The correct value"),
                "required": True,
                "max_length": 500,
            },
            {
                "name": "evidence",
                "type": "file",
                "required": True,
                "help": PDF_HELP,
                "label": _("Document that shows the correct value"),
            },
            {"name": "comment", "type": "textarea", "label": _("Comment")},
        ],
    },
    {
        "code": "status-certificate",
        "reference_prefix": "CRT",
        "position": 70,
        "sla_working_days": 1,
        "decided_automatically": True,
        "title": _("Status certificate"),
        "description": _(
            "A PDF stating your legal basis of stay and until when you may stay, with a QR code that "
            "an employer or landlord can check. Issued at once; valid for 7 days."
        ),
        "fields": [
            SURNAME,
            GIVEN_NAMES,
            BIRTH_DATE,
            CITIZENSHIP,
            {
                "name": "purpose",
                "type": "choice",
                "label": _("Who is it for (optional)"),
                "choices": [
                    ["employer", _("Employer")],
                    ["landlord", _("Landlord")],
                    ["bank", _("Bank")],
                    ["other", _("Other")],
                ],
            },
        ],
    },
]


def load(apps, schema_editor):
    ServiceDefinition = apps.get_model("services", "ServiceDefinition")
    for service in SERVICES:
        defaults = {key: value for key, value in service.items() if key != "code"}
        ServiceDefinition.objects.update_or_create(code=service["code"], defaults=defaults)


def unload(apps, schema_editor):
    ServiceDefinition = apps.get_model("services", "ServiceDefinition")
    Application = apps.get_model("services", "Application")
    codes = [service["code"] for service in SERVICES]
    if Application.objects.filter(service__code__in=codes).exists():
        raise RuntimeError("Applications exist for the shipped services; they cannot be unloaded.")
    ServiceDefinition.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0002_transition_write_once")]

    operations = [migrations.RunPython(load, unload)]
