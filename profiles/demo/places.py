"""Where the demo population comes from, lives and works: countries, regions, checkpoints, employers.

Shares follow the public MVD figures cited in docs (DOMAIN.md §7): citizenship roughly as in the
patent and registration statistics (Uzbekistan ~45%, Tajikistan ~25%, Kyrgyzstan ~10%), regions in
proportion to the patents issued in 2025 (Moscow ~631k, Moscow Oblast ~427k, St Petersburg ~260k,
Tyumen ~64k, Sverdlovsk ~58k of ~2.3 million). Regional patent coefficients are illustrative (the
Moscow one, 2.9323 for 2026, is the published figure); the generator multiplies them by the НДФЛ
deflator of the year (НК 227.1), as DOMAIN.md P5 describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True, slots=True)
class CountryProfile:
    iso3: str
    iso2: str  # what the self-registration form's country list sends
    weight: float
    # tcn: visa-free, works on a patent; eaeu: works on a contract (Treaty art. 97); visa: work permit.
    regime: str
    numeric: str  # OKSM / ISO numeric, as FNS and PATENT write citizenship
    name_ru: str
    phone_code: str
    phone_prefixes: tuple[str, ...]
    phone_digits: int  # digits after the prefix
    land_share: float  # share of entries by land rather than by air
    land_checkpoints: tuple[str, ...]
    languages: tuple[str, ...]  # preferred languages the platform offers, most likely first


_CENTRAL_ASIAN_LAND = "MASHTAKOVO SAGARCHIN TROITSK PETUKHOVO OZINKI KULUNDA"
_CHINESE_LAND = "ZABAIKALSK BLAGOVESHCHENSK POGRANICHNY"
# iso3 | weight | regime | OKSM | name_ru | phone code | digits after the prefix | mobile prefixes |
# share of entries by land | land checkpoints | preferred languages
_COUNTRY_TABLE = f"""
UZB | 45.0 | tcn | 860 | УЗБЕКИСТАН | +998 | 7 | 90 91 93 94 95 97 99 33 88 77 | 0.25 | {_CENTRAL_ASIAN_LAND} | uz ru
TJK | 25.0 | tcn | 762 | ТАДЖИКИСТАН | +992 | 7 | 90 91 92 93 98 88 55 50 77 | 0.15 | {_CENTRAL_ASIAN_LAND} | tg ru
KGZ | 9.0 | eaeu | 417 | КИРГИЗИЯ | +996 | 6 | 555 700 707 770 777 550 500 705 | 0.2 | {_CENTRAL_ASIAN_LAND} | ky ru
KAZ | 4.0 | eaeu | 398 | КАЗАХСТАН | +7 | 7 | 701 702 705 707 747 771 775 777 778 | 0.5 | {_CENTRAL_ASIAN_LAND} | ru
ARM | 3.0 | eaeu | 051 | АРМЕНИЯ | +374 | 6 | 91 93 94 95 96 98 99 77 55 41 | 0.3 | VERKHNIY_LARS | ru en
AZE | 3.5 | tcn | 031 | АЗЕРБАЙДЖАН | +994 | 7 | 50 51 55 70 77 99 10 | 0.4 | YARAG_KAZMALYAR | ru en
CHN | 3.0 | visa | 156 | КИТАЙ | +86 | 8 | 130 135 136 138 139 150 158 186 188 | 0.35 | {_CHINESE_LAND} | en ru
MDA | 1.5 | tcn | 498 | МОЛДОВА | +373 | 6 | 69 68 78 79 60 | 0.0 |  | ru en
UKR | 1.5 | tcn | 804 | УКРАИНА | +380 | 7 | 50 66 67 68 63 73 93 95 97 98 99 | 0.0 |  | ru en
BLR | 1.0 | eaeu | 112 | БЕЛАРУСЬ | +375 | 7 | 29 33 44 25 | 0.0 |  | ru
TUR | 1.2 | visa | 792 | ТУРЦИЯ | +90 | 7 | 530 532 535 536 541 542 505 506 555 | 0.0 |  | en ru
IND | 1.0 | visa | 356 | ИНДИЯ | +91 | 8 | 98 99 97 96 95 94 93 91 90 88 87 70 | 0.0 |  | en ru
VNM | 1.3 | visa | 704 | ВЬЕТНАМ | +84 | 7 | 90 91 93 94 96 97 98 32 33 35 38 70 77 79 86 | 0.0 |  | en ru
"""


_ISO2 = {
    "UZB": "UZ", "TJK": "TJ", "KGZ": "KG", "KAZ": "KZ", "ARM": "AM", "AZE": "AZ", "CHN": "CN", "MDA": "MD",
    "UKR": "UA", "BLR": "BY", "TUR": "TR", "IND": "IN", "VNM": "VN",
}  # fmt: skip


def _table(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


COUNTRIES: dict[str, CountryProfile] = {
    row[0]: CountryProfile(
        iso3=row[0],
        iso2=_ISO2[row[0]],
        weight=float(row[1]),
        regime=row[2],
        numeric=row[3],
        name_ru=row[4],
        phone_code=row[5],
        phone_digits=int(row[6]),
        phone_prefixes=tuple(row[7].split()),
        land_share=float(row[8]),
        land_checkpoints=tuple(row[9].split()),
        languages=tuple(row[10].split()),
    )
    for row in _table(_COUNTRY_TABLE)
}
COUNTRY_CODES = tuple(COUNTRIES)
COUNTRY_CUM_WEIGHTS = tuple(accumulate(c.weight for c in COUNTRIES.values()))

RUSSIAN_MOBILE_PREFIXES = (
    "900",
    "901",
    "903",
    "905",
    "906",
    "909",
    "910",
    "915",
    "916",
    "917",
    "919",
    "925",
    "926",
    "929",
    "965",
    "968",
    "977",
    "985",
    "999",
)


@dataclass(frozen=True, slots=True)
class RegionProfile:
    code: str
    weight: float
    patent_coefficient: float
    label: str  # how an address starts: "г. Москва", "Московская обл."
    cities: tuple[str, ...]  # empty for the federal cities
    checkpoints: tuple[str, ...]  # the usual airports or land crossings for this region
    oktmo: str


# code | weight (≈ share of patents) | patent coefficient | OKTMO | checkpoints | address label | cities
_REGION_TABLE = """
77 | 28.0 | 2.9323 | 45000000 | DME SVO VKO | г. Москва |
50 | 18.0 | 2.9323 | 46000000 | DME SVO VKO | Московская обл. | Балашиха; Подольск; Химки; Мытищи; Люберцы; Красногорск
78 | 11.0 | 1.5101 | 40000000 | LED | г. Санкт-Петербург |
47 | 3.0 | 1.7 | 41000000 | LED | Ленинградская обл. | Мурино; Кудрово; Всеволожск; Гатчина; Выборг; Сертолово
72 | 2.8 | 2.3 | 71000000 | TJM | Тюменская обл. | Тюмень; Тобольск
66 | 2.6 | 2.4 | 65000000 | SVX | Свердловская обл. | Екатеринбург; Нижний Тагил; Каменск-Уральский
23 | 2.5 | 2.0 | 03000000 | KRR | Краснодарский край | Краснодар; Сочи; Новороссийск; Анапа
54 | 2.2 | 1.9 | 50000000 | OVB | Новосибирская обл. | Новосибирск; Бердск
16 | 2.0 | 1.7 | 92000000 | KZN | Республика Татарстан | Казань; Набережные Челны; Альметьевск
86 | 1.6 | 2.8 | 71800000 | SGC | Ханты-Мансийский АО — Югра | Сургут; Нижневартовск; Ханты-Мансийск
74 | 1.5 | 2.0 | 75000000 | CEK TROITSK | Челябинская обл. | Челябинск; Магнитогорск
63 | 1.5 | 2.2 | 36000000 | KUF | Самарская обл. | Самара; Тольятти
24 | 1.5 | 2.1 | 04000000 | KJA | Красноярский край | Красноярск; Норильск
61 | 1.4 | 1.8 | 60000000 | ROV | Ростовская обл. | Ростов-на-Дону; Таганрог
25 | 1.2 | 2.3 | 05000000 | VVO POGRANICHNY | Приморский край | Владивосток; Уссурийск; Находка
52 | 1.2 | 1.9 | 22000000 | GOJ | Нижегородская обл. | Нижний Новгород; Дзержинск
38 | 1.0 | 2.0 | 25000000 | IKT | Иркутская обл. | Иркутск; Ангарск; Братск
02 | 1.0 | 1.9 | 80000000 | UFA | Республика Башкортостан | Уфа; Стерлитамак
59 | 1.0 | 2.1 | 57000000 | PEE | Пермский край | Пермь
89 | 1.0 | 3.0 | 71900000 | NUX | Ямало-Ненецкий АО | Новый Уренгой; Ноябрьск; Салехард
27 | 0.9 | 2.5 | 08000000 | KHV | Хабаровский край | Хабаровск; Комсомольск-на-Амуре
55 | 0.8 | 1.7 | 52000000 | OMS | Омская обл. | Омск
56 | 0.8 | 1.8 | 53000000 | SAGARCHIN MASHTAKOVO | Оренбургская обл. | Оренбург; Орск
40 | 0.8 | 2.0 | 29000000 | VKO | Калужская обл. | Калуга; Обнинск
42 | 0.6 | 2.0 | 32000000 | KEJ | Кемеровская обл. — Кузбасс | Кемерово; Новокузнецк
36 | 0.6 | 1.8 | 20000000 | VOZ | Воронежская обл. | Воронеж
71 | 0.6 | 2.2 | 70000000 | DME | Тульская обл. | Тула; Новомосковск
34 | 0.6 | 1.8 | 18000000 | VOG | Волгоградская обл. | Волгоград; Волжский
26 | 0.6 | 1.6 | 07000000 | MRV | Ставропольский край | Ставрополь; Пятигорск
69 | 0.5 | 2.0 | 28000000 | SVO | Тверская обл. | Тверь
76 | 0.5 | 2.0 | 78000000 | SVO | Ярославская обл. | Ярославль
64 | 0.5 | 1.8 | 63000000 | OZINKI | Саратовская обл. | Саратов; Энгельс
22 | 0.5 | 1.7 | 01000000 | KULUNDA OVB | Алтайский край | Барнаул; Бийск
70 | 0.5 | 2.0 | 69000000 | OVB | Томская обл. | Томск
39 | 0.5 | 1.9 | 27000000 | KGD | Калининградская обл. | Калининград
28 | 0.4 | 2.5 | 10000000 | BLAGOVESHCHENSK | Амурская обл. | Благовещенск
65 | 0.4 | 3.0 | 64000000 | UUS | Сахалинская обл. | Южно-Сахалинск
75 | 0.3 | 2.4 | 76000000 | ZABAIKALSK | Забайкальский край | Чита
45 | 0.3 | 1.7 | 37000000 | PETUKHOVO | Курганская обл. | Курган
15 | 0.2 | 1.5 | 90000000 | VERKHNIY_LARS | Республика Северная Осетия — Алания | Владикавказ
05 | 0.2 | 1.5 | 82000000 | YARAG_KAZMALYAR | Республика Дагестан | Махачкала; Дербент
"""

REGIONS: dict[str, RegionProfile] = {
    row[0]: RegionProfile(
        code=row[0],
        weight=float(row[1]),
        patent_coefficient=float(row[2]),
        oktmo=row[3],
        checkpoints=tuple(row[4].split()),
        label=row[5],
        cities=tuple(f"г. {city.strip()}" for city in row[6].split(";") if city.strip()),
    )
    for row in _table(_REGION_TABLE)
}
REGION_CODES = tuple(REGIONS)

# Where a nationality tends to live differs: Chinese citizens in the Far East and Siberia, Armenians
# and Azerbaijanis in the south. Multipliers of the regional weight per country.
_REGION_PREFERENCES = {
    "CHN": {"25": 6.0, "27": 6.0, "28": 8.0, "75": 8.0, "38": 4.0, "24": 3.0, "65": 4.0},
    "ARM": {"23": 4.0, "26": 5.0, "61": 3.0, "15": 6.0},
    "AZE": {"05": 8.0, "23": 2.0, "61": 2.0},
    "KAZ": {"56": 5.0, "74": 4.0, "55": 4.0, "22": 4.0, "45": 4.0, "64": 3.0},
}


def _region_cum_weights(iso3: str) -> tuple[float, ...]:
    preferences = _REGION_PREFERENCES.get(iso3, {})
    return tuple(accumulate(r.weight * preferences.get(r.code, 1.0) for r in REGIONS.values()))


REGION_CUM_WEIGHTS_BY_COUNTRY = {iso3: _region_cum_weights(iso3) for iso3 in COUNTRIES}


def _region_cycle(length: int) -> tuple[str, ...]:
    """Regions of employers in a fixed cycle: employer j is registered in region `cycle[j % length]`.

    Every region appears at least once, the rest by weight (largest remainder), interleaved so that
    the first employers already cover the big regions.
    """
    total = sum(r.weight for r in REGIONS.values())
    seats = {code: max(1, int(r.weight / total * length)) for code, r in REGIONS.items()}
    while sum(seats.values()) > length:
        biggest = max(seats, key=seats.__getitem__)
        seats[biggest] -= 1
    remainders = sorted(REGIONS, key=lambda code: -(REGIONS[code].weight / total * length) % 1)
    for code in remainders:
        if sum(seats.values()) >= length:
            break
        seats[code] += 1
    # Interleave: position i goes to the region whose share is most behind at i.
    cycle: list[str] = []
    given = dict.fromkeys(seats, 0)
    for position in range(length):
        code = max(seats, key=lambda c: (seats[c] * (position + 1) / length - given[c], -REGION_CODES.index(c)))
        cycle.append(code)
        given[code] += 1
    return tuple(cycle)


EMPLOYER_REGION_CYCLE = _region_cycle(200)

CHECKPOINTS: dict[str, str] = {
    "SVO": "Москва (Шереметьево), авиа",
    "DME": "Москва (Домодедово), авиа",
    "VKO": "Москва (Внуково), авиа",
    "LED": "Санкт-Петербург (Пулково), авиа",
    "SVX": "Екатеринбург (Кольцово), авиа",
    "KZN": "Казань, авиа",
    "OVB": "Новосибирск (Толмачёво), авиа",
    "TJM": "Тюмень (Рощино), авиа",
    "KRR": "Краснодар (Пашковский), авиа",
    "SGC": "Сургут, авиа",
    "CEK": "Челябинск (Баландино), авиа",
    "KUF": "Самара (Курумоч), авиа",
    "KJA": "Красноярск (Емельяново), авиа",
    "ROV": "Ростов-на-Дону (Платов), авиа",
    "VVO": "Владивосток (Кневичи), авиа",
    "GOJ": "Нижний Новгород (Стригино), авиа",
    "IKT": "Иркутск, авиа",
    "UFA": "Уфа, авиа",
    "PEE": "Пермь (Большое Савино), авиа",
    "NUX": "Новый Уренгой, авиа",
    "KHV": "Хабаровск (Новый), авиа",
    "OMS": "Омск (Центральный), авиа",
    "KEJ": "Кемерово, авиа",
    "VOZ": "Воронеж (Чертовицкое), авиа",
    "VOG": "Волгоград (Гумрак), авиа",
    "MRV": "Минеральные Воды, авиа",
    "KGD": "Калининград (Храброво), авиа",
    "UUS": "Южно-Сахалинск (Хомутово), авиа",
    "MASHTAKOVO": "Маштаково, ж/д",
    "SAGARCHIN": "Сагарчин, авто",
    "TROITSK": "Троицк, авто",
    "PETUKHOVO": "Петухово, ж/д",
    "OZINKI": "Озинки, ж/д",
    "KULUNDA": "Кулунда, ж/д",
    "VERKHNIY_LARS": "Верхний Ларс, авто",
    "YARAG_KAZMALYAR": "Яраг-Казмаляр, авто",
    "ZABAIKALSK": "Забайкальск, ж/д",
    "BLAGOVESHCHENSK": "Благовещенск, речной",
    "POGRANICHNY": "Пограничный, авто",
}
# Land checkpoints are not airports: a person flying in uses the region's airport or a Moscow hub.
AIRPORTS = tuple(code for code, name in CHECKPOINTS.items() if name.endswith("авиа"))
MOSCOW_HUBS = ("SVO", "DME", "VKO")

STREETS = (
    "ул. Ленина",
    "ул. Мира",
    "ул. Гагарина",
    "ул. Советская",
    "ул. Садовая",
    "ул. Молодёжная",
    "ул. Лесная",
    "ул. Школьная",
    "ул. Центральная",
    "ул. Строителей",
    "ул. Новая",
    "пр-т Победы",
    "ул. Первомайская",
    "ул. Октябрьская",
    "ул. Комсомольская",
    "ул. Пушкина",
    "ул. Заводская",
    "ул. Набережная",
    "ул. Южная",
    "ул. Полевая",
    "ул. Рабочая",
    "ул. Северная",
    "ул. Промышленная",
    "ш. Энтузиастов",
)
MOSCOW_STREETS = (
    "ул. Профсоюзная",
    "Варшавское ш.",
    "ул. Генерала Белова",
    "Каширское ш.",
    "ул. Бирюлёвская",
    "Рязанский пр-т",
    "ул. Люблинская",
    "Дмитровское ш.",
    "ул. Вешняковская",
    "Ленинский пр-т",
    "ул. Перовская",
    "Алтуфьевское ш.",
    "ул. Маршала Жукова",
    "Волгоградский пр-т",
    "ул. Братиславская",
)
SPB_STREETS = (
    "пр-т Просвещения",
    "ул. Савушкина",
    "Ленинский пр-т",
    "пр-т Ветеранов",
    "ул. Дыбенко",
    "Московский пр-т",
    "ул. Бухарестская",
    "пр-т Большевиков",
    "Гражданский пр-т",
    "ул. Типанова",
)

PROFESSIONS = (
    "Подсобный рабочий",
    "Разнорабочий",
    "Водитель",
    "Курьер",
    "Повар",
    "Продавец",
    "Уборщик служебных помещений",
    "Каменщик",
    "Штукатур",
    "Маляр",
    "Электромонтажник",
    "Электрогазосварщик",
    "Швея",
    "Грузчик",
    "Дворник",
    "Официант",
    "Монтажник",
    "Плиточник",
    "Бетонщик",
    "Кладовщик",
    "Кухонный рабочий",
    "Тракторист",
    "Сборщик",
)
SKILLED_POSITIONS = (
    "Инженер-строитель",
    "Инженер-технолог",
    "Повар",
    "Менеджер по закупкам",
    "Переводчик",
    "Программист",
    "Главный механик",
    "Мастер участка",
    "Специалист по логистике",
)

ORG_ROOTS = (
    "Строй",
    "Мега",
    "Техно",
    "Город",
    "Север",
    "Урал",
    "Сибирь",
    "Волга",
    "Дом",
    "Клин",
    "Транс",
    "Агро",
    "Пром",
    "Энерго",
    "Фуд",
    "Логистик",
    "Монолит",
    "Гранит",
    "Альфа",
    "Вектор",
    "Стандарт",
    "Профи",
    "Регион",
    "Капитал",
    "Евро",
    "Нева",
    "Столица",
    "Меридиан",
)
ORG_SUFFIXES = (
    "Инвест",
    "Сервис",
    "Групп",
    "Трейд",
    "Монтаж",
    "Строй",
    "Маркет",
    "Логистика",
    "Проект",
    "Ресурс",
    "Плюс",
    "Снаб",
    "Комплекс",
    "Девелопмент",
    "Клининг",
    "Авто",
)
# Universities host full-time students (registration and the student basis of stay).
UNIVERSITIES = (
    ("77", "Московский"),
    ("77", "Российский"),
    ("78", "Санкт-Петербургский"),
    ("16", "Казанский"),
    ("54", "Новосибирский"),
    ("66", "Уральский"),
    ("70", "Томский"),
    ("63", "Самарский"),
    ("61", "Южный"),
    ("36", "Воронежский"),
    ("52", "Нижегородский"),
    ("23", "Кубанский"),
    ("72", "Тюменский"),
    ("25", "Дальневосточный"),
    ("74", "Челябинский"),
    ("02", "Башкирский"),
)
UNIVERSITY_KINDS = ("технический", "педагогический", "медицинский", "аграрный", "экономический", "")

# НДФЛ deflator by year (МЭР orders; 2025 = 2.594 and 2026 = 2.842 per DOMAIN.md P5).
NDFL_DEFLATOR = {2022: 2.001, 2023: 2.270, 2024: 2.270, 2025: 2.594, 2026: 2.842}
# The budget classification code of the fixed advance НДФЛ payment of patent holders.
PATENT_KBK = "18210102040011000110"

EMAIL_DOMAINS = ("mail.ru", "gmail.com", "yandex.ru", "inbox.ru", "list.ru", "bk.ru", "rambler.ru")
