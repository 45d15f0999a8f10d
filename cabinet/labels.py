"""Translated labels of the registry's choices, as the cabinet shows them to the person.

`profiles` keeps its choices in English for staff; the person reads them in their own language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DOCUMENT_TYPES = {
    "passport": _("National passport"),
    "rvp": _("Temporary residence permit (RVP)"),
    "vnzh": _("Residence permit (VNZh)"),
    "migration_card": _("Migration card"),
    "birth_cert": _("Birth certificate"),
    "stateless_id": _("Stateless person's document"),
    "other": _("Other document"),
}
PERMIT_KINDS = {
    "patent": _("Patent"),
    "work_permit": _("Work permit"),
    "rvp": _("Temporary residence permit (RVP)"),
    "vnzh": _("Residence permit (VNZh)"),
    "visa": _("Visa"),
    "eaeu_worker": _("EAEU worker (contract)"),
    "student": _("Full-time study"),
}
PERMIT_STATUSES = {
    "valid": pgettext_lazy("permit", "Valid"),
    "terminated": pgettext_lazy("permit", "Terminated"),
    "annulled": pgettext_lazy("permit", "Annulled"),
}
CONTRACT_KINDS = {
    "labor": _("Labour contract"),
    "civil": _("Civil-law contract"),
}
CONTRACT_STATUSES = {
    "concluded": pgettext_lazy("contract", "In force"),
    "terminated": pgettext_lazy("contract", "Terminated"),
}
VISIT_PURPOSES = {
    "work": _("Work"),
    "study": _("Study"),
    "private": _("Private visit"),
    "tourism": _("Tourism"),
    "business": _("Business"),
    "transit": _("Transit"),
    "other": _("Other purpose"),
}

LABELS = {
    "document_type": DOCUMENT_TYPES,
    "permit_kind": PERMIT_KINDS,
    "permit_status": PERMIT_STATUSES,
    "contract_kind": CONTRACT_KINDS,
    "contract_status": CONTRACT_STATUSES,
    "visit_purpose": VISIT_PURPOSES,
}


def label(kind: str, value: str) -> str:
    return str(LABELS.get(kind, {}).get(value, value))


# What the person reads as the title of a deadline, by legal rule key (exact key first, then its first
# part). Rule titles in `legal.Rule.title` are written for lawyers and kept in one language; keys
# without an entry here show that title.
DEADLINE_TITLES = {
    "reg": _("Registration at the place of stay"),
    "stay.visa_free": _("End of the permitted visa-free stay"),
    "patent.apply": _("Apply for a patent"),
    "patent.contract_copy": _("Copy of the contract to MVD"),
    "patent.pay": _("Patent payment"),
    "patent.max": _("The patent's 12 months end"),
    "patent.reissue": _("Patent reissue"),
    "bio": _("Fingerprinting and medical examination"),
    "med.repeat": _("Repeat medical examination"),
    "eaeu.new_contract": _("New contract after early termination"),
    "rvp.annual": _("Annual notice of residence (RVP)"),
    "vnzh.annual": _("Annual notice of residence (VNZh)"),
    "vnzh.replace_age": _("Replacement of the residence permit"),
    "exit": _("Leave Russia"),
    "rkl.report": _("Report to MVD (controlled-persons register)"),
    "ban.overstay": _("Entry ban after an overstay"),
    "doc.expiry": _("Identity document expires"),
}


def deadline_title(rule_key: str, fallback: str) -> str:
    title = DEADLINE_TITLES.get(rule_key)
    if title is None:
        for prefix in (rule_key.rsplit(".", 1)[0], rule_key.split(".", 1)[0]):
            title = DEADLINE_TITLES.get(prefix)
            if title is not None:
                break
    return str(title) if title is not None else fallback
