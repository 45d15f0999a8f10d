"""Parse and validate one exchange row (a CSV line, an XLSX row or a JSON record). Pure: no database.

`record_parse` turns the raw row into a `ParsedRecord` (normalized identity columns plus the typed
fact values of its record type) or into per-field errors `{column: [messages]}` that the quarantine
stores and the API returns. Reference data comes in as a `ReferenceIndex`, loaded once per batch by
`exchange.selectors.reference_index_load`, so parsing a million rows makes no queries.

The format itself is documented in docs/exchange-format.md; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError

from employers.validators import inn_is_valid, validate_inn
from profiles.models import DocumentType, VisitPurpose
from profiles.names import normalize_document_number, normalize_phone

RowErrors = dict[str, list[str]]

IDENTITY_COLUMNS = (
    "source_system",
    "source_record_id",
    "surname",
    "given_names",
    "patronymic",
    "birth_date",
    "sex",
    "citizenship",
    "document_type",
    "document_number",
    "phone",
    "tax_id",
)
RECORD_COLUMNS = ("record_type", "supersedes", "document_country", "document_issued_on", "document_expires_on")


class RecordType:
    PERSON = "person"
    BORDER_CROSSING = "border_crossing"
    REGISTRATION = "registration"
    PATENT = "patent"
    PATENT_PAYMENT = "patent_payment"
    CONTRACT = "contract"
    RESIDENCE_PERMIT = "residence_permit"


# The fact columns each record type reads; any other column of the row is kept in the payload and ignored.
FACT_COLUMNS: dict[str, tuple[str, ...]] = {
    RecordType.PERSON: (),
    RecordType.BORDER_CROSSING: (
        "direction",
        "crossed_on",
        "checkpoint",
        "purpose",
        "migration_card_number",
        "entered_on",
    ),
    RecordType.REGISTRATION: (
        "region_code",
        "address",
        "host_inn",
        "host_name",
        "purpose",
        "arrived_on",
        "valid_from",
        "valid_to",
    ),
    RecordType.PATENT: ("permit_number", "region_code", "profession", "issued_on", "valid_from", "valid_to"),
    RecordType.PATENT_PAYMENT: (
        "permit_number",
        "paid_on",
        "amount",
        "months",
        "period_from",
        "paid_until",
        "receipt_number",
    ),
    RecordType.CONTRACT: (
        "employer_inn",
        "employer_name",
        "contract_kind",
        "position",
        "region_code",
        "concluded_on",
        "starts_on",
        "ends_on",
        "terminated_on",
    ),
    RecordType.RESIDENCE_PERMIT: ("permit_kind", "permit_number", "region_code", "issued_on", "valid_from", "valid_to"),
}
ALL_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys([*IDENTITY_COLUMNS, *RECORD_COLUMNS, *(c for cols in FACT_COLUMNS.values() for c in cols)])
)

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
OLDEST_AGE_YEARS = 120
# Column widths of profiles.SourceRecord and the fact models: longer values are refused here, not by the database.
MAX_LENGTHS = {
    "source_record_id": 100,
    "supersedes": 100,
    "surname": 100,
    "given_names": 150,
    "patronymic": 150,
    "document_number": 40,
    "checkpoint": 120,
    "migration_card_number": 20,
    "address": 500,
    "host_name": 200,
    "permit_number": 40,
    "profession": 200,
    "receipt_number": 40,
    "employer_name": 300,
    "position": 200,
}

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RU_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_NAME_PUNCTUATION = set(" -'’‘ʻʼ`.")
_SPACES = re.compile(r"\s+")

_SEX = {"M": "M", "F": "F", "М": "M", "Ж": "F", "MALE": "M", "FEMALE": "F", "МУЖ": "M", "ЖЕН": "F"}
_DIRECTIONS = {"ENTRY": "entry", "IN": "entry", "ВЪЕЗД": "entry", "EXIT": "exit", "OUT": "exit", "ВЫЕЗД": "exit"}
_PURPOSES = {value.upper(): value for value in VisitPurpose.values} | {
    "РАБОТА": "work",
    "УЧЕБА": "study",
    "УЧЁБА": "study",
    "ЧАСТНАЯ": "private",
    "ТУРИЗМ": "tourism",
    "ДЕЛОВАЯ": "business",
    "СЛУЖЕБНАЯ": "business",
    "ТРАНЗИТ": "transit",
    "ИНАЯ": "other",
}
_DOCUMENT_TYPES = {value.upper(): value for value in DocumentType.values}
_CONTRACT_KINDS = {"LABOR": "labor", "CIVIL": "civil", "ТРУДОВОЙ": "labor", "ГПХ": "civil"}
_PERMIT_KINDS = {"RVP": "rvp", "VNZH": "vnzh", "РВП": "rvp", "ВНЖ": "vnzh"}
_RECORD_TYPES = {name.upper(): name for name in FACT_COLUMNS}
# Documents issued by Russia whatever the holder's citizenship.
_RUSSIAN_DOCUMENTS = {DocumentType.RVP, DocumentType.VNZH, DocumentType.MIGRATION_CARD}


@dataclass(frozen=True)
class ReferenceIndex:
    """What parsing needs from the reference tables, as plain lookups."""

    countries: Mapping[str, str]  # ISO3, ISO2, numeric code, Russian and English name (folded) -> ISO3
    regions: frozenset[str]
    source_systems: Mapping[str, bool]  # code -> is_active

    @staticmethod
    def fold(text: str) -> str:
        return _SPACES.sub(" ", text.strip().upper().replace("Ё", "Е"))

    def country(self, text: str) -> str | None:
        # Most rows write the code as the index keys it ("UZB"): folding is then a no-op.
        return self.countries.get(text) or self.countries.get(self.fold(text))


class ParsedRecord(NamedTuple):
    """A valid row: the normalized identity columns of a SourceRecord and the typed facts it states.

    Immutable as a named tuple rather than a frozen dataclass: one is made per row of a file, and a
    frozen dataclass's constructor sets each of its 19 fields through `object.__setattr__` (200,000
    rows: 1.13 s against 0.19 s)."""

    source_system: str
    source_record_id: str
    record_type: str
    supersedes: str = ""
    surname: str = ""
    given_names: str = ""
    patronymic: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    citizenship: str | None = None
    document_type: str = ""
    document_number: str = ""  # normalized
    document_number_raw: str = ""
    document_country: str | None = None
    document_issued_on: dt.date | None = None
    document_expires_on: dt.date | None = None
    phone: str = ""
    tax_id: str = ""
    facts: Mapping[str, Any] = MappingProxyType({})

    # (source_system, source_record_id): a C getter, asked a few times for every row of a file.
    key = property(itemgetter(0, 1), doc="(source_system, source_record_id)")


def cell_text(value: Any) -> str:
    """One cell as text: CSV gives strings, XLSX and JSON may give numbers and dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, int | float | Decimal | dt.date):
        return str(value)
    raise TypeError(type(value).__name__)


def payload_canonical(raw: Mapping[str, Any]) -> dict[str, str]:
    """What decides whether two deliveries of one record id are the same record.

    Blank columns and the source_system column (it is part of the key) are left out and numbers are
    compared as text, so a record sent as CSV with empty columns and again as JSON is a duplicate.
    """
    canonical = {}
    for key, value in raw.items():
        if key == "source_system":
            continue
        try:
            text = cell_text(value)
        except TypeError:
            text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        if text:
            canonical[str(key)] = text
    return canonical


class _Row:
    """Reads typed values out of the raw row, collecting one list of messages per column."""

    def __init__(self, raw: Mapping[str, Any], today: dt.date) -> None:
        self.raw = raw
        self.today = today
        self.errors: RowErrors = {}
        self.values: dict[str, Any] = {}  # the fact values parsed so far, for the order checks

    def error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)

    def text(self, column: str, *, required: bool = False, what: str = "") -> str:
        value = self.raw.get(column)
        if type(value) is str:  # every cell of a CSV: the common case, without the type dispatch
            value = value.strip()
        else:
            try:
                value = cell_text(value)
            except TypeError:
                self.error(column, "must be a single value, not a list or an object.")
                return ""
        if not value and required:
            self.error(column, f"{what or column} is required.")
        max_length = MAX_LENGTHS.get(column)
        if max_length and len(value) > max_length:
            self.error(column, f"is {len(value)} characters long; at most {max_length} are allowed.")
            return ""
        return value

    def choice(self, column: str, options: Mapping[str, str], *, required: bool = False, default: str = "") -> str:
        value = self.text(column, required=required)
        if not value:
            return default
        chosen = options.get(value.upper())
        if chosen is None:
            allowed = ", ".join(sorted(set(options.values())))
            self.error(column, f"'{value}' is not one of: {allowed}.")
            return ""
        return chosen

    def date(self, column: str, *, required: bool = False, not_in_future: bool = False) -> dt.date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(column, f"'{value}' is not a date: write YYYY-MM-DD or DD.MM.YYYY.")
            return None
        if not_in_future and parsed > self.today:
            self.error(column, f"{parsed:%Y-%m-%d} is in the future.")
            return None
        return parsed

    def name(self, column: str) -> str:
        value, problem = _name_checked(self.text(column))
        if problem:
            self.error(column, problem)
        return value

    def organization_inn(self, column: str, *, required: bool) -> str:
        value = self.text(column, required=required).replace(" ", "")
        if value:
            try:
                validate_inn(value)
            except ValidationError as error:
                for message in error.messages:
                    self.error(column, message)
                return ""
        return value

    def region(self, column: str, regions: frozenset[str], *, required: bool) -> str:
        value = self.text(column, required=required)
        if not value:
            return ""
        code = value.zfill(2) if value.isdigit() else value
        if code not in regions:
            self.error(column, f"'{value}' is not a region code (two digits, e.g. 77 for Moscow).")
            return ""
        return code

    def order(self, earlier: str, later: str, message: str) -> None:
        """Errors on `later` when both dates parsed and `later` comes first."""
        first, second = self.values.get(earlier), self.values.get(later)
        if first is not None and second is not None and second < first:
            self.error(later, message.format(earlier=first, later=second))


@functools.lru_cache(maxsize=200_000)
def _name_checked(text: str) -> tuple[str, str]:
    """A name cell as stored (spaces collapsed, NFC, upper case), or "" and what is wrong with it.

    Memoized: a large file repeats the same surnames and given names thousands of times.
    """
    value = unicodedata.normalize("NFC", _SPACES.sub(" ", text))
    if not value:
        return "", ""
    if any(char.isdigit() for char in value):
        return "", f"'{value}' contains digits; a name cannot."
    bad = sorted(
        {c for c in value if not (c.isalpha() or unicodedata.category(c).startswith("M") or c in _NAME_PUNCTUATION)}
    )
    if bad:
        return "", f"'{value}' contains characters that are not part of a name: {' '.join(bad)}"
    if not any(char.isalpha() for char in value):
        return "", f"'{value}' has no letters."
    return value.upper(), ""


@functools.lru_cache(maxsize=100_000)  # a large file repeats its birth and document dates
def parse_date(value: str) -> dt.date | None:
    """YYYY-MM-DD or DD.MM.YYYY; None when it is neither or not a real day (31.02.2024)."""
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _RU_DATE.match(value)
        if not match:
            return None
        day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def record_parse(
    raw: Mapping[str, Any],
    *,
    ref: ReferenceIndex,
    default_source_system: str | None = None,
    today: dt.date | None = None,
) -> tuple[ParsedRecord | None, RowErrors]:
    """Validate one row; returns (record, {}) or (None, errors)."""
    today = today or dt.date.today()
    row = _Row(raw, today)
    if raw.get("_extra"):
        row.error("_extra", "the row has more values than the header has columns.")

    source_system = _source_system(row, ref, default_source_system)
    source_record_id = row.text("source_record_id", required=True)
    record_type = row.choice("record_type", _RECORD_TYPES, default=RecordType.PERSON)
    supersedes = row.text("supersedes")
    if supersedes and supersedes == source_record_id:
        row.error("supersedes", "a record cannot supersede itself.")

    surname = row.name("surname")
    given_names = row.name("given_names")
    patronymic = row.name("patronymic")
    if not surname and "surname" not in row.errors:
        row.error(
            "surname",
            "surname is required (a person with a single name writes it as the surname)."
            if given_names
            else "no name: surname and given names are empty.",
        )
    birth_date = _birth_date(row)
    sex = row.choice("sex", _SEX)
    citizenship = _country(row, "citizenship", ref)
    document = _document(row, ref, citizenship)
    document_type, document_number_raw, document_number = document[:3]
    phone = _phone(row)
    tax_id = _person_inn(row)

    if record_type == RecordType.PERSON:
        for column, value in (("birth_date", birth_date), ("sex", sex), ("citizenship", citizenship)):
            if not value and column not in row.errors:
                row.error(column, f"{column} is required on a person record.")
    elif record_type and not (birth_date or document_number or tax_id) and "birth_date" not in row.errors:
        row.error("birth_date", "a record needs a birth date, a document number or a tax_id to be linked to a person.")

    facts = _FACT_PARSERS[record_type](row, ref) if record_type else {}
    if birth_date:
        for column, value in facts.items():
            if isinstance(value, dt.date) and value < birth_date and column not in row.errors:
                row.error(column, f"{value:%Y-%m-%d} is before the birth date {birth_date:%Y-%m-%d}.")

    if row.errors:
        return None, row.errors
    assert source_system is not None
    return (
        ParsedRecord(
            source_system=source_system,
            source_record_id=source_record_id,
            record_type=record_type,
            supersedes=supersedes,
            surname=surname,
            given_names=given_names,
            patronymic=patronymic,
            birth_date=birth_date,
            sex=sex,
            citizenship=citizenship,
            document_type=document_type if document_number else "",
            document_number=document_number,
            document_number_raw=document_number_raw,
            document_country=document.country if document_number else None,
            document_issued_on=document.issued_on,
            document_expires_on=document.expires_on,
            phone=phone,
            tax_id=tax_id,
            facts=facts,
        ),
        {},
    )


class DocumentFields(NamedTuple):
    document_type: str
    number_raw: str
    number: str  # normalized
    country: str | None
    issued_on: dt.date | None
    expires_on: dt.date | None


def record_type_of(raw: Mapping[str, Any]) -> str:
    """The record type an accepted row states (PERSON when it states none)."""
    return _Row(raw, dt.date.min).choice("record_type", _RECORD_TYPES, default=RecordType.PERSON)


def person_document_parse(
    raw: Mapping[str, Any], *, ref: ReferenceIndex, citizenship: str | None, today: dt.date
) -> DocumentFields | None:
    """The identity document an accepted row states, or None when it states none.

    What the linker's write path needs of most records of a large identity file (person records,
    whose only fact is the document): the same rules as `record_parse`, for the document columns
    only, at a fraction of the cost of parsing the whole row again.
    """
    row = _Row(raw, today)
    document = _document(row, ref, citizenship)
    if row.errors:
        raise ValueError(f"the document columns no longer parse: {row.errors}")
    return document if document.number else None


def document_country_default(document_type: str, citizenship: str | None) -> str | None:
    """The issuing country of a document whose row names none: Russia for the documents only Russia
    issues (residence permits, migration cards), else the holder's citizenship."""
    return "RUS" if document_type in _RUSSIAN_DOCUMENTS else citizenship


def person_document_of_columns(
    *, document_type: str, number_raw: str, number: str, citizenship: str | None
) -> DocumentFields | None:
    """The identity document of an accepted person record that states only a document's type and
    number (no country, no dates), from the record's stored columns: what `person_document_parse`
    gives for such a row, without reading its payload again."""
    if not number:
        return None
    country = document_country_default(document_type, citizenship)
    return DocumentFields(document_type, number_raw.strip(), number, country, None, None)


def _document(row: _Row, ref: ReferenceIndex, citizenship: str | None) -> DocumentFields:
    document_type = row.choice("document_type", _DOCUMENT_TYPES)
    number_raw = row.text("document_number")
    number = normalize_document_number(number_raw)
    if number_raw and not number:
        row.error("document_number", f"'{number_raw}' has no letters or digits.")
    if number and not document_type and "document_type" not in row.errors:
        row.error("document_type", f"is required with a document number (one of {', '.join(DocumentType.values)}).")
    country = _country(row, "document_country", ref)
    if number and country is None and "document_country" not in row.errors:
        country = document_country_default(document_type, citizenship)
    issued_on = row.date("document_issued_on", not_in_future=True)
    expires_on = row.date("document_expires_on")
    if issued_on and expires_on and expires_on < issued_on:
        row.error("document_expires_on", "the document expires before it was issued.")
    return DocumentFields(document_type, number_raw, number, country, issued_on, expires_on)


def raw_source_key(raw: Mapping[str, Any], default_source_system: str | None) -> tuple[str, str]:
    """(source_system, source_record_id) as given, for the quarantine; blank when absent or unreadable."""

    def text(column: str) -> str:
        try:
            return cell_text(raw.get(column))
        except TypeError:
            return ""

    return (text("source_system").upper() or (default_source_system or ""), text("source_record_id"))


# --- identity columns -----------------------------------------------------------------------


def _source_system(row: _Row, ref: ReferenceIndex, default: str | None) -> str | None:
    code = row.text("source_system").upper() or (default or "")
    if not code:
        row.error("source_system", "source_system is required (a column, or the batch's default system).")
        return None
    if code not in ref.source_systems:
        row.error("source_system", f"'{code}' is not a known source system ({', '.join(sorted(ref.source_systems))}).")
        return None
    if not ref.source_systems[code]:
        row.error("source_system", f"source system {code} is not active.")
        return None
    return code


def _birth_date(row: _Row) -> dt.date | None:
    born = row.date("birth_date")
    if born is None:
        return None
    if born > row.today:
        row.error("birth_date", f"impossible birth date: {born:%Y-%m-%d} is in the future.")
        return None
    if born < EARLIEST_BIRTH_DATE:
        row.error("birth_date", f"impossible birth date: {born:%Y-%m-%d} is before 1900.")
        return None
    age = row.today.year - born.year - ((row.today.month, row.today.day) < (born.month, born.day))
    if age > OLDEST_AGE_YEARS:
        row.error("birth_date", f"impossible birth date: the person would be {age} years old.")
        return None
    return born


def _country(row: _Row, column: str, ref: ReferenceIndex) -> str | None:
    value = row.text(column)
    if not value:
        return None
    iso3 = ref.country(value)
    if iso3 is None:
        row.error(column, f"'{value}' is not a known country code (ISO 3166 alpha-3, e.g. UZB; or alpha-2).")
    return iso3


def _phone(row: _Row) -> str:
    value = row.text("phone")
    if not value:
        return ""
    phone = normalize_phone(value)
    if not phone or phone[1] == "0":
        row.error("phone", f"'{value}' is not a phone number in international form, e.g. +998901234567.")
        return ""
    return phone


def _person_inn(row: _Row) -> str:
    value = row.text("tax_id").replace(" ", "")
    if not value:
        return ""
    if not value.isdigit() or len(value) != 12:
        row.error("tax_id", f"a person's INN has 12 digits; got '{value}'.")
        return ""
    if not inn_is_valid(value):
        row.error("tax_id", f"INN {value} fails its check digit: it was probably mistyped.")
        return ""
    return value


# --- fact columns, one parser per record type -------------------------------------------------


def _facts_person(row: _Row, ref: ReferenceIndex) -> dict[str, Any]:
    return {}


def _facts_border_crossing(row: _Row, ref: ReferenceIndex) -> dict[str, Any]:
    values = row.values = {
        "direction": row.choice("direction", _DIRECTIONS, required=True),
        "crossed_on": row.date("crossed_on", required=True, not_in_future=True),
        "checkpoint": row.text("checkpoint", required=True),
        "purpose": row.choice("purpose", _PURPOSES),
        "migration_card_number": row.text("migration_card_number"),
        "entered_on": row.date("entered_on", not_in_future=True),
    }
    if values["direction"] == "exit":
        if values["purpose"]:
            row.error("purpose", "a purpose is stated on entry only.")
        row.order("entered_on", "crossed_on", "exit before entry: exit on {later} is before the entry on {earlier}.")
    elif values["direction"] == "entry" and values["entered_on"]:
        row.error("entered_on", "entered_on is given on an exit only (the entry date on the migration card).")
    return values


def _facts_registration(row: _Row, ref: ReferenceIndex) -> dict[str, Any]:
    values = row.values = {
        "region_code": row.region("region_code", ref.regions, required=True),
        "address": row.text("address", required=True),
        "host_inn": row.organization_inn("host_inn", required=False),
        "host_name": row.text("host_name", required=True, what="host_name (the organization or the private host)"),
        "purpose": row.choice("purpose", _PURPOSES),
        "arrived_on": row.date("arrived_on", required=True, not_in_future=True),
        "valid_from": row.date("valid_from", required=True),
        "valid_to": row.date("valid_to", required=True),
    }
    row.order("valid_from", "valid_to", "the registration ends ({later}) before it starts ({earlier}).")
    return values


def _facts_patent(row: _Row, ref: ReferenceIndex) -> dict[str, Any]:
    values = row.values = {
        "permit_number": row.text("permit_number", required=True),
        "region_code": row.region("region_code", ref.regions, required=True),
        "profession": row.text("profession"),
        "issued_on": row.date("issued_on", required=True, not_in_future=True),
        "valid_from": row.date("valid_from"),
        "valid_to": row.date("valid_to", required=True),
    }
    _permit_dates(row, values)
    return values


def _facts_residence_permit(row: _Row, ref: ReferenceIndex) -> dict[str, Any]:
    values = row.values = {
        "permit_kind": row.choice("permit_kind", _PERMIT_KINDS, required=True),
        "permit_number": row.text("permit_number", required=True),
        "region_code": row.region("region_code", ref.regions, required=False),
        "issued_on": row.date("issued_on", required=True, not_in_future=True),
        "valid_from": row.date("valid_from"),
        "valid_to": row.date("valid_to", required=False),
    }
    if values["permit_kind"] == "rvp" and not values["valid_to"] and "valid_to" not in row.errors:
        row.error("valid_to", "a temporary residence permit (rvp) has an end date; only a vnzh may be indefinite.")
    _permit_dates(row, values)
    return values


def _permit_dates(row: _Row, values: dict[str, Any]) -> None:
    if values["valid_from"] is None and "valid_from" not in row.errors:
        values["valid_from"] = values["issued_on"]
    row.order("issued_on", "valid_from", "the permit is valid from {later}, before it was issued on {earlier}.")
    row.order("valid_from", "valid_to", "the permit ends ({later}) before it starts ({earlier}).")


def _facts_patent_payment(row: _Row, ref: ReferenceIndex) -> dict[str, Any]:
    values = row.values = {
        "permit_number": row.text("permit_number", required=True, what="permit_number (the patent paid for)"),
        "paid_on": row.date("paid_on", required=True, not_in_future=True),
        "amount": _amount(row),
        "months": _months(row),
        "period_from": row.date("period_from", required=True),
        "paid_until": row.date("paid_until", required=True),
        "receipt_number": row.text("receipt_number", required=True),
    }
    row.order("period_from", "paid_until", "the paid period ends ({later}) before it starts ({earlier}).")
    return values


def _amount(row: _Row) -> Decimal | None:
    value = row.text("amount", required=True).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        row.error("amount", f"'{value}' is not an amount of roubles, e.g. 7500.00.")
        return None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e8") or amount != round(amount, 2):
        row.error("amount", f"{value} is not a positive amount with at most two decimals (kopecks).")
        return None
    return amount


def _months(row: _Row) -> int | None:
    value = row.text("months", required=True)
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 12:
        row.error("months", f"'{value}' is not a number of months from 1 to 12.")
        return None
    return int(value)


def _facts_contract(row: _Row, ref: ReferenceIndex) -> dict[str, Any]:
    values = row.values = {
        "employer_inn": row.organization_inn("employer_inn", required=True),
        "employer_name": row.text("employer_name", required=True),
        "contract_kind": row.choice("contract_kind", _CONTRACT_KINDS, default="labor"),
        "position": row.text("position", required=True),
        "region_code": row.region("region_code", ref.regions, required=True),
        "concluded_on": row.date("concluded_on", required=True, not_in_future=True),
        "starts_on": row.date("starts_on", required=True),
        "ends_on": row.date("ends_on"),
        "terminated_on": row.date("terminated_on", not_in_future=True),
    }
    row.order("starts_on", "ends_on", "the contract ends ({later}) before it starts ({earlier}).")
    row.order(
        "concluded_on", "terminated_on", "the contract is terminated ({later}) before it was concluded ({earlier})."
    )
    return values


_FACT_PARSERS = {
    RecordType.PERSON: _facts_person,
    RecordType.BORDER_CROSSING: _facts_border_crossing,
    RecordType.REGISTRATION: _facts_registration,
    RecordType.PATENT: _facts_patent,
    RecordType.PATENT_PAYMENT: _facts_patent_payment,
    RecordType.CONTRACT: _facts_contract,
    RecordType.RESIDENCE_PERMIT: _facts_residence_permit,
}


def unknown_columns(columns: Iterable[str]) -> list[str]:
    """Header columns this format does not read (kept in the payload, otherwise ignored): likely typos."""
    return [column for column in columns if column and column not in ALL_COLUMNS and column != "_extra"]
