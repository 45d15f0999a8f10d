"""Demo organizations (universities and employers) and how people are matched to them.

Organization j depends only on (seed, j): employer j is registered in `places.EMPLOYER_REGION_CYCLE[j %
len(cycle)]`, and person i chooses among the first max(MIN_EMPLOYERS, i // PEOPLE_PER_EMPLOYER + 1)
employers of their region, so neither the organizations nor anyone's employer depend on how many
people are seeded. INN and OGRN carry valid check digits (`employers.validators`).
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from random import Random

from employers.validators import inn_with_check_digits, ogrn_with_check_digit
from profiles.demo import names_data, places
from profiles.demo.bundle import DemoOrganization
from profiles.demo.draws import draw_choice, draw_int
from profiles.demo.names_data import russian_patronymic
from profiles.demo.world import scatter

# Employers: a fixed cycle of regions; person i sees the first max(200, i // 50 + 1) of them, so
# the organizations a person can work for do not depend on the population size.
MIN_EMPLOYERS = 200
PEOPLE_PER_EMPLOYER = 50


def organization_count(people: int) -> int:
    """Universities plus one employer per ~50 people (at least MIN_EMPLOYERS)."""
    return len(places.UNIVERSITIES) + max(MIN_EMPLOYERS, -(-people // PEOPLE_PER_EMPLOYER))


def street_address(rng: Random, region: str, *, flat: bool) -> str:
    profile = places.REGIONS[region]
    if region == "77":
        street = draw_choice(rng, places.MOSCOW_STREETS)
    elif region == "78":
        street = draw_choice(rng, places.SPB_STREETS)
    else:
        street = draw_choice(rng, places.STREETS)
    parts = [profile.label]
    if profile.cities:
        parts.append(profile.cities[min(int(rng.random() ** 2 * len(profile.cities)), len(profile.cities) - 1)])
    parts.append(street)
    house = f"д. {draw_int(rng, 1, 150)}"
    if rng.random() < 0.3:
        house += f", корп. {draw_int(rng, 1, 5)}"
    parts.append(house)
    if flat:
        parts.append(f"кв. {draw_int(rng, 1, 420)}")
    return ", ".join(parts)


@lru_cache(maxsize=65_536)
def organization(seed: int, index: int) -> DemoOrganization:
    """Organization `index`: the universities first, then employers in the fixed region cycle."""
    rng = Random(f"{seed}:org:{index}")
    universities = len(places.UNIVERSITIES)
    if index < universities:
        region, adjective = places.UNIVERSITIES[index]
        kind_word = places.UNIVERSITY_KINDS[index % len(places.UNIVERSITY_KINDS)]
        title = " ".join(part for part in (adjective, "государственный", kind_word, "университет") if part)
        name = f"ФГБОУ ВО «{title}»"
        kind = "legal_entity"
    else:
        employer = index - universities
        region = places.EMPLOYER_REGION_CYCLE[employer % len(places.EMPLOYER_REGION_CYCLE)]
        if rng.random() < 0.2:
            kind = "entrepreneur"
            surname = draw_choice(rng, names_data.RUSSIAN_SURNAMES)
            given = draw_choice(rng, names_data.RUSSIAN_MALE)
            name = f"ИП {surname} {given} {russian_patronymic(draw_choice(rng, names_data.RUSSIAN_MALE), 'M')}"
        else:
            kind = "legal_entity"
            form = "АО" if rng.random() < 0.15 else "ООО"
            name = f"{form} «{draw_choice(rng, places.ORG_ROOTS)}{draw_choice(rng, places.ORG_SUFFIXES)}»"
    year = draw_int(rng, 3, 23)
    if kind == "legal_entity":
        digits = scatter(index, 10**7, 1_234_567 + seed % 1000)
        inn = inn_with_check_digits(f"{region}{digits:07d}")
        ogrn = ogrn_with_check_digit(f"1{year:02d}{region}{digits:07d}")
        kpp = f"{inn[:4]}01001"
    else:
        digits = scatter(index, 10**8, 7_654_321 + seed % 1000)
        inn = inn_with_check_digits(f"{region}{digits:08d}")
        ogrn = ogrn_with_check_digit(f"3{year:02d}{region}{scatter(index, 10**9, 99_991):09d}")
        kpp = ""
    return DemoOrganization(
        index=index,
        kind=kind,
        name=name,
        inn=inn,
        ogrn=ogrn,
        kpp=kpp,
        region=region,
        address=street_address(rng, region, flat=False),
    )


def generate_organizations(seed: int, people: int) -> list[DemoOrganization]:
    return [organization(seed, index) for index in range(organization_count(people))]


_EMPLOYER_POSITIONS = {
    code: tuple(k for k, region in enumerate(places.EMPLOYER_REGION_CYCLE) if region == code)
    for code in places.REGION_CODES
}


def employer_for(rng: Random, person_index: int, region: str) -> int:
    """An employer registered in `region` among those person `person_index` can see; big ones more often."""
    visible = max(MIN_EMPLOYERS, person_index // PEOPLE_PER_EMPLOYER + 1)
    cycle = len(places.EMPLOYER_REGION_CYCLE)
    positions = _EMPLOYER_POSITIONS[region]
    available = (visible // cycle) * len(positions) + bisect_left(positions, visible % cycle)
    pick = min(int(available * rng.random() ** 1.6), available - 1)
    employer = positions[pick % len(positions)] + cycle * (pick // len(positions))
    return len(places.UNIVERSITIES) + employer


def university_for(rng: Random, region: str) -> int:
    matching = [i for i, (code, _) in enumerate(places.UNIVERSITIES) if code == region]
    return draw_choice(rng, matching) if matching else int(rng.random() * len(places.UNIVERSITIES))


def russian_host_name(rng: Random) -> str:
    """A private host: a Russian citizen, `Иванова Ольга Петровна`."""
    father = draw_choice(rng, names_data.RUSSIAN_MALE)
    if rng.random() < 0.5:
        surname = draw_choice(rng, names_data.RUSSIAN_SURNAMES)
        return f"{surname} {draw_choice(rng, names_data.RUSSIAN_MALE)} {russian_patronymic(father, 'M')}"
    surname = draw_choice(rng, names_data.RUSSIAN_SURNAMES) + "а"
    return f"{surname} {draw_choice(rng, names_data.RUSSIAN_FEMALE)} {russian_patronymic(father, 'F')}"
