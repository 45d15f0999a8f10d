"""Rows in the exchange format, valid unless a test overrides a column."""

from __future__ import annotations

from typing import Any

from employers.validators import inn_with_check_digits

PERSON_INN = inn_with_check_digits("7701234567")  # 12 digits: a person's INN
EMPLOYER_INN = inn_with_check_digits("770123456")  # 10 digits: an organization's INN


def person_row(record_id: str = "B-1", **columns: Any) -> dict[str, Any]:
    row = {
        "source_system": "BORDER",
        "source_record_id": record_id,
        "surname": "Каримов",
        "given_names": "Жасур",
        "patronymic": "Баходирович",
        "birth_date": "17.05.1990",
        "sex": "М",
        "citizenship": "UZB",
        "document_type": "passport",
        "document_number": "FA 123-45 67",
        "phone": "8 916 123-45-67",
        "tax_id": PERSON_INN,
    }
    row.update(columns)
    return {key: value for key, value in row.items() if value is not None}


def crossing_row(record_id: str = "B-2", **columns: Any) -> dict[str, Any]:
    values = {
        "record_type": "border_crossing",
        "direction": "entry",
        "crossed_on": "2025-03-01",
        "checkpoint": "Домодедово",
        "purpose": "work",
        "migration_card_number": "4619 123456",
    }
    values.update(columns)
    return person_row(record_id, **values)


def registration_row(record_id: str = "M-1", **columns: Any) -> dict[str, Any]:
    values = {
        "source_system": "MIGREG",
        "record_type": "registration",
        "region_code": "77",
        "address": "Москва, ул. Тверская, д. 1, кв. 2",
        "host_inn": EMPLOYER_INN,
        "host_name": "ООО Ромашка",
        "purpose": "работа",
        "arrived_on": "2025-03-02",
        "valid_from": "2025-03-03",
        "valid_to": "2025-06-01",
    }
    values.update(columns)
    return person_row(record_id, **values)


def patent_row(record_id: str = "P-1", **columns: Any) -> dict[str, Any]:
    values = {
        "source_system": "PATENT",
        "record_type": "patent",
        "permit_number": "77 2500123456",
        "region_code": "77",
        "profession": "Подсобный рабочий",
        "issued_on": "2025-04-01",
        "valid_to": "2026-03-31",
    }
    values.update(columns)
    return person_row(record_id, **values)


def payment_row(record_id: str = "F-1", **columns: Any) -> dict[str, Any]:
    values = {
        "source_system": "FNS",
        "record_type": "patent_payment",
        "permit_number": "77 2500123456",
        "paid_on": "2025-04-02",
        "amount": "9 500,00",
        "months": "1",
        "period_from": "2025-04-01",
        "paid_until": "2025-04-30",
        "receipt_number": "18210102040011000110",
    }
    values.update(columns)
    return person_row(record_id, **values)


def contract_row(record_id: str = "E-1", **columns: Any) -> dict[str, Any]:
    values = {
        "source_system": "EMPLOYER",
        "record_type": "contract",
        "employer_inn": EMPLOYER_INN,
        "employer_name": "ООО Ромашка",
        "position": "Подсобный рабочий",
        "region_code": "77",
        "concluded_on": "2025-04-03",
        "starts_on": "2025-04-05",
    }
    values.update(columns)
    return person_row(record_id, **values)
