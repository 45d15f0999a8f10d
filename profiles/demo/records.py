"""What each agency system sends about a person: the verbatim payload and its normalized fields.

| system    | writes names                                   | also                                       |
|-----------|------------------------------------------------|--------------------------------------------|
| BORDER    | passport Latin from the MRZ                    | crossing, checkpoint, migration card, visa |
| MIGREG    | Russian Cyrillic with patronymic, sometimes a  | registration at the place of stay, host    |
|           | system-made ICAO/GOST Latin                    |                                            |
| PATENT    | Russian Cyrillic with patronymic               | patents and work permits                   |
| FNS       | upper-case Cyrillic, occasional typos          | personal INN, patent payments (НК 227.1)   |
| EMPLOYER  | Cyrillic, now and then surname and name swapped| contract conclusion and termination        |
| SELFREG   | whatever the person typed, often lower-case    | phone, e-mail                              |
| RESIDENCE | upper-case Cyrillic                            | RVP and VNZh decisions                     |

Document numbers arrive with spaces, dashes and Cyrillic look-alike letters (`АА 1234567`), birth
dates now and then missing or with day and month swapped: the normalized fields keep what the record
says (normalized by `profiles.names`), not the truth, because that is what the linker has to work with.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from employers.validators import inn_with_check_digits
from profiles.demo import places
from profiles.demo.bundle import DemoContract, DemoCrossing, DemoPayment, DemoPermit, DemoRecord, DemoRegistration
from profiles.demo.draws import day_between, draw_choice, draw_int, iso_date, moment_on, ru_date
from profiles.demo.noise import latin, noisy_number, normal, split_number, typo, written_birth_date, written_phone
from profiles.demo.organizations import organization
from profiles.demo.world import AS_OF, HISTORY_START, scatter, source_record_id
from profiles.names import normalize_document_number, normalize_phone

if TYPE_CHECKING:
    from profiles.demo.generator import _Names

PURPOSE_RU = {
    "work": "РАБОТА",
    "study": "УЧЕБА",
    "private": "ЧАСТНАЯ",
    "tourism": "ТУРИЗМ",
    "business": "ДЕЛОВАЯ",
}


def _capitalized(text: str) -> str:
    """`SHOHRUX O'G'LI` -> `Shohrux O'g'li`, as people type it (str.title would give O'G'Li)."""
    return " ".join(word.capitalize() for word in text.split())


class SystemRecords:
    """The record-writing half of the person builder (`generator._PersonBuilder`): it reads the
    builder's state (names, documents, phone, the random stream) and appends to `self.bundle`."""

    # -- records ----------------------------------------------------------------------------------

    def _record(
        self,
        system: str,
        day: dt.date,
        payload: dict[str, Any],
        *,
        surname: str = "",
        given_names: str = "",
        patronymic: str = "",
        birth_date: dt.date | None = None,
        sex: str = "",
        citizenship: str | None = None,
        document: int | None = None,
        document_number: str = "",
        phone: str = "",
        tax_id: str = "",
        note: str = "",
    ) -> int:
        ordinal = self.ordinals[system]
        self.ordinals[system] = ordinal + 1
        self.bundle.records.append(
            DemoRecord(
                system=system,
                source_record_id=source_record_id(self.seed, system, self.index, ordinal),
                person_index=self.index,
                profile=0,
                received_at=moment_on(self.rng, day),
                payload=payload,
                surname=normal(surname),
                given_names=normal(given_names),
                patronymic=normal(patronymic),
                birth_date=birth_date,
                sex=sex,
                citizenship=citizenship,
                document_type="passport" if document_number else "",
                document_number=normalize_document_number(document_number) if document_number else "",
                phone=normalize_phone(phone) if phone else "",
                tax_id=tax_id,
                note=note,
                document=document,
            )
        )
        return len(self.bundle.records) - 1

    def _russian_spelling(self, names: _Names) -> tuple[str, str, str]:
        """(surname, given, patronymic) as a Russian officer keyed them: sometimes a variant spelling."""
        rng = self.rng
        surname = names.surname_ru
        given = names.given_ru
        if names.surname_variants and rng.random() < 0.25:
            surname = draw_choice(rng, names.surname_variants)
        if names.given_variants and rng.random() < 0.25:
            given = draw_choice(rng, names.given_variants)
        patronymic = names.patronymic_ru
        if patronymic != names.patronymic_russian_style and rng.random() < 0.3:
            patronymic = names.patronymic_russian_style
        return surname, given, patronymic

    def _border(self, day: dt.date, direction: str, purpose: str) -> int:
        rng = self.rng
        document = self._passport_at(day)
        passport = self.bundle.documents[document]
        names = self._names_at(day)
        checkpoint = self._checkpoint()
        payload: dict[str, Any] = {
            "event": "ENTRY" if direction == "entry" else "EXIT",
            "event_date": iso_date(day),
            "checkpoint_code": checkpoint,
            "checkpoint": places.CHECKPOINTS[checkpoint],
            "surname": names.surname_lat,
            "given_names": names.given_lat,
            "birth_date": iso_date(self.birth_date),
            "sex": self.sex,
            "nationality": self.names.iso3,
            "doc_type": "P",
            "doc_number": passport.number,
            "doc_expiry": iso_date(passport.expires_on),
        }
        card = ""
        if direction == "entry":
            card = f"{draw_int(rng, 4500, 4699)} {draw_int(rng, 0, 9_999_999):07d}"
            payload["visit_purpose"] = PURPOSE_RU[purpose]
            payload["migration_card"] = card
        record = self._record(
            "BORDER",
            day,
            payload,
            surname=names.surname_lat,
            given_names=names.given_lat,
            birth_date=self.birth_date,
            sex=self.sex,
            citizenship=self.names.iso3,
            document=document,
            document_number=passport.number,
        )
        self.bundle.crossings.append(
            DemoCrossing(
                record, direction, day, places.CHECKPOINTS[checkpoint], purpose if direction == "entry" else "", card
            )
        )
        return record

    def _checkpoint(self) -> str:
        rng = self.rng
        country = self.country
        if country.land_checkpoints and rng.random() < country.land_share:
            return draw_choice(rng, country.land_checkpoints)
        local = [code for code in places.REGIONS[self.region].checkpoints if code in places.AIRPORTS]
        if local and rng.random() < 0.75:
            return draw_choice(rng, local)
        return draw_choice(rng, places.MOSCOW_HUBS)

    def _migreg(self, registration: DemoRegistration, *, host_name: str, host_inn: str) -> int:
        rng = self.rng
        day = registration.valid_from
        document = self._passport_at(day)
        passport = self.bundle.documents[document]
        names = self._names_at(day)
        surname, given, patronymic = self._russian_spelling(names)
        if rng.random() < 0.3:
            surname, given, patronymic = surname.upper(), given.upper(), patronymic.upper()
        birth_date = written_birth_date(rng, self.birth_date, missing=0.0, swapped=0.015)
        series, digits = split_number(noisy_number(rng, passport.number, cyrillic=0.08, spaced=0.0))
        payload: dict[str, Any] = {
            "UVEDOMLENIE_NOMER": f"{registration.region}{day.year % 100:02d}{draw_int(rng, 0, 99_999_999):08d}",
            "FAMILIYA": surname,
            "IMYA": given,
            "OTCHESTVO": patronymic,
            "DATA_ROZHD": ru_date(birth_date),
            "POL": "М" if self.sex == "M" else "Ж",
            "GRAZHDANSTVO": self.country.name_ru,
            "DUL_VID": "НАЦИОНАЛЬНЫЙ ПАСПОРТ",
            "DUL_SERIYA": series,
            "DUL_NOMER": digits,
            "TSEL_VIEZDA": PURPOSE_RU.get(registration.purpose, "ЧАСТНАЯ"),
            "DATA_PRIBYTIYA": ru_date(registration.arrived_on),
            "SROK_PREBYVANIYA_DO": ru_date(registration.valid_to),
            "SUBJEKT_RF": registration.region,
            "ADRES_PREBYVANIYA": registration.address,
            "PRINIMAYUSHCHAYA_STORONA": {
                "VID": "ЮЛ" if host_inn else "ФЛ",
                "NAIMENOVANIE": host_name,
                "INN": host_inn,
            },
        }
        if rng.random() < 0.4:
            # Latin fields transliterated from the Russian form by the system, not copied from the passport.
            style = "ru_icao" if rng.random() < 0.7 else "ru_gost"
            payload["FAMILIYA_LAT"] = latin(surname, style)
            payload["IMYA_LAT"] = latin(given, style)
        phone = ""
        if self.phone and rng.random() < 0.3:
            phone = written_phone(rng, self.phone)
            payload["TELEFON"] = phone
        received = day + dt.timedelta(days=draw_int(rng, 0, 6) if rng.random() < 0.93 else draw_int(rng, 8, 25))
        return self._record(
            "MIGREG",
            received,
            payload,
            surname=surname,
            given_names=given,
            patronymic=patronymic,
            birth_date=birth_date,
            sex=self.sex,
            citizenship=self.names.iso3,
            document=document,
            document_number=series + digits,
            phone=phone,
        )

    def _russian_name(self, day: dt.date, *, upper: bool) -> tuple[str, str, str]:
        """(surname, given, patronymic) as a Russian system spelt them on `day`, upper case if it writes so."""
        surname, given, patronymic = self._russian_spelling(self._names_at(day))
        if upper:
            return surname.upper(), given.upper(), patronymic.upper()
        return surname, given, patronymic

    def _patent_record(self, permit: DemoPermit, *, kind_ru: str) -> int:
        rng = self.rng
        day = permit.issued_on
        document = self._passport_at(day)
        passport = self.bundle.documents[document]
        surname, given, patronymic = self._russian_name(day, upper=False)
        written = noisy_number(rng, passport.number, cyrillic=0.03, spaced=0.6)
        series, _, number = permit.number.partition(" №")
        payload = {
            "doc_kind": kind_ru,
            "series": series,
            "number": number,
            "last_name": surname,
            "first_name": given,
            "middle_name": patronymic,
            "birth_date": iso_date(self.birth_date),
            "sex": "М" if self.sex == "M" else "Ж",
            "citizenship_oksm": self.country.numeric,
            "identity_document": written,
            "region_code": permit.region or "",
            "profession": permit.profession,
            "issue_date": iso_date(permit.issued_on),
            "valid_from": iso_date(permit.valid_from),
        }
        if self.tax_id:
            payload["inn"] = self.tax_id
        return self._record(
            "PATENT",
            day + dt.timedelta(days=draw_int(rng, 0, 2)),
            payload,
            surname=surname,
            given_names=given,
            patronymic=patronymic,
            birth_date=self.birth_date,
            sex=self.sex,
            citizenship=self.names.iso3,
            document=document,
            document_number=written,
            tax_id=self.tax_id,
        )

    def _fns_registration(self, day: dt.date) -> None:
        """Tax registration: FNS assigns the personal INN (12 digits with check digits)."""
        rng = self.rng
        digits = scatter(self.index, 10**8, 31_337 + self.seed % 991)
        self.tax_id = inn_with_check_digits(f"{self.region}{digits:08d}")
        document = self._passport_at(day)
        passport = self.bundle.documents[document]
        surname, given, patronymic = self._russian_name(day, upper=True)
        if rng.random() < 0.08:
            if rng.random() < 0.6:
                surname = typo(rng, surname)
            else:
                given = typo(rng, given)
        birth_date = written_birth_date(rng, self.birth_date, missing=0.0, swapped=0.01)
        written = noisy_number(rng, passport.number, cyrillic=0.1, spaced=0.5, typo=0.02)
        payload = {
            "ВидСвед": "ПОСТАНОВКА НА УЧЕТ ФЛ",
            "ИНН": self.tax_id,
            "Фамилия": surname,
            "Имя": given,
            "Отчество": patronymic,
            "ДатаРожд": ru_date(birth_date),
            "Пол": "1" if self.sex == "M" else "2",
            "Гражд": self.country.numeric,
            "КодВидДок": "10",
            "СерНомДок": written,
            "КодНО": f"{self.region}{draw_int(rng, 1, 51):02d}",
            "ДатаПостУчет": ru_date(day),
        }
        self._record(
            "FNS",
            day + dt.timedelta(days=draw_int(rng, 1, 5)),
            payload,
            surname=surname,
            given_names=given,
            patronymic=patronymic,
            birth_date=birth_date,
            sex=self.sex,
            citizenship=self.names.iso3,
            document=document,
            document_number=written,
            tax_id=self.tax_id,
        )

    def _fns_payment(self, payment: DemoPayment, permit: DemoPermit) -> int:
        rng = self.rng
        surname, given, patronymic = self._russian_name(payment.paid_on, upper=True)
        if rng.random() < 0.06:
            surname = typo(rng, surname)
        payload = {
            "ВидСвед": "ПЛАТЕЖ НДФЛ 227.1",
            "ИНН": self.tax_id,
            "ФИО": f"{surname} {given} {patronymic}".rstrip(),
            "УИН": payment.receipt_number,
            "Сумма": f"{payment.amount:.2f}",
            "ДатаПлатежа": ru_date(payment.paid_on),
            "КБК": places.PATENT_KBK,
            "ОКТМО": places.REGIONS[permit.region or self.region].oktmo,
            "ПериодС": ru_date(payment.period_from),
            "ПериодПо": ru_date(payment.paid_until),
            "НомерПатента": permit.number,
        }
        return self._record(
            "FNS",
            payment.paid_on + dt.timedelta(days=draw_int(rng, 1, 3)),
            payload,
            surname=surname,
            given_names=given,
            patronymic=patronymic,
            tax_id=self.tax_id,
        )

    def _employer_record(self, contract: DemoContract, *, notice: str, permit_number: str) -> int:
        rng = self.rng
        day = contract.concluded_on if notice == "conclusion" else contract.terminated_on
        assert day is not None
        employer = organization(self.seed, contract.employer)
        document = self._passport_at(day)
        passport = self.bundle.documents[document]
        surname, given, patronymic = self._russian_name(day, upper=False)
        note = ""
        if rng.random() < 0.04:
            surname, given = given, surname
            note = "surname and given name swapped"
        birth_date = written_birth_date(rng, self.birth_date, missing=0.04, swapped=0.01)
        written = noisy_number(rng, passport.number, cyrillic=0.05, spaced=0.5, typo=0.02)
        series, digits = split_number(written)
        phone = written_phone(rng, self.phone) if self.phone and rng.random() < 0.5 else ""
        payload = {
            "notice": "ЗАКЛЮЧЕНИЕ" if notice == "conclusion" else "ПРЕКРАЩЕНИЕ",
            "employer_inn": employer.inn,
            "employer_ogrn": employer.ogrn,
            "employer_name": employer.name,
            "worker_surname": surname,
            "worker_name": given,
            "worker_patronymic": patronymic,
            "worker_birth_date": ru_date(birth_date),
            "worker_citizenship": self.country.name_ru.capitalize(),
            "worker_document": " ".join(part for part in ("паспорт", series, "№", digits) if part),
            "worker_phone": phone,
            "worker_permit": permit_number,
            "contract_kind": "трудовой договор" if contract.kind == "labor" else "гражданско-правовой договор",
            "contract_date": ru_date(contract.concluded_on),
            "work_start": ru_date(contract.starts_on),
            "work_end": ru_date(contract.ends_on),
            "termination_date": ru_date(contract.terminated_on) if notice == "termination" else "",
            "position": contract.position,
            "work_region": contract.work_region,
        }
        return self._record(
            "EMPLOYER",
            day + dt.timedelta(days=draw_int(rng, 0, 3)),
            payload,
            surname=surname,
            given_names=given,
            patronymic=patronymic,
            birth_date=birth_date,
            sex=self.sex,
            citizenship=self.names.iso3,
            document=document,
            document_number=written,
            phone=phone,
            note=note,
        )

    def _residence_record(self, permit: DemoPermit, card: str) -> int:
        rng = self.rng
        day = permit.issued_on
        document = self._passport_at(day)
        passport = self.bundle.documents[document]
        surname, given, patronymic = self._russian_name(day, upper=True)
        written = noisy_number(rng, passport.number, cyrillic=0.05, spaced=0.5)
        payload = {
            "ВИД_РЕШЕНИЯ": "РВП" if permit.kind == "rvp" else "ВНЖ",
            "НОМЕР_РЕШЕНИЯ": permit.number,
            "ДАТА_РЕШЕНИЯ": ru_date(permit.issued_on),
            "СРОК_ДО": ru_date(permit.valid_to) if permit.valid_to else "БЕССРОЧНО",
            "ФАМИЛИЯ": surname,
            "ИМЯ": given,
            "ОТЧЕСТВО": patronymic,
            "ДАТА_РОЖДЕНИЯ": ru_date(self.birth_date),
            "ПОЛ": "М" if self.sex == "M" else "Ж",
            "ГРАЖДАНСТВО": self.country.name_ru,
            "ДОКУМЕНТ": written,
            "РЕГИОН": permit.region or self.region,
            "ВНЖ_СЕРИЯ_НОМЕР": card,
        }
        return self._record(
            "RESIDENCE",
            day + dt.timedelta(days=draw_int(rng, 0, 4)),
            payload,
            surname=surname,
            given_names=given,
            patronymic=patronymic,
            birth_date=self.birth_date,
            sex=self.sex,
            citizenship=self.names.iso3,
            document=document,
            document_number=written,
        )

    def _selfreg(self) -> None:
        """The person registered on the platform and typed their details themselves."""
        rng = self.rng
        if self.category == "child" or rng.random() > 0.25:
            return
        day = day_between(rng, max(self.trips[0][0], HISTORY_START), AS_OF)
        names = self._names_at(day)
        passport = self.bundle.documents[self._passport_at(day)]
        roll = rng.random()
        if roll < 0.55:
            surname, given, patronymic = (
                names.surname_lat.lower(),
                names.given_lat.lower(),
                names.patronymic_lat.lower(),
            )
        elif roll < 0.7:
            surname, given, patronymic = names.surname_ru, names.given_ru, names.patronymic_ru
        elif roll < 0.85:
            surname = latin(names.surname_ru, "informal").capitalize()
            given = latin(names.given_ru, "informal").capitalize()
            patronymic = _capitalized(names.patronymic_lat)
        else:
            surname, given, patronymic = (
                _capitalized(names.surname_lat),
                _capitalized(names.given_lat),
                _capitalized(names.patronymic_lat),
            )
        if rng.random() < 0.1:
            surname, given = given, surname
        if rng.random() > 0.3:
            patronymic = ""  # most leave the optional field empty
        birth_date = written_birth_date(rng, self.birth_date, missing=0.02, swapped=0.03)
        if birth_date is None:
            typed_birth = ""
        elif rng.random() < 0.5:
            typed_birth = f"{birth_date.day:02d}/{birth_date.month:02d}/{birth_date.year}"
        else:
            typed_birth = iso_date(birth_date)
        number = noisy_number(rng, passport.number, cyrillic=0.0, spaced=0.3, typo=0.02)
        if rng.random() < 0.6:
            number = number.lower()
        phone = written_phone(rng, self.phone)
        iso2 = places.COUNTRIES[self.names.iso3].iso2
        payload = {
            "last_name": surname,
            "first_name": given,
            "middle_name": patronymic,
            "birthday": typed_birth,
            "citizenship": iso2,
            "passport_number": number,
            "phone": phone,
            "email": self.email,
            "language": self.language,
        }
        self._record(
            "SELFREG",
            day,
            payload,
            surname=surname,
            given_names=given,
            patronymic=patronymic,
            birth_date=birth_date,
            citizenship=self.names.iso3,
            document=self._passport_at(day),
            document_number=number,
            phone=phone,
        )
