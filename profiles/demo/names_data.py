"""Names of the demo population, per country of citizenship, with their Russian and passport spellings.

Each country lists surnames (masculine form), male and female given names, most common first (the
generator weights them by rank, so a few names are very frequent, as in real registries).

* Uzbekistan, Tajikistan, Kyrgyzstan and Kazakhstan are written in national Cyrillic; the Russian
  form and the passport Latin are derived by `translit` (an entry `national=russian|variant` overrides
  an irregular Russian form and adds the spellings some Russian officers use instead).
* The other countries are `Russian:LATIN` pairs (`Russian/Feminine:LATIN/FEMININE` where the
  surname has a feminine form), because their passport Latin comes from their own script.

Patronymic conventions (`CountryNames.patronymics`): Russian records write -ович/-овна for most
nationalities; Uzbek documents also write `Баходир угли` / BAHODIR O'G'LI, Kyrgyz `Асан уулу` /
`Асан кызы`, Azerbaijani `Рашад оглы` / `Рашад кызы`, Kazakh `Ерланұлы`; Tajik surnames come as
-ов, as the de-russified -зода, or as the bare stem (Раҳмонов / Раҳмонзода / Раҳмон).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

from profiles.demo.translit import national_to_russian, to_latin


@dataclass(frozen=True, slots=True)
class GivenName:
    national: str
    russian: str
    latin: str
    # Other Russian spellings of the same name some officers write (Жасур / Джасур).
    russian_variants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Surname:
    national: str
    russian_m: str
    russian_f: str
    latin_m: str
    latin_f: str
    russian_variants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CountryNames:
    iso3: str
    latin_style: str  # translit style of the passport, or "pairs"
    patronymics: str  # uzbek, tajik, kyrgyz, kazakh, azeri, russian, none
    surnames: tuple[Surname, ...]
    male: tuple[GivenName, ...]
    female: tuple[GivenName, ...]
    # Very frequent full names (surname, male given name): the namesakes a linker must not merge.
    common_full_names: tuple[tuple[int, int], ...]
    surname_weights: tuple[float, ...]
    male_weights: tuple[float, ...]
    female_weights: tuple[float, ...]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _rank_weights(count: int) -> tuple[float, ...]:
    """Cumulative Zipf-like weights: the first names of a list are the most frequent."""
    return tuple(accumulate(1.0 / (rank + 3) ** 0.8 for rank in range(count)))


def _feminine_russian(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    return surname


def _feminine_latin(latin: str) -> str:
    if latin.endswith(("OV", "EV", "YEV", "IN")):
        return latin + "A"
    return latin


# Uzbek and Tajik Latin write a word-initial Е as YE; Kyrgyz and Kazakh ICAO-like passports mostly
# write E (ERLAN), and the generator gives some passports the YERLAN spelling.
_YE_STYLES = {"uz", "tj"}


def _split_entry(entry: str) -> tuple[str, str, tuple[str, ...]]:
    """`national=russian|variant|...` -> (national, russian, variants)."""
    national, _, russian = entry.partition("=")
    if not russian:
        return national, national_to_russian(national), ()
    canonical, *variants = russian.split("|")
    return national, canonical, tuple(variants)


def _rule_given(entries: str, style: str) -> tuple[GivenName, ...]:
    names = []
    for entry in entries.split():
        national, russian, variants = _split_entry(entry)
        names.append(GivenName(national, russian, to_latin(national, style, initial_ye=style in _YE_STYLES), variants))
    return tuple(names)


def _rule_surnames(entries: str, style: str) -> tuple[Surname, ...]:
    names = []
    for entry in entries.split():
        national, russian, variants = _split_entry(entry)
        latin = to_latin(national, style, initial_ye=style in _YE_STYLES)
        names.append(Surname(national, russian, _feminine_russian(russian), latin, _feminine_latin(latin), variants))
    return tuple(names)


def _pair_given(entries: str) -> tuple[GivenName, ...]:
    names = []
    for entry in entries.split():
        russian, latin = entry.split(":")
        names.append(GivenName(russian, russian.replace("_", " "), latin.replace("_", " ")))
    return tuple(names)


def _pair_surnames(entries: str, *, feminine_suffix: bool = False) -> tuple[Surname, ...]:
    """`Russian:LATIN`, or `Russian/Feminine:LATIN/FEMININE`; `feminine_suffix` adds -а / -A to -ов, -ев."""
    names = []
    for entry in entries.split():
        russian, latin = entry.split(":")
        russian_m, _, russian_f = russian.partition("/")
        latin_m, _, latin_f = latin.partition("/")
        if not russian_f:
            russian_f = _feminine_russian(russian_m) if feminine_suffix else russian_m
        if not latin_f:
            latin_f = _feminine_latin(latin_m) if feminine_suffix else latin_m
        names.append(Surname(russian_m, russian_m, russian_f, latin_m, latin_f))
    return tuple(names)


def _country(
    iso3: str,
    latin_style: str,
    patronymics: str,
    surnames: tuple[Surname, ...],
    male: tuple[GivenName, ...],
    female: tuple[GivenName, ...],
    common: tuple[tuple[str, str], ...] = (),
) -> CountryNames:
    surname_index = {s.national: i for i, s in enumerate(surnames)}
    male_index = {g.national: i for i, g in enumerate(male)}
    return CountryNames(
        iso3=iso3,
        latin_style=latin_style,
        patronymics=patronymics,
        surnames=surnames,
        male=male,
        female=female,
        common_full_names=tuple((surname_index[s], male_index[g]) for s, g in common),
        surname_weights=_rank_weights(len(surnames)),
        male_weights=_rank_weights(len(male)),
        female_weights=_rank_weights(len(female)),
    )


# --- Uzbekistan (Uzbek Cyrillic; passports in Uzbek Latin) ----------------------------------------
_UZB = _country(
    "UZB",
    "uz",
    "uzbek",
    _rule_surnames(
        """Каримов Раҳимов Алиев Исмоилов Юсупов Абдуллаев Тошматов Эргашев Холматов Мирзаев Норматов
        Турсунов Усмонов Рашидов Султонов Ҳасанов Ҳусанов Назаров Жўраев Қодиров Шарипов Ғуломов
        Убайдуллаев Ҳамроев Маҳмудов Бобоев Сайфуллаев Азизов Акбаров Абдураҳмонов Зокиров Саидов
        Эшонқулов Нурматов Йўлдошев=Юлдашев|Йулдошев Қурбонов Ҳайдаров Аҳмедов=Ахмедов|Ахмадов Тўхтаев
        Ортиқов Мамадалиев Исақов Файзуллаев Собиров Шукуров Хўжаев=Ходжаев|Хужаев Умаров Раҳмонов
        Қаҳҳоров=Каххаров|Каххоров Муродов Ҳакимов Олимов Мадаминов Тожибоев Эркинов Худойбердиев
        Бердиев Пўлатов Латипов""",
        "uz",
    ),
    _rule_given(
        """Жасур=Жасур|Джасур Шерзод Бахтиёр Баҳодир Ботир Улуғбек Фаррух Ҳасан Ҳусан Дилшод
        Жамшид=Жамшид|Джамшид Алишер Шоҳрух Азиз Отабек Санжар=Санжар|Санджар Сардор Нодир Ислом
        Ўткир Абдулла Акмал Достон Бекзод Жаҳонгир=Джахонгир|Жахонгир Ойбек Рустам Тимур Анвар Элёр
        Шуҳрат Ғайрат Қаҳрамон Иброҳим=Иброхим|Ибрагим Муҳаммад Азамат Нурбек Равшан Зафар Мансур
        Умид Шавкат Илҳом Фарҳод Абдурашид Хуршид Собир Тоҳир Мирзо Ҳамид""",
        "uz",
    ),
    _rule_given(
        """Гулнора Дилноза Малика Нигора Шаҳноза Феруза Зарина Мадина Нилуфар Севара Дилфуза Моҳира
        Гулшан Умида Нодира Барно Муниса Сарвиноз Ҳилола Гўзал Ойша Зулфия Камола Лола Юлдуз Шоира
        Мафтуна Дилдора Нафиса Ирода Маржона Сабина""",
        "uz",
    ),
    common=(("Каримов", "Жасур"), ("Алиев", "Шерзод"), ("Раҳимов", "Бахтиёр"), ("Юсупов", "Азиз")),
)

# --- Tajikistan (Tajik Cyrillic; passports with Ҷ -> J, Ғ -> GH) ---------------------------------
_TJK = _country(
    "TJK",
    "tj",
    "tajik",
    _rule_surnames(
        """Раҳимов Раҳмонов Назаров Саидов Шарипов Қурбонов Мирзоев Сафаров Давлатов Ҷӯраев Ҳасанов
        Исмоилов Азимов Холов Одинаев Каримов Сангинов Ёқубов=Ёкубов|Якубов Насруллоев Шамсиддинов
        Бобоев Ғаффоров Зоиров Абдуллоев Қодиров Раҷабов Маҳмадов Файзуллоев Иброҳимов Холиқов Ҳамидов
        Амонов Нуров Шарифов Султонов Ашуров Аминов Ҳайдаров Муродов Собиров""",
        "tj",
    ),
    _rule_given(
        """Фирдавс Фаридун Далер Сино Фаррух Шерзод Бахтовар Саидҷон Далерҷон Манучеҳр Фирӯз Ҷамшед
        Исмоил Умед Парвиз Суҳроб Рустам Комрон Абдуллоҳ Хуршед Мустафо Шаҳром Илҳом Некрӯз Меҳроҷ
        Зафар Баҳром Искандар Носир Ҳусейн Аҳмад Алишер Шоҳрух Беҳрӯз Ёсин Муҳаммад Эраҷ Раҳмат Сафар
        Шодмон""",
        "tj",
    ),
    _rule_given(
        """Мадина Фарзона Нигина Шаҳло Зарина Мунира Сабина Гулноза Дилноза Меҳрангез Парвина Маҳина
        Нилуфар Таҳмина Мижгона Шабнам Манижа Садбарг Фотима Зебо Ситора Гулчеҳра Малика Ферӯза
        Мавҷуда""",
        "tj",
    ),
    common=(("Раҳимов", "Фирдавс"), ("Назаров", "Далер"), ("Саидов", "Шерзод")),
)

# --- Kyrgyzstan (Kyrgyz Cyrillic; ICAO-like passports) --------------------------------------------
_KGZ = _country(
    "KGZ",
    "kg",
    "kyrgyz",
    _rule_surnames(
        """Асанов Токтогулов Жумабеков Мамытов Осмонов Садыков Бекмурзаев Турдубаев Алымкулов Эшимбеков
        Кадыров Сыдыков Абдраимов Исаков Жээнбеков Омуралиев Чолпонбаев Мамбетов Кенжебаев Токтосунов
        Акматов Бакиров Курманбеков Жолдошбеков Сатыбалдиев Үсөнов=Усенов|Усонов Өмүрбеков Төлөгөнов
        Абдыкеримов Мырзакматов Шаршеев Калыков Бообеков Дүйшөнбиев=Дуйшенбиев|Дуйшонбиев""",
        "kg",
    ),
    _rule_given(
        """Айбек Нурлан Бакыт Азамат Эрлан Улан Марат Данияр Бектур Канат Талант Нурбек Жаныбек
        Кубанычбек Эмил=Эмиль Адилет Тилек Мирлан Чынгыз Өмүр Үмүт Бекзат Нурсултан Медер Эрмек Самат
        Жыргалбек Алмаз Аскар Улукбек""",
        "kg",
    ),
    _rule_given(
        """Айгерим Айпери Нургүл=Нургуль Гүлнара=Гульнара Жылдыз Чолпон Бурул Айжан Асел=Асель Нуриза
        Элнура Мээрим Гүлзат=Гульзат Айзада Бегимай Каныкей Толгонай Жибек Назгүл=Назгуль Сезим Алтынай
        Айчүрөк Динара Салтанат""",
        "kg",
    ),
    common=(("Асанов", "Азамат"), ("Мамытов", "Нурлан")),
)

# --- Kazakhstan (Kazakh Cyrillic; ICAO-like passports) -------------------------------------------
_KAZ = _country(
    "KAZ",
    "kz",
    "kazakh",
    _rule_surnames(
        """Ахметов Нұрланов Жұмабаев Қасымов Омаров Әбдірахманов=Абдрахманов|Абдирахманов Ысқақов=Искаков
        Сүлейменов Байжанов Есенов Кенжебеков Мұхамеджанов Төлегенов=Тулегенов|Толегенов Ермеков
        Сәрсенбаев Бекмұханов Нұрғалиев Әлиев Серікбаев Тоқтаров Бейсенов Жақыпов=Жакупов|Жакыпов
        Оспанов Садықов Мұратов Амантаев Ибраев Исабеков Құрманов Шәріпов""",
        "kz",
    ),
    _rule_given(
        """Ерлан Нұрлан Асхат Ержан Бауыржан Дәулет Асқар Серік Мейрам Арман Ерболат Айдос Әлібек
        Нұрсұлтан Жандос Ғалым Санжар Ербол Темірлан Мұрат Ақжол Бекзат Дархан Ернар Руслан Тимур
        Аслан Алмас Қайрат Ануар""",
        "kz",
    ),
    _rule_given(
        """Айгүл=Айгуль Гүлнар=Гульнар Әсел=Асель Динара Жанар Сәуле Айнұр Мадина Аружан Ақерке Жансая
        Гүлмира=Гульмира Салтанат Дана Әйгерім Назерке Томирис Аида Жазира Мөлдір Камила Балжан
        Ботагөз""",
        "kz",
    ),
    common=(("Ахметов", "Ерлан"),),
)

# --- Armenia (passports transliterate Armenian, not Russian) --------------------------------------
_ARM = _country(
    "ARM",
    "pairs",
    "russian",
    _pair_surnames(
        """Акопян:HAKOBYAN Оганесян:HOVHANNISYAN Петросян:PETROSYAN Саркисян:SARGSYAN Григорян:GRIGORYAN
        Карапетян:KARAPETYAN Аветисян:AVETISYAN Мкртчян:MKRTCHYAN Арутюнян:HARUTYUNYAN Варданян:VARDANYAN
        Геворгян:GEVORGYAN Хачатрян:KHACHATRYAN Степанян:STEPANYAN Погосян:POGHOSYAN Манукян:MANUKYAN
        Казарян:GHAZARYAN Мартиросян:MARTIROSYAN Симонян:SIMONYAN Егиазарян:YEGHIAZARYAN Авагян:AVAGYAN
        Минасян:MINASYAN Асатрян:ASATRYAN Галстян:GALSTYAN Нерсисян:NERSISYAN Давтян:DAVTYAN
        Бабаян:BABAYAN Мовсисян:MOVSISYAN Алексанян:ALEKSANYAN Адамян:ADAMYAN Сафарян:SAFARYAN"""
    ),
    _pair_given(
        """Арам:ARAM Армен:ARMEN Ашот:ASHOT Тигран:TIGRAN Гагик:GAGIK Давид:DAVIT Карен:KAREN Левон:LEVON
        Самвел:SAMVEL Ваге:VAHE Айк:HAYK Нарек:NAREK Артур:ARTUR Гор:GOR Сурен:SUREN Ованес:HOVHANNES
        Акоп:HAKOB Арутюн:HARUTYUN Геворг:GEVORG Рубен:RUBEN Арсен:ARSEN Вардан:VARDAN Эдгар:EDGAR
        Гарик:GARIK Мгер:MHER Размик:RAZMIK Грант:HRANT Вазген:VAZGEN"""
    ),
    _pair_given(
        """Анна:ANNA Ануш:ANUSH Лилит:LILIT Гаяне:GAYANE Нарине:NARINE Армине:ARMINE Мариам:MARIAM
        Асмик:HASMIK Сона:SONA Карине:KARINE Ани:ANI Седа:SEDA Астхик:ASTGHIK Тамара:TAMARA Гоар:GOHAR
        Лусине:LUSINE Зара:ZARA Мери:MERI Нунэ:NUNE"""
    ),
    common=(("Акопян", "Армен"),),
)

# --- Azerbaijan (Azerbaijani Latin, diacritics folded as in the MRZ: Cəfərov -> CAFAROV) -----------
_AZE = _country(
    "AZE",
    "pairs",
    "azeri",
    _pair_surnames(
        """Мамедов:MAMMADOV Алиев:ALIYEV Гусейнов:HUSEYNOV Гасанов:HASANOV Джафаров:CAFAROV
        Исмаилов:ISMAYILOV Ибрагимов:IBRAHIMOV Абдуллаев:ABDULLAYEV Рзаев:RZAYEV Бабаев:BABAYEV
        Керимов:KARIMOV Агаев:AGHAYEV Сулейманов:SULEYMANOV Нагиев:NAGIYEV Велиев:VALIYEV Гаджиев:HACIYEV
        Аббасов:ABBASOV Мустафаев:MUSTAFAYEV Кулиев:GULIYEV Ахмедов:AHMADOV Зейналов:ZEYNALOV
        Садыхов:SADIGOV Исаев:ISAYEV Шукюров:SHUKUROV Юсифов:YUSIFOV Асадов:ASADOV Новрузов:NOVRUZOV
        Оруджев:ORUJOV Байрамов:BAYRAMOV""",
        feminine_suffix=True,
    ),
    _pair_given(
        """Эльчин:ELCIN Рашад:RASAD Орхан:ORXAN Эльвин:ELVIN Турал:TURAL Руслан:RUSLAN Камран:KAMRAN
        Фарид:FARID Анар:ANAR Вусал:VUSAL Эльнур:ELNUR Самир:SAMIR Ниджат:NICAT Эмин:EMIN Рамиль:RAMIL
        Заур:ZAUR Ильгар:ILQAR Мурад:MURAD Тогрул:TOGRUL Рауф:RAUF Джавид:CAVID Шахин:SAHIN Вугар:VUQAR
        Рамин:RAMIN Эльшан:ELSAN Гусейн:HUSEYN Али:ALI Мамед:MAMMAD"""
    ),
    _pair_given(
        """Айгюн:AYGUN Лейла:LEYLA Гюнель:GUNEL Севиндж:SEVINC Наргиз:NARGIZ Айсель:AYSEL Кёнуль:KONUL
        Ульвия:ULVIYYA Сабина:SABINA Айтан:AYTAN Фидан:FIDAN Захра:ZAHRA Лала:LALA Гюльнара:GULNARA
        Нигяр:NIGAR Эльнара:ELNARA Тарана:TARANA Самира:SAMIRA Ругия:RUQIYYA"""
    ),
    common=(("Мамедов", "Эльчин"), ("Алиев", "Рашад")),
)

# --- China (Pinyin in passports, Palladius in Russian records) ------------------------------------
_CHN_SURNAMES = _pair_surnames(
    """Ван:WANG Ли:LI Чжан:ZHANG Лю:LIU Чэнь:CHEN Ян:YANG Хуан:HUANG Чжао:ZHAO У:WU Чжоу:ZHOU Сюй:XU
    Сунь:SUN Ма:MA Чжу:ZHU Ху:HU Го:GUO Хэ:HE Линь:LIN Гао:GAO Ло:LUO Лян:LIANG Сун:SONG Чжэн:ZHENG
    Се:XIE Хань:HAN Тан:TANG Фэн:FENG Юй:YU Дун:DONG Сяо:XIAO"""
)
# Given names are one or two syllables (Вэй / WEI, Сяомин / XIAOMING); the generator composes them.
CHINESE_MALE_SYLLABLES = _pair_given(
    """Вэй:WEI Цзюнь:JUN Цян:QIANG Лэй:LEI Цзе:JIE Тао:TAO Мин:MING Чао:CHAO Ган:GANG Бо:BO Пэн:PENG
    Хао:HAO Кай:KAI Лун:LONG Цзянь:JIAN Хуа:HUA Юн:YONG Фэй:FEI Бинь:BIN Хуэй:HUI Сян:XIANG Чжи:ZHI
    Вэнь:WEN Дэ:DE Го:GUO Цзинь:JIN Сяо:XIAO"""
)
CHINESE_FEMALE_SYLLABLES = _pair_given(
    """Фан:FANG Минь:MIN Цзин:JING Ли:LI Янь:YAN Сю:XIU Ин:YING Хун:HONG Пин:PING На:NA Лань:LAN Мэй:MEI
    Ся:XIA Синь:XIN Юй:YU Тин:TING Цянь:QIAN Сюэ:XUE Сяо:XIAO Лин:LING Хуэй:HUI Юнь:YUN Цин:QING"""
)
_CHN = _country(
    "CHN",
    "pairs",
    "none",
    _CHN_SURNAMES,
    CHINESE_MALE_SYLLABLES,
    CHINESE_FEMALE_SYLLABLES,
    common=(("Ван", "Вэй"), ("Чжан", "Вэй")),
)

# --- Smaller shares -------------------------------------------------------------------------------
_MDA = _country(
    "MDA",
    "pairs",
    "russian",
    _pair_surnames(
        """Русу:RUSU Чебан:CEBAN Попеску:POPESCU Мунтяну:MUNTEANU Чобану:CIOBANU Руснак:RUSNAC
        Бурлаку:BURLACU Лупу:LUPU Морарь:MORARI Гуцу:GUTU Унгуряну:UNGUREANU Сырбу:SIRBU
        Кожокару:COJOCARU Рошка:ROSCA Балан:BALAN Мельник:MELNIC Ротару:ROTARU Попа:POPA"""
    ),
    _pair_given(
        """Ион:ION Василе:VASILE Георге:GHEORGHE Андрей:ANDREI Михаил:MIHAIL Сергей:SERGHEI Николае:NICOLAE
        Виорел:VIOREL Думитру:DUMITRU Александру:ALEXANDRU Владимир:VLADIMIR Константин:CONSTANTIN
        Игорь:IGOR Виталие:VITALIE Дорин:DORIN Валериу:VALERIU"""
    ),
    _pair_given(
        """Мария:MARIA Елена:ELENA Ана:ANA Наталья:NATALIA Ирина:IRINA Светлана:SVETLANA Олеся:OLESEA
        Людмила:LUDMILA Валентина:VALENTINA Кристина:CRISTINA Аурелия:AURELIA Виорика:VIORICA
        Татьяна:TATIANA"""
    ),
)
_UKR = _country(
    "UKR",
    "pairs",
    "russian",
    _pair_surnames(
        """Шевченко:SHEVCHENKO Коваленко:KOVALENKO Бондаренко:BONDARENKO Ткаченко:TKACHENKO
        Кравченко:KRAVCHENKO Олейник:OLIINYK Мельник:MELNYK Кравец:KRAVETS Бойко:BOIKO Ковальчук:KOVALCHUK
        Лысенко:LYSENKO Марченко:MARCHENKO Савченко:SAVCHENKO Руденко:RUDENKO Мороз:MOROZ
        Павленко:PAVLENKO Литвиненко:LYTVYNENKO Гончаренко:HONCHARENKO Ткачук:TKACHUK"""
    ),
    _pair_given(
        """Александр:OLEKSANDR Сергей:SERHII Андрей:ANDRII Дмитрий:DMYTRO Николай:MYKOLA
        Владимир:VOLODYMYR Юрий:YURII Виктор:VIKTOR Игорь:IHOR Иван:IVAN Олег:OLEH Василий:VASYL
        Михаил:MYKHAILO Алексей:OLEKSII Павел:PAVLO Богдан:BOHDAN Тарас:TARAS Евгений:YEVHEN"""
    ),
    _pair_given(
        """Ольга:OLHA Елена:OLENA Наталья:NATALIIA Татьяна:TETIANA Ирина:IRYNA Светлана:SVITLANA
        Юлия:YULIIA Анна:ANNA Оксана:OKSANA Людмила:LIUDMYLA Мария:MARIIA Екатерина:KATERYNA
        Виктория:VIKTORIIA"""
    ),
)
_BLR = _country(
    "BLR",
    "pairs",
    "russian",
    _pair_surnames(
        """Ковалёв/Ковалёва:KAVALIOU/KAVALIOVA Новик:NOVIK Лукашевич:LUKASHEVICH Козлов/Козлова:KAZLOU/KAZLOVA
        Шевчук:SHAUCHUK Мельников/Мельникова:MELNIKAU/MELNIKAVA Кравченко:KRAUCHENKA Романович:RAMANOVICH
        Бондаренко:BANDARENKA Макаревич:MAKAREVICH Жук:ZHUK Кузьмич:KUZMICH Василевич:VASILEVICH
        Попов/Попова:PAPOU/PAPOVA Соколов/Соколова:SAKALOU/SAKALOVA Морозов/Морозова:MAROZAU/MAROZAVA
        Волков/Волкова:VAUKOU/VAUKOVA"""
    ),
    _pair_given(
        """Александр:ALIAKSANDR Сергей:SIARHEI Андрей:ANDREI Дмитрий:DZMITRY Павел:PAVEL Михаил:MIKHAIL
        Игорь:IHAR Алексей:ALIAKSEI Виктор:VIKTAR Николай:MIKALAI Владимир:ULADZIMIR Евгений:YAUHENI
        Иван:IVAN Артём:ARTSIOM"""
    ),
    _pair_given(
        """Анастасия:ANASTASIYA Ольга:VOLHA Татьяна:TATSIANA Наталья:NATALLIA Елена:ALENA
        Екатерина:KATSIARYNA Юлия:YULIYA Ирина:IRYNA Мария:MARYIA Светлана:SVIATLANA"""
    ),
)
_TUR = _country(
    "TUR",
    "pairs",
    "none",
    _pair_surnames(
        """Йылмаз:YILMAZ Кая:KAYA Демир:DEMIR Шахин:SAHIN Челик:CELIK Йылдыз:YILDIZ Йылдырым:YILDIRIM
        Озтюрк:OZTURK Айдын:AYDIN Арслан:ARSLAN Доган:DOGAN Кылыч:KILIC Аслан:ASLAN Четин:CETIN Кара:KARA
        Коч:KOC Курт:KURT Озкан:OZKAN Шимшек:SIMSEK Полат:POLAT"""
    ),
    _pair_given(
        """Мехмет:MEHMET Мустафа:MUSTAFA Ахмет:AHMET Али:ALI Хусейн:HUSEYIN Хасан:HASAN Ибрагим:IBRAHIM
        Исмаил:ISMAIL Осман:OSMAN Юсуф:YUSUF Мурат:MURAT Эмре:EMRE Бурак:BURAK Омер:OMER Фатих:FATIH
        Кемаль:KEMAL Халил:HALIL Серкан:SERKAN"""
    ),
    _pair_given(
        """Айше:AYSE Фатма:FATMA Эмине:EMINE Хатидже:HATICE Зейнеп:ZEYNEP Элиф:ELIF Мерве:MERVE
        Озлем:OZLEM Хюлья:HULYA Седа:SEDA"""
    ),
)
_IND = _country(
    "IND",
    "pairs",
    "none",
    _pair_surnames(
        """Кумар:KUMAR Сингх:SINGH Шарма:SHARMA Пател:PATEL Гупта:GUPTA Ядав:YADAV Редди:REDDY Верма:VERMA
        Дас:DAS Наир:NAIR Мишра:MISHRA Джоши:JOSHI Чаудхари:CHAUDHARY Бхат:BHAT"""
    ),
    _pair_given(
        """Рахул:RAHUL Амит:AMIT Радж:RAJ Виджай:VIJAY Санджай:SANJAY Ананд:ANAND Сурадж:SURAJ
        Арджун:ARJUN Рохит:ROHIT Викрам:VIKRAM Ракеш:RAKESH Сунил:SUNIL Маниш:MANISH Дипак:DEEPAK
        Аджай:AJAY"""
    ),
    _pair_given(
        """Прия:PRIYA Анджали:ANJALI Пуджа:POOJA Неха:NEHA Дивья:DIVYA Сунита:SUNITA Кавита:KAVITA
        Рина:REENA Шрея:SHREYA Лакшми:LAKSHMI"""
    ),
)
# Vietnamese given names carry a middle name (Ван / VAN for men, Тхи / THI for women).
_VNM = _country(
    "VNM",
    "pairs",
    "none",
    _pair_surnames(
        """Нгуен:NGUYEN Чан:TRAN Ле:LE Фам:PHAM Хоанг:HOANG Ву:VU Во:VO Данг:DANG Буй:BUI До:DO Хо:HO
        Нго:NGO Зыонг:DUONG Ли:LY Дао:DAO Чинь:TRINH"""
    ),
    _pair_given(
        """Ван_Хунг:VAN_HUNG Ван_Туан:VAN_TUAN Ван_Минь:VAN_MINH Ван_Зунг:VAN_DUNG Дык_Тхань:DUC_THANH
        Ван_Лонг:VAN_LONG Ван_Нам:VAN_NAM Минь_Хиеу:MINH_HIEU Ван_Кыонг:VAN_CUONG Минь_Дык:MINH_DUC
        Куанг_Хай:QUANG_HAI Ван_Куанг:VAN_QUANG Хыу_Тхинь:HUU_THINH Дык_Зуй:DUC_DUY"""
    ),
    _pair_given(
        """Тхи_Лан:THI_LAN Тхи_Хыонг:THI_HUONG Тхи_Хоа:THI_HOA Тхи_Линь:THI_LINH Нгок_Май:NGOC_MAI
        Тхи_Тхуй:THI_THUY Тху_Ха:THU_HA Тхи_Чанг:THI_TRANG Тхи_Ньунг:THI_NHUNG Нгок_Тхао:NGOC_THAO"""
    ),
)

COUNTRY_NAMES: dict[str, CountryNames] = {
    c.iso3: c for c in (_UZB, _TJK, _KGZ, _KAZ, _ARM, _AZE, _CHN, _MDA, _UKR, _BLR, _TUR, _IND, _VNM)
}

# Russian patronymic stems where the regular rule (-ович after a consonant, -евич after й or a
# vowel) gives the wrong form. Value: the stem before -ич / -на.
PATRONYMIC_STEMS = {
    "Сергей": "Сергеев",
    "Андрей": "Андреев",
    "Николай": "Николаев",
    "Юрий": "Юрьев",
    "Дмитрий": "Дмитриев",
    "Василий": "Васильев",
    "Евгений": "Евгеньев",
    "Алексей": "Алексеев",
    "Михаил": "Михайлов",
    "Павел": "Павлов",
    "Игорь": "Игорев",
    "Василе": "Васильев",
    "Георге": "Георгиев",
    "Николае": "Николаев",
    "Думитру": "Дмитриев",
    "Александру": "Александров",
    "Виталие": "Витальев",
    "Валериу": "Валерьев",
    "Артём": "Артёмов",
    "Эмил": "Эмилев",
    "Эмиль": "Эмилев",
    "Рамиль": "Рамилев",
    "Кемаль": "Кемалев",
}


def russian_patronymic(father_russian: str, sex: str) -> str:
    """Баходир -> Баходирович / Баходировна; Абдулла -> Абдуллаевич; Сергей -> Сергеевич."""
    stem = PATRONYMIC_STEMS.get(father_russian)
    if stem is None:
        last = father_russian[-1]
        if last in "йь":
            stem = father_russian[:-1] + "ев"
        elif last in "аеёиоуыэюя" or last in "жшчщц":
            stem = father_russian + "ев"
        else:
            stem = father_russian + "ов"
    return stem + ("ич" if sex == "M" else "на")


# --- Russian names: private hosts and employers' directors ---------------------------------------
RUSSIAN_SURNAMES = _words(
    """Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
    Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин
    Захаров Зайцев Соловьёв Борисов Яковлев Григорьев"""
)
RUSSIAN_MALE = _words("Александр Сергей Андрей Дмитрий Алексей Владимир Игорь Николай Михаил Евгений Виктор Павел")
RUSSIAN_FEMALE = _words("Елена Ольга Татьяна Наталья Ирина Светлана Марина Галина Людмила Анна")
