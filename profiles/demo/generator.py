"""The pure demo generator: (seed, person index) -> one true person and everything agencies say about them.

Nothing here touches the database. Each person is drawn from its own random stream,
`random.Random(f"{seed}:{index}")`, so person 41 is the same whether it is generated alone, in a
chunk of 7 or in a chunk of 2,000, and whatever the population size. Relatives and twins share a
household stream keyed by (seed, block, pair), which both members derive independently.

A `PersonBundle` holds:

* `person`: the ground truth (current names in both scripts, birth date, documents...);
* `profiles`: the Person rows the registry holds for them: one, or two for a legacy false split;
* `records`: what each agency system sent, verbatim (`payload`) plus the normalized identity fields,
  each knowing its true `person_index` and which profile it is linked to (None: awaiting the linker);
* the facts those records state (crossings, stays, registrations, permits, payments, contracts) and
  the identity documents, each pointing at its record by position in `records`.

The labelled linkage benchmark regenerates bundles and reads `DemoRecord.person_index` as the label.
"""

from __future__ import annotations

import datetime as dt
import uuid
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from random import Random

from profiles.demo import names_data, places
from profiles.demo.bundle import (
    DemoDocument,
    DemoProfile,
    DemoStay,
    PersonBundle,
    TruePerson,
)
from profiles.demo.draws import (
    add_years,
    day_between,
    draw_choice,
    draw_cumulative,
    draw_int,
    draw_weighted,
)
from profiles.demo.history import StayHistory
from profiles.demo.names_data import CountryNames, GivenName, Surname, russian_patronymic
from profiles.demo.organizations import employer_for, russian_host_name, street_address, university_for
from profiles.demo.records import SystemRecords
from profiles.demo.translit import to_latin
from profiles.demo.world import AS_OF, HISTORY_START, SYSTEMS, scatter
from profiles.names import normalize_document_number

# Hard cases for the linker (shares of persons unless said otherwise).
SPLIT_SHARE = 0.03  # a legacy false split: two Person rows, records divided between them
UNLINKED_PERSON_SHARE = 0.2  # the person's newest record (or two) awaits the linker: ~2% of records
NAMESAKE_SHARE = 0.04  # a very common full name (among men of countries that have such names)
RENEWAL_SHARE = 0.12  # renewed the passport during the history: old and new numbers in records
HOUSEHOLD_BLOCK = 16  # persons are grouped in blocks; each pair of a block may be a household
# Pair kinds and their cumulative probabilities per pair of a block.
_HOUSEHOLD_KINDS = (("twins", 0.012), ("spouses", 0.047), ("siblings", 0.077), ("parent_child", 0.107))

_CATEGORY_WEIGHTS = {
    "tcn": (("patent", 80), ("student", 4), ("rvp", 5), ("vnzh", 4), ("visitor", 7)),
    "eaeu": (("eaeu_worker", 74), ("student", 8), ("rvp", 3), ("vnzh", 5), ("visitor", 10)),
    "visa": (("visa_worker", 60), ("student", 25), ("visitor", 15)),
}


# "Son of" / "daughter of" in the Latin of Uzbek, Kyrgyz and Azerbaijani documents.
_LATIN_SON_OF = {"uzbek": ("O'G'LI", "QIZI"), "kyrgyz": ("UULU", "KYZY"), "azeri": ("OGLU", "QIZI")}


# --- Households: relatives and twins -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Household:
    key: str
    kind: str
    citizenship: str
    surname: int  # index into the country's surnames
    surname_style: str
    father: int  # index into the country's male names (the shared father of siblings and twins)
    region: str
    address: str
    host_organization: int | None
    host_person_name: str
    birth_date: dt.date  # the twins', or the older member's anchor
    arrival: dt.date  # when the household arrived at its current address


@lru_cache(maxsize=1024)
def _household_plan(seed: int, block: int) -> tuple[str | None, ...]:
    rng = Random(f"{seed}:block:{block}")
    plan = []
    for _ in range(HOUSEHOLD_BLOCK // 2):
        roll = rng.random()
        plan.append(next((kind for kind, threshold in _HOUSEHOLD_KINDS if roll < threshold), None))
    return tuple(plan)


@lru_cache(maxsize=1024)
def _household(seed: int, block: int, pair: int, kind: str) -> _Household:
    rng = Random(f"{seed}:household:{block}:{pair}")
    citizenship = draw_cumulative(rng, places.COUNTRY_CODES, places.COUNTRY_CUM_WEIGHTS)
    names = names_data.COUNTRY_NAMES[citizenship]
    region = draw_cumulative(rng, places.REGION_CODES, places.REGION_CUM_WEIGHTS_BY_COUNTRY[citizenship])
    first_member = block * HOUSEHOLD_BLOCK + 2 * pair
    if rng.random() < 0.4:
        host_organization, host_person_name = employer_for(rng, first_member, region), ""
    else:
        host_organization, host_person_name = None, russian_host_name(rng)
    surname_style = "ov"
    if citizenship == "TJK":
        surname_style = draw_weighted(rng, (("ov", 65), ("zoda", 20), ("bare", 15)))
    age_days = draw_int(rng, 19 * 365, 40 * 365)
    return _Household(
        key=f"{block}:{pair}",
        kind=kind,
        citizenship=citizenship,
        surname=bisect_right(names.surname_weights, rng.random() * names.surname_weights[-1]),
        surname_style=surname_style,
        father=bisect_right(names.male_weights, rng.random() * names.male_weights[-1]),
        region=region,
        address=street_address(rng, region, flat=True),
        host_organization=host_organization,
        host_person_name=host_person_name,
        birth_date=AS_OF - dt.timedelta(days=age_days),
        arrival=AS_OF - dt.timedelta(days=draw_int(rng, 20, 500)),
    )


# --- Names ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Names:
    """One spelling set of a person's name at some time (a Tajik may change -ов to -зода)."""

    surname_ru: str
    given_ru: str
    patronymic_ru: str  # Russian-style or native (Баходир угли), as Russian records write it
    patronymic_russian_style: str  # always -ович / -овна where the country has patronymics
    patronymic_lat: str  # as the person writes it in Latin: BAHODIR O'G'LI, or BAKHODIROVICH
    surname_lat: str
    given_lat: str
    surname_variants: tuple[str, ...]
    given_variants: tuple[str, ...]


def _tajik_surname_forms(surname: Surname, style: str, sex: str) -> tuple[str, str]:
    """(Russian, Latin) of a Tajik surname in the -ов, -зода or bare-stem form."""
    national = surname.national
    if style == "ov":
        return (surname.russian_m, surname.latin_m) if sex == "M" else (surname.russian_f, surname.latin_f)
    stem = national[:-2] if national.endswith(("ов", "ев")) else national
    if style == "zoda":
        stem += "зода"
    return names_data.national_to_russian(stem), to_latin(stem, "tj")


def _surname_forms(country: CountryNames, surname: Surname, style: str, sex: str) -> tuple[str, str, tuple[str, ...]]:
    if country.iso3 == "TJK":
        russian, latin = _tajik_surname_forms(surname, style, sex)
        return russian, latin, ()
    if sex == "M":
        return surname.russian_m, surname.latin_m, surname.russian_variants
    variants = tuple(v + "а" if v.endswith(("ов", "ев")) else v for v in surname.russian_variants)
    return surname.russian_f, surname.latin_f, variants


def _chinese_given(rng: Random, sex: str) -> GivenName:
    syllables = names_data.CHINESE_MALE_SYLLABLES if sex == "M" else names_data.CHINESE_FEMALE_SYLLABLES
    first = syllables[min(int(rng.random() ** 1.5 * len(syllables)), len(syllables) - 1)]
    if rng.random() < 0.45:
        return first
    second = draw_choice(rng, syllables)
    return GivenName(
        first.national + second.national.lower(), first.russian + second.russian.lower(), first.latin + second.latin
    )


class _PersonBuilder(StayHistory, SystemRecords):
    """Builds one PersonBundle from (seed, index); every random draw comes from `self.rng`."""

    def __init__(self, seed: int, index: int) -> None:
        self.seed = seed
        self.index = index
        self.rng = Random(f"{seed}:{index}")
        self.ordinals = dict.fromkeys(SYSTEMS, 0)
        self.tags: list[str] = []
        self.household: _Household | None = None
        self.member = 0
        self.bundle: PersonBundle

    # -- identity ---------------------------------------------------------------------------------

    def build(self) -> PersonBundle:
        rng = self.rng
        block, slot = divmod(self.index, HOUSEHOLD_BLOCK)
        kind = _household_plan(self.seed, block)[slot // 2]
        if kind is not None:
            self.household = _household(self.seed, block, slot // 2, kind)
            self.member = slot % 2
            self.tags.append("twin" if kind == "twins" else f"relative:{kind}")
        household = self.household

        citizenship = (
            household.citizenship
            if household
            else draw_cumulative(rng, places.COUNTRY_CODES, places.COUNTRY_CUM_WEIGHTS)
        )
        self.country = places.COUNTRIES[citizenship]
        self.names = names_data.COUNTRY_NAMES[citizenship]
        self.category = self._category()
        self.sex = self._sex()
        self.birth_date = self._birth_date()
        self.region = (
            household.region
            if household
            else draw_cumulative(rng, places.REGION_CODES, places.REGION_CUM_WEIGHTS_BY_COUNTRY[citizenship])
        )
        if self.category == "student":
            self.university = university_for(rng, self.region)
            self.region = places.UNIVERSITIES[self.university][0]
        self._choose_names()
        self.phone = self._phone()
        self.email = self._email()
        self.language = self._language()
        self.tax_id = ""

        self.bundle = PersonBundle(person=None)  # type: ignore[arg-type]  # filled below
        self.trips = self._trips()
        self._passports()
        self._history()
        self._selfreg()
        self.bundle.person = TruePerson(
            index=self.index,
            citizenship=citizenship,
            sex=self.sex,
            birth_date=self.birth_date,
            category=self.category,
            latin_surname=self.current.surname_lat,
            latin_given_names=self.current.given_lat,
            cyrillic_surname=self.current.surname_ru,
            cyrillic_given_names=self.current.given_ru,
            cyrillic_patronymic=self.current.patronymic_ru,
            phone=self.phone,
            email=self.email,
            language=self.language,
            tax_id=self.tax_id,
            region=self.region,
            tags=self.tags,
            household=household.key if household else "",
        )
        self._split_and_unlink()
        self._link_documents()
        self._derive_stays()
        self._profiles()
        return self.bundle

    def _category(self) -> str:
        household = self.household
        if household and household.kind == "parent_child" and self.member == 1:
            return "child"
        if household and household.kind == "spouses" and self.member == 1 and self.rng.random() < 0.5:
            return "visitor"
        category = draw_weighted(self.rng, _CATEGORY_WEIGHTS[self.country.regime])
        if household and category == "student" and household.kind != "siblings":
            category = "visitor"
        return category

    def _sex(self) -> str:
        household = self.household
        if household and household.kind == "spouses":
            return "M" if self.member == 0 else "F"
        male_share = {
            "patent": 0.78 if self.country.iso3 in ("UZB", "TJK") else 0.65,
            "eaeu_worker": 0.62,
            "visa_worker": 0.75,
            "student": 0.55,
            "child": 0.5,
        }.get(self.category, 0.5)
        if household and household.kind == "parent_child" and self.member == 0:
            male_share = 0.75
        return "M" if self.rng.random() < male_share else "F"

    def _birth_date(self) -> dt.date:
        rng = self.rng
        household = self.household
        if household and household.kind == "twins":
            return household.birth_date
        if household and household.kind == "parent_child" and self.member == 1:
            parent_age = (AS_OF - household.birth_date).days
            age_days = draw_int(rng, 200, max(201, min(17 * 365, parent_age - 19 * 365)))
            return AS_OF - dt.timedelta(days=age_days)
        if household and self.member == 1:
            # Spouses a few years apart; siblings one to ten years apart; both adults.
            if household.kind == "spouses":
                gap = draw_int(rng, -8 * 365, 3 * 365)
            else:
                gap = draw_choice(rng, (-1, 1)) * draw_int(rng, 380, 3650)
            return min(household.birth_date + dt.timedelta(days=gap), add_years(AS_OF, -18))
        if household:
            return household.birth_date
        low, high, mode = {
            "student": (17, 27, 20),
            "rvp": (22, 65, 36),
            "vnzh": (24, 70, 40),
        }.get(self.category, (18, 58, 29))
        if self.category == "visitor" and rng.random() < 0.35:
            low, high, mode = 50, 80, 60
        age_years = rng.triangular(low, high, mode)
        return AS_OF - dt.timedelta(days=int(age_years * 365.25) + draw_int(rng, 0, 364))

    def _choose_names(self) -> None:
        rng = self.rng
        names = self.names
        household = self.household
        iso3 = names.iso3
        given = self._given_name()
        if household:
            surname_index, father_index, style = household.surname, household.father, household.surname_style
        else:
            surname_index = bisect_right(names.surname_weights, rng.random() * names.surname_weights[-1])
            father_index = bisect_right(names.male_weights, rng.random() * names.male_weights[-1])
            style = "ov"
            if iso3 == "TJK":
                style = draw_weighted(rng, (("ov", 65), ("zoda", 20), ("bare", 15)))
            elif iso3 == "KGZ" and rng.random() < 0.15:
                style = "uulu"
            if (
                names.common_full_names
                and self.sex == "M"
                and self.category != "child"
                and rng.random() < NAMESAKE_SHARE
            ):
                surname_index, given_index = draw_choice(rng, names.common_full_names)
                given = names.male[given_index]
                self.tags.append("namesake")
        if household and household.kind == "parent_child" and self.member == 1:
            # The child's patronymic comes from the parent when the parent is the father.
            parent = _PersonBuilder(self.seed, self.index - 1)
            parent_rng_sex = parent._peek_parent_sex()
            if parent_rng_sex == "M":
                father_index = parent._peek_parent_given_index()
        if household and household.kind == "twins" and self.member == 1:
            sibling_given = _PersonBuilder(self.seed, self.index - 1)._peek_given()
            while given.national == sibling_given:
                given = self._given_name()
        self.given = given
        self.surname = names.surnames[surname_index]
        self.father = names.male[father_index] if names.male else None
        self.surname_style = style
        self.patronymic_kind = self._patronymic_kind()
        self.initial_ye = iso3 == "KAZ" and rng.random() < 0.4
        self.current = self._name_set(style)

    def _given_name(self) -> GivenName:
        names = self.names
        if names.iso3 == "CHN":
            return _chinese_given(self.rng, self.sex)
        pool, weights = (names.male, names.male_weights) if self.sex == "M" else (names.female, names.female_weights)
        return pool[bisect_right(weights, self.rng.random() * weights[-1])]

    # Relatives need a few of each other's draws; replaying the other member's first draws gives them
    # without generating the whole person (the draw order in `build` is fixed).
    def _peek_given(self) -> str:
        self._peek_identity()
        return self.given.national

    def _peek_parent_sex(self) -> str:
        self._peek_identity()
        return self.sex

    def _peek_parent_given_index(self) -> int:
        self._peek_identity()
        return self.names.male.index(self.given) if self.given in self.names.male else 0

    def _peek_identity(self) -> None:
        if hasattr(self, "given"):
            return
        block, slot = divmod(self.index, HOUSEHOLD_BLOCK)
        kind = _household_plan(self.seed, block)[slot // 2]
        self.household = _household(self.seed, block, slot // 2, kind) if kind else None
        self.member = slot % 2
        citizenship = (
            self.household.citizenship
            if self.household
            else draw_cumulative(self.rng, places.COUNTRY_CODES, places.COUNTRY_CUM_WEIGHTS)
        )
        self.country = places.COUNTRIES[citizenship]
        self.names = names_data.COUNTRY_NAMES[citizenship]
        self.category = self._category()
        self.sex = self._sex()
        self.birth_date = self._birth_date()
        region = (
            self.household.region
            if self.household
            else draw_cumulative(self.rng, places.REGION_CODES, places.REGION_CUM_WEIGHTS_BY_COUNTRY[citizenship])
        )
        if self.category == "student":
            university_for(self.rng, region)
        self.given = self._given_name()

    def _patronymic_kind(self) -> str:
        kind = self.names.patronymics
        roll = self.rng.random()
        if kind == "none" or self.father is None or self.surname_style == "uulu":
            return "none"
        if kind == "uzbek":
            return "native" if roll < 0.15 else "russian"
        if kind == "kyrgyz":
            return "native" if roll < 0.3 else "russian"
        if kind == "kazakh":
            return "native" if roll < 0.15 else "russian"
        if kind == "azeri":
            return "native" if roll < 0.7 else "russian"
        if kind == "tajik":
            return "none" if roll < 0.15 else "russian"
        return "russian"

    def _name_set(self, style: str) -> _Names:
        sex = self.sex
        country = self.names
        father = self.father
        if style == "uulu" and father is not None:
            word = "уулу" if sex == "M" else "кызы"
            surname_ru = f"{father.russian} {word}"
            surname_lat = f"{father.latin} {'UULU' if sex == 'M' else 'KYZY'}"
            surname_variants: tuple[str, ...] = ()
        else:
            surname_ru, surname_lat, surname_variants = _surname_forms(country, self.surname, style, sex)
        patronymic_ru = patronymic_russian = ""
        if self.patronymic_kind != "none" and father is not None:
            patronymic_russian = russian_patronymic(father.russian, sex)
            patronymic_ru = patronymic_russian
            if self.patronymic_kind == "native":
                word = {
                    "uzbek": ("угли", "кизи"),
                    "kyrgyz": ("уулу", "кызы"),
                    "azeri": ("оглы", "кызы"),
                    "kazakh": ("улы", "кызы"),
                }[country.patronymics][0 if sex == "M" else 1]
                # As in the passport (Баходир угли, Ерланұлы); some officers still write the -ович form.
                patronymic_ru = (
                    f"{father.russian}{word}" if country.patronymics == "kazakh" else f"{father.russian} {word}"
                )
        patronymic_lat = to_latin(patronymic_ru, "informal") if patronymic_ru else ""
        if self.patronymic_kind == "native" and father is not None and country.patronymics in _LATIN_SON_OF:
            patronymic_lat = f"{father.latin} {_LATIN_SON_OF[country.patronymics][0 if sex == 'M' else 1]}"
        given_lat = self.given.latin
        if self.initial_ye and self.given.national.startswith("Е"):
            given_lat = "Y" + given_lat
        return _Names(
            surname_ru=surname_ru,
            given_ru=self.given.russian,
            patronymic_ru=patronymic_ru,
            patronymic_russian_style=patronymic_russian,
            patronymic_lat=patronymic_lat,
            surname_lat=surname_lat,
            given_lat=given_lat,
            surname_variants=surname_variants,
            given_variants=self.given.russian_variants,
        )

    def _phone(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            return f"+7{draw_choice(rng, places.RUSSIAN_MOBILE_PREFIXES)}{draw_int(rng, 0, 9_999_999):07d}"
        if roll < 0.85 and self.category != "child":
            country = self.country
            number = draw_int(rng, 0, 10**country.phone_digits - 1)
            return f"{country.phone_code}{draw_choice(rng, country.phone_prefixes)}{number:0{country.phone_digits}d}"
        return ""

    def _email(self) -> str:
        rng = self.rng
        if self.category == "child" or rng.random() > (0.45 if self.category == "student" else 0.2):
            return ""
        given = "".join(ch for ch in self.current.given_lat.lower() if ch.isalpha())
        surname = "".join(ch for ch in self.current.surname_lat.lower() if ch.isalpha())
        local = draw_weighted(
            rng,
            (
                (f"{given}.{surname}{self.birth_date.year % 100:02d}", 3),
                (f"{given}{draw_int(rng, 1, 999)}", 3),
                (f"{surname}.{given}", 2),
            ),
        )
        return f"{local}@{draw_choice(rng, places.EMAIL_DOMAINS)}"

    def _language(self) -> str:
        languages = self.country.languages
        return languages[0] if self.rng.random() < 0.55 else languages[-1]

    # -- documents --------------------------------------------------------------------------------

    def _passport_number(self, ordinal: int) -> str:
        """A number in the issuing country's format; the digits are unique per (person, ordinal)."""
        iso3 = self.names.iso3
        rng = self.rng
        unique = self.index * 2 + ordinal
        salt = 1_000_003 + self.seed % 997

        def digits(count: int) -> str:
            return f"{scatter(unique, 10**count, salt):0{count}d}"

        newer = ordinal == 1 or not self.renewed
        match iso3:
            case "UZB":
                return ("FA" if newer and rng.random() < 0.8 else draw_choice(rng, ("AA", "AB", "AC"))) + digits(7)
            case "TJK":
                return "4" + digits(8)
            case "KGZ":
                return ("PE" if newer else "AC") + digits(7)
            case "KAZ":
                return "N" + digits(8)
            case "ARM":
                return draw_choice(rng, ("AU", "AT", "AV")) + digits(7)
            case "AZE":
                return "C" + digits(8)
            case "CHN":
                return "E" + digits(8)
            case "MDA":
                return "AB" + digits(7)
            case "UKR":
                high, low = divmod(scatter(unique, 2 * 10**7, salt), 10**6)
                return "F" + "ABCEHKMNPTUXY"[high % 13] + f"{low:06d}"
            case "BLR":
                return draw_choice(rng, ("MP", "MC", "KH")) + digits(7)
            case "TUR":
                return "U" + digits(8)
            case "IND":
                return draw_choice(rng, "JKLMNPRSTUVWZ") + digits(7)
            case _:
                return "C" + digits(7)

    def _passports(self) -> None:
        """The passport (or two, when renewed during the history) and the date the new one came into use."""
        rng = self.rng
        first_event = self.trips[0][0]
        adult_at = add_years(self.birth_date, 16)
        years_valid = 10 if first_event >= adult_at else 5
        history_days = (AS_OF - max(first_event, HISTORY_START)).days
        self.renewed = self.category != "child" and history_days > 400 and rng.random() < RENEWAL_SHARE
        self.renewed_on: dt.date | None = None
        documents = self.bundle.documents
        country = self.names.iso3
        if self.renewed:
            renewed_on = day_between(
                rng, max(first_event, HISTORY_START) + dt.timedelta(days=60), AS_OF - dt.timedelta(days=30)
            )
            old_expires = renewed_on + dt.timedelta(days=draw_int(rng, 0, 60))
            old_issued = max(add_years(old_expires, -10) + dt.timedelta(days=1), add_years(self.birth_date, 14))
            old_number = self._passport_number(0)
            documents.append(
                DemoDocument(
                    "passport", country, old_number, normalize_document_number(old_number), old_issued, old_expires
                )
            )
            new_issued = renewed_on - dt.timedelta(days=draw_int(rng, 5, 45))
            new_number = self._passport_number(1)
            documents.append(
                DemoDocument(
                    "passport",
                    country,
                    new_number,
                    normalize_document_number(new_number),
                    new_issued,
                    add_years(new_issued, 10) - dt.timedelta(days=1),
                )
            )
            self.renewed_on = renewed_on
            self.tags.append("renewed_passport")
            # Some Tajik citizens took the -зода surname with the new passport (the 2020 naming law).
            if self.names.iso3 == "TJK" and self.surname_style == "ov" and not self.household and rng.random() < 0.35:
                self.previous = self.current
                self.surname_style = "zoda"
                self.current = self._name_set("zoda")
                self.tags.append("renamed")
        else:
            earliest = max(
                adult_at if years_valid == 10 else self.birth_date, AS_OF - dt.timedelta(days=int(9.5 * 365))
            )
            issued = day_between(rng, earliest, first_event - dt.timedelta(days=20))
            number = self._passport_number(0)
            documents.append(
                DemoDocument(
                    "passport",
                    country,
                    number,
                    normalize_document_number(number),
                    issued,
                    add_years(issued, years_valid) - dt.timedelta(days=1),
                )
            )

    def _passport_at(self, day: dt.date) -> int:
        if self.renewed_on is not None and day >= self.renewed_on:
            return 1
        return 0

    def _names_at(self, day: dt.date) -> _Names:
        if "renamed" in self.tags and self.renewed_on is not None and day < self.renewed_on:
            return self.previous
        return self.current

    # -- the registry's view: profiles, links, documents, stays -----------------------------------

    def _split_and_unlink(self) -> None:
        rng = self.rng
        records = self.bundle.records
        groups: dict[str, list[int]] = {}
        for position, record in enumerate(records):
            system = record.system
            group = "PATENT+FNS" if system in ("PATENT", "FNS") else system
            groups.setdefault(group, []).append(position)
        # The profile keeps the border records (or, without them, its first system's records).
        keep = "BORDER" if "BORDER" in groups else next(iter(groups))
        movable = [group for group in groups if group != keep]
        if rng.random() < SPLIT_SHARE and movable:
            # A legacy false split: one agency's records created a second profile (keyed by a new
            # passport or a misspelt name) that was never merged.
            for position in groups[draw_choice(rng, movable)]:
                records[position].profile = 1
                records[position].note = records[position].note or "legacy false split: second profile"
            self.tags.append("split")
        if rng.random() < UNLINKED_PERSON_SHARE:
            self._leave_latest_unlinked()

    def _leave_latest_unlinked(self) -> None:
        """The newest record or two await the linker: their facts exist only in their payloads until then.

        Records whose permit has payments are never left out, so every written payment has its permit.
        """
        records = self.bundle.records
        referenced_permits = {self.bundle.permits[p.permit].record for p in self.bundle.payments}
        candidates = sorted(
            (
                position
                for position, record in enumerate(records)
                if record.profile == 0 and position not in referenced_permits
            ),
            key=lambda position: (records[position].received_at, position),
        )
        count = 2 if self.rng.random() < 0.5 else 1
        if len(candidates) <= count:
            return
        for position in candidates[-count:]:
            records[position].profile = None
            records[position].note = "awaiting the linker"
        self.tags.append("unlinked_record")

    def _link_documents(self) -> None:
        bundle = self.bundle
        first: dict[int, int] = {}
        for position, record in enumerate(bundle.records):
            if record.document is None or record.profile is None:
                continue
            known = first.get(record.document)
            if known is None or (record.received_at, position) < (bundle.records[known].received_at, known):
                first[record.document] = position
        for number, document in enumerate(bundle.documents):
            if document.record is not None and document.document_type == "vnzh":
                document.profile = bundle.records[document.record].profile
                if document.profile is None:
                    document.record = None
                continue
            position = first.get(number)
            document.record = position
            document.profile = None if position is None else bundle.records[position].profile

    def _derive_stays(self) -> None:
        """Pair each entry with the next exit, as `profiles.services.person_rebuild_stays` does."""
        bundle = self.bundle
        open_entry: int | None = None
        ordered = sorted(
            (c for c in range(len(bundle.crossings)) if bundle.profile_of(bundle.crossings[c].record) == 0),
            key=lambda c: (bundle.crossings[c].crossed_on, 0 if bundle.crossings[c].direction == "exit" else 1),
        )
        for position in ordered:
            crossing = bundle.crossings[position]
            if crossing.direction == "entry":
                open_entry = position
            elif open_entry is not None:
                entry = bundle.crossings[open_entry]
                bundle.stays.append(DemoStay(0, open_entry, position, entry.crossed_on, crossing.crossed_on))
                open_entry = None
        if open_entry is not None:
            bundle.stays.append(DemoStay(0, open_entry, None, bundle.crossings[open_entry].crossed_on, None))

    def _profiles(self) -> None:
        person = self.bundle.person
        profile_rng = Random(f"{self.seed}:{self.index}:profiles")
        self.bundle.profiles.append(
            DemoProfile(
                ordinal=0,
                public_id=uuid.UUID(int=profile_rng.getrandbits(128), version=4),
                latin_surname=person.latin_surname,
                latin_given_names=person.latin_given_names,
                cyrillic_surname=person.cyrillic_surname,
                cyrillic_given_names=person.cyrillic_given_names,
                cyrillic_patronymic=person.cyrillic_patronymic,
                birth_date=person.birth_date,
                sex=person.sex,
                citizenship=person.citizenship,
                preferred_language=person.language,
                phone=person.phone,
                email=person.email,
            )
        )
        if "split" not in self.tags:
            return
        # The duplicate knows only what its own records said, spelling mistakes included.
        own = [r for r in self.bundle.records if r.profile == 1]
        first = min(own, key=lambda r: r.received_at)
        cyrillic = any("А" <= ch <= "я" or ch in "Ёё" for ch in first.surname)
        birth_date = next((r.birth_date for r in own if r.birth_date is not None), person.birth_date)
        phone = next((r.phone for r in own if r.phone), "")
        self.bundle.profiles.append(
            DemoProfile(
                ordinal=1,
                public_id=uuid.UUID(int=profile_rng.getrandbits(128), version=4),
                latin_surname="" if cyrillic else first.surname,
                latin_given_names="" if cyrillic else first.given_names,
                cyrillic_surname=first.surname if cyrillic else "",
                cyrillic_given_names=first.given_names if cyrillic else "",
                cyrillic_patronymic=first.patronymic if cyrillic else "",
                birth_date=birth_date,
                sex=person.sex,
                citizenship=person.citizenship,
                preferred_language="ru",
                phone=phone,
                email="",
            )
        )


def generate_person(seed: int, index: int) -> PersonBundle:
    return _PersonBuilder(seed, index).build()


def generate_people(seed: int, indices: Iterable[int]) -> Iterator[PersonBundle]:
    """Bundles for the given person indices, in order; each depends only on (seed, index)."""
    for index in indices:
        yield generate_person(seed, index)
