"""Comparison forms of names, for deciding whether two spellings are one name.

`profiles.names.name_key` is the coarse key that search and blocking index; this module is what the
linker compares. It is pure (no Django, no database) and deterministic, so the benchmark can run it
on generated records without a database.

The folds depend on the name's origin, given as the ISO 3166-1 alpha-3 citizenship of either record
of the pair, because transliteration systems disagree in ways that are only safe to collapse for the
people who use them:

* every origin: Russian ICAO 9303 (Х→KH, Ж→ZH, Ц→TS, Ю→IU, Я→IA), the older GOST practice (YU, YA,
  Y), Uzbek Latin (X for Х, J for Ж, Oʻ for Ў, Gʻ, Q), Tajik (J for Ҷ, Q, GH), Kyrgyz and Kazakh
  letters (Ү Ө Ң Ә Қ Ғ Ұ І) all fold to one ASCII form;
* Armenia: the initial Հ that Russian drops (Акопян ↔ HAKOBYAN), Hovh- ↔ Ог-/Ов- (Оганесян ↔
  HOVHANNISYAN), voiced and voiceless consonants that Western and Eastern Armenian swap;
* Azerbaijan: C is ДЖ (Джафаров ↔ CAFAROV), Ç is Ч, Ə is Э/Е/А (Мамедов ↔ MAMMADOV), Q is Г/К;
* China: Russian Palladius syllables become Hanyu Pinyin (Чжан ↔ ZHANG, Цзюнь ↔ JUN, Сюй ↔ XU).

Stems go one step further for surnames (feminine forms, de-russified Tajik surnames) and patronymics
reduce to the father's given name; the comparator reports such agreement as its own level, so the
model can weigh "same stem" less than "same spelling".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Document numbers: one normalization for the whole platform (spaces, dashes, Cyrillic look-alikes).
from profiles.names import normalize_document_number as normalize_document_number

ARMENIA = "ARM"
AZERBAIJAN = "AZE"
CHINESE = frozenset({"CHN", "TWN", "HKG", "MAC"})
# Turkic Latin alphabets where Ö/Ü/Ç/Ş/Ğ carry the same sounds as in Azerbaijani.
TURKIC_LATIN = frozenset({AZERBAIJAN, "TUR", "TKM"})
EAST_SLAVIC = frozenset({"UKR", "BLR"})
MOLDOVA = "MDA"
VIETNAM = "VNM"
INDIA = "IND"

# Cyrillic to Latin after passport practice; the national letters as the Central Asian passports
# write them. Ў is U here (Russian writes it У: Ўктам / Oʻktam / Уктам), unlike name_key.
# fmt: off
_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "YO", "Ж": "ZH", "З": "Z", "И": "I",
    "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T",
    "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH", "Щ": "SHCH", "Ъ": "", "Ы": "Y", "Ь": "",
    "Э": "E", "Ю": "IU", "Я": "IA", "Ў": "U", "Қ": "Q", "Ғ": "GH", "Ҳ": "H", "Ҷ": "J", "Ӣ": "I", "Ӯ": "U",
    "Ү": "U", "Ө": "O", "Ң": "NG", "Ә": "A", "Ұ": "U", "І": "I", "Һ": "H", "Ї": "I", "Є": "E", "Ґ": "G",
    "Ҙ": "Z", "Ҡ": "Q", "Ӊ": "NG", "Ӑ": "A", "Ӗ": "E", "Ҫ": "S",
}
# fmt: on
# Latin letters that NFKD does not decompose, or that decompose to the wrong ASCII letter.
# fmt: off
_LATIN_SPECIAL = {
    "Ə": "A", "Ä": "A", "Ö": "O", "Ü": "U", "Ş": "SH", "Ș": "SH", "Ç": "CH", "Ğ": "GH", "ı": "I", "İ": "I",
    "I": "I", "Ñ": "N", "Ŋ": "NG", "Ø": "O", "ß": "SS", "Ž": "ZH", "Š": "SH", "Č": "CH",
}
# fmt: on
_APOSTROPHES = "'’‘ʻʼ`´ʹ"
# Uzbek Latin: Oʻ is Ў (Russian У), Gʻ is Ғ; the apostrophe may be any of these characters.
_UZBEK_LETTERS = re.compile(rf"([OG])[{_APOSTROPHES}]")
_NON_LETTERS = re.compile(r"[^A-Z]")
_DOUBLE_LETTERS = re.compile(r"(.)\1+")
# The glide between two vowels that only some systems write (ЖУРАЕВ: ZHURAEV / JURAYEV).
_GLIDE_BETWEEN_VOWELS = re.compile(r"(?<=[AEIOU])I(?=[AEOU])")

# Applied in order to the Latin form: each collapses letters that transliteration systems disagree on.
_FOLDS: tuple[tuple[str, str], ...] = (
    ("SHCH", "SH"),
    ("TCH", "CH"),
    ("DZH", "J"),
    ("DJ", "J"),
    ("ZH", "J"),
    ("KH", "H"),
    ("X", "H"),
    ("GH", "G"),
    ("Q", "K"),
    ("W", "V"),
    ("PH", "F"),
    # Ё: E in ICAO, YO in Uzbek Latin and GOST.
    ("YO", "E"),
    ("Y", "I"),
    ("TC", "TS"),
    ("NG", "N"),
)

# --- Chinese: Palladius to Pinyin --------------------------------------------------------------

# Palladius initials and their Pinyin; цз, ц, с are j, q, x before i and ü, and z, c, s otherwise.
# fmt: off
_PALLADIUS_INITIALS = {
    "чж": "zh", "цз": "z", "ч": "ch", "ш": "sh", "ж": "r", "ц": "c", "с": "s", "б": "b", "п": "p", "м": "m",
    "ф": "f", "д": "d", "т": "t", "н": "n", "л": "l", "г": "g", "к": "k", "х": "h",
}
# fmt: on
_PALATAL = {"z": "j", "c": "q", "s": "x"}
# Palladius finals after an initial, and their Pinyin finals ("ü" is written "u" in passports).
# fmt: off
_PALLADIUS_FINALS = {
    "а": "a", "ай": "ai", "ань": "an", "ан": "ang", "ао": "ao", "э": "e", "эй": "ei", "энь": "en", "эн": "eng",
    "эр": "er", "о": "uo", "оу": "ou", "ун": "ong", "и": "i", "ы": "i", "я": "ia", "яо": "iao", "е": "ie",
    "ю": "iu", "янь": "ian", "инь": "in", "ян": "iang", "ин": "ing", "юн": "iong", "у": "u", "уа": "ua",
    "уай": "uai", "уй": "ui", "уэй": "ui", "уань": "uan", "унь": "un", "уан": "uang", "юй": "ü", "юэ": "üe",
    "юань": "üan", "юнь": "ün",
}
# fmt: on
# Syllables without an initial.
# fmt: off
_PALLADIUS_ZERO = {
    "а": "a", "ай": "ai", "ань": "an", "ан": "ang", "ао": "ao", "э": "e", "эй": "ei", "энь": "en", "эн": "eng",
    "эр": "er", "о": "o", "оу": "ou", "и": "yi", "я": "ya", "яо": "yao", "е": "ye", "ю": "you", "янь": "yan",
    "инь": "yin", "ян": "yang", "ин": "ying", "юн": "yong", "у": "wu", "юй": "yu", "юэ": "yue", "юань": "yuan",
    "юнь": "yun", "ва": "wa", "во": "wo", "вай": "wai", "вэй": "wei", "вань": "wan", "вэнь": "wen",
    "ван": "wang", "вэн": "weng",
}
# fmt: on
_LABIALS = {"b", "p", "m", "f"}
_MAX_FINAL = max(len(final) for final in _PALLADIUS_FINALS)
_MAX_ZERO = max(len(zero) for zero in _PALLADIUS_ZERO)


def _palladius_syllable(text: str, start: int) -> tuple[str, int] | None:
    """The longest Palladius syllable at `start` as (pinyin, end), or None."""
    best: tuple[str, int] | None = None
    for initial in ("чж", "цз", *[i for i in _PALLADIUS_INITIALS if len(i) == 1]):
        if not text.startswith(initial, start):
            continue
        after = start + len(initial)
        for length in range(min(_MAX_FINAL, len(text) - after), 0, -1):
            final = text[after : after + length]
            if final not in _PALLADIUS_FINALS:
                continue
            pinyin_initial = _PALLADIUS_INITIALS[initial]
            pinyin_final = _PALLADIUS_FINALS[final]
            if pinyin_initial in _PALATAL and pinyin_final[0] in "iü" and final != "ы":
                pinyin_initial = _PALATAL[pinyin_initial]
            if final == "о" and pinyin_initial in _LABIALS:
                pinyin_final = "o"
            if final == "ы" and pinyin_initial not in _PALATAL:
                continue
            if pinyin_final.startswith("ü") and pinyin_initial not in {"j", "q", "x", "n", "l"}:
                continue
            candidate = (pinyin_initial + pinyin_final, after + length)
            if best is None or candidate[1] > best[1]:
                best = candidate
            break
    for length in range(min(_MAX_ZERO, len(text) - start), 0, -1):
        zero = text[start : start + length]
        if zero in _PALLADIUS_ZERO:
            if best is None or start + length > best[1]:
                best = (_PALLADIUS_ZERO[zero], start + length)
            break
    return best


def palladius_to_pinyin(text: str) -> str | None:
    """Pinyin for a Cyrillic name in the Palladius system (`Чжан Цзюнь` → `ZHANG JUN`), or None
    when a word is not a sequence of Palladius syllables (then it is not a Chinese name)."""
    words = []
    for word in re.split(r"[\s\-]+", text.strip().lower().replace("ё", "е")):
        if not word:
            continue
        position, syllables = 0, []
        while position < len(word):
            syllable = _palladius_syllable(word, position)
            if syllable is None:
                return None
            syllables.append(syllable[0])
            position = syllable[1]
        words.append("".join(syllables))
    return " ".join(words).replace("ü", "u").upper()


def _pinyin_table() -> dict[str, str]:
    """Every Pinyin syllable the Palladius tables above can spell, with its Palladius spelling."""
    table: dict[str, str] = {}
    for palladius in _PALLADIUS_ZERO:
        table.setdefault(_PALLADIUS_ZERO[palladius].replace("ü", "u"), palladius)
    for initial in _PALLADIUS_INITIALS:
        for final in _PALLADIUS_FINALS:
            syllable = _palladius_syllable(initial + final, 0)
            if syllable is not None and syllable[1] == len(initial) + len(final):
                # Хуэй is the one -уэй spelling; every other initial takes -уй (гуй, цуй).
                if final == "уэй" and initial != "х":
                    continue
                if final == "уй" and initial == "х":
                    continue
                table.setdefault(syllable[0].replace("ü", "u"), initial + final)
    return table


_PINYIN = _pinyin_table()
_MAX_PINYIN = max(len(syllable) for syllable in _PINYIN)


@lru_cache(maxsize=50_000)
def pinyin_to_palladius(text: str) -> str | None:
    """The Palladius spelling of a Pinyin word (`ZHANG` → `чжан`, `XIAOMING` → `сяомин`), or None
    when the word is not a sequence of Pinyin syllables (then it is a Russian-style transliteration
    such as CHZHAN, compared as it is)."""
    word = text.lower().replace("ü", "u").replace("v", "u")
    # Fewest syllables that spell the word exactly (XIAN is one syllable, not XI-AN).
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for start in range(len(word)):
        if best[start] is None:
            continue
        for end in range(start + 1, min(len(word), start + _MAX_PINYIN) + 1):
            palladius = _PINYIN.get(word[start:end])
            if palladius is None:
                continue
            candidate = [*best[start], palladius]  # type: ignore[misc]
            if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                best[end] = candidate
    return "".join(best[-1]) if best[-1] else None


# Given names that are one name in Russian, Ukrainian, Belarusian and Romanian forms, which no
# letter-by-letter rule relates (Александр / OLEKSANDR / ALIAKSANDR, Николай / MYKOLA / MIKALAI).
_GIVEN_NAME_FORMS = (
    "Александр OLEKSANDR ALIAKSANDR ALEXANDRU ALEKSANDRU",
    "Алексей OLEKSII ALIAKSEI",
    "Николай MYKOLA MIKALAI NICOLAE",
    "Владимир VOLODYMYR ULADZIMIR",
    "Дмитрий DMYTRO DZMITRY DUMITRU",
    "Евгений YEVHEN YAUHENI",
    "Елена OLENA ALENA",
    "Ольга OLHA VOLHA",
    "Екатерина KATERYNA KATSIARYNA",
    "Татьяна TETIANA TATSIANA",
    "Светлана SVITLANA SVIATLANA",
    "Наталья NATALIIA NATALLIA NATALIA",
    "Сергей SERHII SIARHEI SERGHEI",
    "Андрей ANDRII",
    "Михаил MYKHAILO MIHAIL",
    "Павел PAVLO",
    "Василий VASYL VASILE",
    "Игорь IHOR IHAR",
    "Юрий YURII",
    "Виктор VIKTAR",
    "Артём ARTSIOM",
    "Георгий GHEORGHE",
    "Анастасия ANASTASIYA",
    "Людмила LUDMILA LIUDMYLA",
    "Мария MARIIA MARYIA MARIA",
    "Юлия YULIYA YULIIA",
    "Иван IVAN",
)
_GIVEN_CANONICAL: dict[str, str] = {}


def canonical_given(folded: str) -> str:
    """One form for the East Slavic and Romanian variants of a given name (folded, origin-neutral)."""
    if not _GIVEN_CANONICAL:
        for line in _GIVEN_NAME_FORMS:
            forms = line.split()
            canonical = fold_word(forms[0])
            for form in forms:
                _GIVEN_CANONICAL[fold_word(form)] = canonical
    return _GIVEN_CANONICAL.get(folded, folded)


# --- Folding ------------------------------------------------------------------------------------

_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04FF]")


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC_LETTER.search(text or ""))


def to_latin(text: str) -> str:
    """Upper-case ASCII letters of `text` (Cyrillic transliterated, diacritics and apostrophes dropped)."""
    upper = unicodedata.normalize("NFC", text.strip()).replace("ı", "I").upper()
    upper = _UZBEK_LETTERS.sub(lambda m: "U" if m.group(1) == "O" else "GH", upper)
    latin = "".join(_CYRILLIC.get(char, _LATIN_SPECIAL.get(char, char)) for char in upper)
    decomposed = unicodedata.normalize("NFKD", latin)
    latin = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_LETTERS.sub("", latin)


def _armenian(latin: str) -> str:
    # Russian renders Հով- as Ов- or Ог- (Ованес, Оганесян): both become OV.
    if latin.startswith("OGA"):
        latin = "OVA" + latin[3:]
    if latin.startswith("HOVH"):
        latin = "OV" + latin[4:]
    latin = latin.replace("CH", "C").replace("SH", "S").replace("ZH", "J")
    # Armenian Հ, Ղ, Գ and Խ are written Г, Х, К or nothing in Russian (Акопян / HAKOBYAN, Ваге /
    # VAHE, Казарян / GHAZARYAN, Астхик / ASTGHIK): the velars and H are dropped altogether.
    latin = latin.replace("G", "").replace("K", "").replace("H", "").replace("Q", "").replace("X", "")
    # Western and Eastern Armenian swap voiced and voiceless stops (Акоп / HAKOB, Давид / DAVIT).
    latin = latin.translate(str.maketrans("BDZ", "PTS"))
    # Unstressed E and I alternate between the given name and the surname (Оганес → HOVHANNISYAN).
    return latin.replace("E", "I")


def _turkic(latin: str, cyrillic: bool) -> str:
    """Azerbaijani and Turkish Latin against Russian Cyrillic (MRZ folds Ə→A, Ç→C, Ş→S, Ğ→G)."""
    if not cyrillic:
        # C is ДЖ in Azerbaijani and Turkish Latin (CAFAROV, HATICE); Ç became CH in to_latin.
        latin = latin.replace("CH", "\x00").replace("C", "J").replace("\x00", "CH")
    latin = latin.replace("DZH", "J").replace("DJ", "J").replace("ZH", "J").replace("CH", "J").replace("SH", "S")
    # Russian writes the Azerbaijani H, X, Q and Ğ as Г, Х, К (Гусейнов / HUSEYNOV, Кулиев / GULIYEV).
    latin = latin.replace("KH", "H").replace("X", "H").replace("GH", "G").replace("Q", "G").replace("K", "G")
    latin = latin.replace("H", "G")
    # Ə is Э, Е, Я or А in Russian; Ö and Ü are Ё, Ю (Кёнуль / KONUL, Нигяр / NIGAR, Шукюров / SHUKUROV).
    latin = latin.replace("YU", "U").replace("IU", "U").replace("YO", "O").replace("IO", "O").replace("IA", "A")
    latin = latin.replace("YA", "A").replace("E", "A")
    # Russian -ев after Дж, Ж, Ш is -ov in Azerbaijani (Оруджев / ORUJOV).
    if latin.endswith(("OV", "OVA")):
        latin = latin[: latin.rindex("OV")] + "AV" + latin[latin.rindex("OV") + 2 :]
    return latin


_DIGRAPHS = {"KH": "\x01", "CH": "\x02", "SH": "\x03", "ZH": "\x04"}


def _protect_digraphs(latin: str) -> str:
    for digraph, mark in _DIGRAPHS.items():
        latin = latin.replace(digraph, mark)
    return latin


def _restore_digraphs(latin: str) -> str:
    for digraph, mark in _DIGRAPHS.items():
        latin = latin.replace(mark, digraph)
    return latin


def _east_slavic(latin: str, cyrillic: bool, origin: str) -> str:
    """Ukrainian and Belarusian passport Latin against the Russian form of the same name."""
    if not cyrillic:
        # Г is H in Ukrainian and Belarusian Latin; Х stays KH, and CH, SH, ZH are Ч, Ш, Ж.
        latin = _protect_digraphs(latin).replace("H", "G")
        latin = _restore_digraphs(latin)
    # Russian -ей is Ukrainian -ій (Сергей / SERHII, Андрей / ANDRII).
    latin = latin.replace("Y", "I").replace("EI", "I").replace("II", "I").replace("YY", "I").replace("IY", "I")
    if origin == "BLR":
        # Belarusian ў for a Russian л or в (Волков / VAUKOU, Козлов / KAZLOU), дз and ц for д and т
        # (DZMITRY, TATSIANA), and the akanye that writes A for an unstressed O or E.
        latin = re.sub(r"L(?=[^AEIOUY]|$)", "U", latin)
        latin = re.sub(r"(?<=[AEIOUY])U(?=[^AEIOUY]|$)", "V", latin)
        if latin.startswith("U") and len(latin) > 1 and latin[1] not in "AEIOUY":
            latin = "V" + latin[1:]
        latin = latin.replace("DZ", "D").replace("TSI", "TI").replace("TSY", "TI")
        latin = latin.replace("IO", "E").replace("YO", "E").replace("IA", "A").replace("YA", "A")
        latin = latin.replace("O", "A").replace("E", "A")
    return latin


def _romanian(latin: str, cyrillic: bool) -> str:
    """Moldovan (Romanian) Latin against Russian Cyrillic: CE/CI is ЧЕ/ЧИ, CHE is КЕ, GHE is ГЕ,
    J is Ж, EA is Я, and the MRZ writes Ț and Ș as T and S."""
    if not cyrillic:
        latin = latin.replace("CHE", "\x01E").replace("CHI", "\x01I").replace("GHE", "\x02E").replace("GHI", "\x02I")
        latin = re.sub(r"C(I(?=[AOU])|(?=[EI]))", "\x03", latin)
        latin = re.sub(r"G(I(?=[AOU])|(?=[EI]))", "DZH", latin)
        latin = latin.replace("\x01", "K").replace("\x02", "G").replace("C", "K").replace("\x03", "CH")
        latin = latin.replace("X", "KS")
        latin = latin.replace("J", "ZH").replace("EA", "IA")
        if len(latin) > 3 and latin.endswith("RI"):
            latin = latin[:-1]
    return latin.replace("TS", "T").replace("SH", "S").replace("LIU", "LU")


def _vietnamese(latin: str, cyrillic: bool) -> str:
    """Vietnamese Latin against the Russian (Kontsevich) Cyrillic: TR is Ч, D (Vietnamese D and Đ,
    one letter in the MRZ) is З or Д, Ư is Ы, NH is НЬ, C is К, X is С."""
    if cyrillic:
        latin = latin.replace("Y", "U")
    else:
        latin = _protect_digraphs(latin.replace("TR", "CH"))
        latin = latin.replace("NH", "N").replace("C", "K").replace("X", "S")
        # Ы printed as Y by Russian systems (ZYONG, DYK) is the Vietnamese Ư.
        latin = _restore_digraphs(re.sub(r"(?<=[BCDGHKLMNPRSTVXZ])Y(?=[BCDGHKLMNPRSTVXZO])", "U", latin))
    return latin.replace("Z", "D")


def _indian(latin: str) -> str:
    return latin.replace("EE", "I").replace("OO", "U")


@lru_cache(maxsize=200_000)
def fold_word(word: str, origin: str = "") -> str:
    """The comparison form of one name word: spellings of the same name in any script or
    transliteration system give the same form (for the given origin, see the module docstring)."""
    if not word or not word.strip():
        return ""
    cyrillic = has_cyrillic(word)
    latin = to_latin(word)
    if origin in CHINESE and not cyrillic:
        # Pinyin is compared through its Palladius spelling, the form Russian records use.
        palladius = pinyin_to_palladius(latin)
        if palladius is not None:
            latin = to_latin(palladius)
    elif origin == ARMENIA:
        latin = _armenian(latin)
    elif origin in TURKIC_LATIN:
        latin = _turkic(latin, cyrillic)
    elif origin in EAST_SLAVIC:
        latin = _east_slavic(latin, cyrillic, origin)
    elif origin == MOLDOVA:
        latin = _romanian(latin, cyrillic)
    elif origin == VIETNAM:
        latin = _vietnamese(latin, cyrillic)
    elif origin == INDIA:
        latin = _indian(latin)
    for old, new in _FOLDS:
        latin = latin.replace(old, new)
    # Е at the start of a word is YE in some systems and E in others (ЕРМЕК: YERMEK / ERMEK).
    if latin.startswith("IE"):
        latin = latin[1:]
    latin = _GLIDE_BETWEEN_VOWELS.sub("", latin)
    return _DOUBLE_LETTERS.sub(r"\1", latin)


_VOWELS = re.compile(r"[AEIOU]+")


@lru_cache(maxsize=200_000)
def skeleton(word: str, origin: str = "") -> str:
    """A coarse phonetic key: the folded consonants, with one mark for a leading vowel. Catches the
    vowel spellings Russian officers use for Central Asian names (Юлдашев / YOʻLDOSHEV, Усенов /
    Үсөнов, Ибрагим / Иброҳим); agreeing on it is weak evidence, and the model weighs it so."""
    folded = fold_word(word, origin).replace("H", "G").replace("TS", "T")
    if not folded:
        return ""
    lead = "A" if folded[0] in "AEIOU" else ""
    return lead + _DOUBLE_LETTERS.sub(r"\1", _VOWELS.sub("", folded))


@lru_cache(maxsize=200_000)
def name_forms(text: str, origin: str = "") -> frozenset[str]:
    """Every comparison form of a name: its fold for the origin and, because Russian systems print
    Latin from the Russian form (CHZHAN, CHEBAN beside ZHANG, CEBAN), its origin-neutral fold.
    Two spellings are transliterations of one name when their forms intersect."""
    words = name_words(text)
    if not words:
        return frozenset()
    joiner = "" if origin in CHINESE else " "
    forms = {joiner.join(fold_word(word, origin) for word in words)}
    if origin:
        forms.add(joiner.join(fold_word(word, "") for word in words))
    return frozenset(form for form in forms if form)


@lru_cache(maxsize=200_000)
def given_name_forms(text: str, origin: str = "") -> frozenset[str]:
    """`name_forms` plus the common form of East Slavic and Romanian variants (Александр / OLEKSANDR)."""
    forms = name_forms(text, origin)
    words = name_words(text)
    if len(words) == 1:
        forms = forms | {canonical_given(fold_word(words[0], ""))}
    return forms


_WORD_SEPARATORS = re.compile(r"[\s\-,.]+")  # compiled once: name_words runs millions of times a run


def name_words(text: str) -> list[str]:
    return [word for word in _WORD_SEPARATORS.split((text or "").strip()) if word]


def fold_name(text: str, origin: str = "") -> str:
    """The comparison form of a (possibly multi-word) name; Chinese given names join their syllables
    (`Сяомин` and `XIAO MING` are one name)."""
    words = name_words(text)
    folded = [fold_word(word, origin) for word in words]
    if origin in CHINESE:
        return "".join(folded)
    return " ".join(word for word in folded if word)


# --- Surname stems ------------------------------------------------------------------------------

# Tajik surnames lose the Russian -ов and may take -зода (Rahmonov → Rahmon → Rahmonzoda).
_TAJIK_SUFFIXES = ("ZODA", "ZADA", "ZADE", "ZOD", "ZAD")
# Feminine Russian-style surname endings, in folded form (Каримова → KARIMOVA), to their masculine.
_FEMININE_ENDINGS = (
    ("SKAIA", "SKI"),
    ("TSKAIA", "TSKI"),
    # -ская after the glide fold (SKAIA → SKA).
    ("SKA", "SKI"),
    ("OVA", "OV"),
    ("EVA", "EV"),
    ("INA", "IN"),
    ("AIA", "I"),
)
# -ин stays: Sangin is a bare Tajik stem.
_MASCULINE_ENDINGS = ("OV", "EV")
MIN_STEM = 3


@lru_cache(maxsize=200_000)
def surname_stem(text: str, origin: str = "") -> str:
    """A gender-neutral stem of a surname: Каримова, KARIMOV and Karimov share KARIM; Rahmonov,
    Rahmon and Rahmonzoda share RAHMON. The sex stays a field of its own; this only stops the
    surname from disagreeing where the spelling differs by grammatical gender or by de-russification."""
    words = name_words(text)
    if not words:
        return ""
    # Double-barrelled surnames compare by their first part.
    stem = fold_word(words[0], origin)
    if origin in CHINESE:
        return stem
    for suffix in _TAJIK_SUFFIXES:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= MIN_STEM:
            # Rahmonzoda: the stem is what is left (Sanginzoda → SANGIN, as Sanginov → SANGIN).
            return stem[: -len(suffix)]
    if origin in TURKIC_LATIN and stem.endswith(("AV", "AVA")):
        # -ev and -eva after the Azerbaijani fold of Ə/E (Aliyev, Aliyeva).
        stem = stem[: stem.rindex("AV")] + "EV"
    for feminine, masculine in _FEMININE_ENDINGS:
        if stem.endswith(feminine) and len(stem) - len(feminine) >= MIN_STEM - 1:
            stem = stem[: -len(feminine)] + masculine
            break
    for ending in _MASCULINE_ENDINGS:
        if stem.endswith(ending) and len(stem) - len(ending) >= MIN_STEM:
            stem = stem[: -len(ending)]
            break
    return stem


# --- Patronymics --------------------------------------------------------------------------------

# Words that mark "son of" / "daughter of" after the father's name, in folded form:
# угли / oʻgʻli / ogli / ugli, оглы / ogly / oglu, кизи / qizi / kizi, кызы / kyzy, уулу / uulu, улы / uly.
_PATRONYMIC_MARKERS = frozenset(
    {"UGLI", "OGLI", "OGLU", "UGLU", "KIZI", "GIZI", "KIZ", "ULU", "ULI", "UULU", "UL", "KISI"}
)
_PATRONYMIC_MARKER_SUFFIXES = ("OGLI", "UGLI", "OGLU", "KIZI", "GIZI", "UULU", "ULI", "ULU")
# Russian patronymic endings in folded form, longest first (Баходирович → BAHODIROVICH).
_RUSSIAN_PATRONYMIC_ENDINGS = ("OVICH", "EVICH", "OVNA", "EVNA", "ICHNA", "INICHNA", "ICH", "IVNA")


def father_name(patronymic: str, origin: str = "") -> str:
    """The father's given name in folded form: Баходирович, Баходир угли, Bahodir oʻgʻli and
    Bahodir ugli all give BAHODIR; Мамед оглы and Mammad oglu give MAMAD (origin AZE)."""
    words = name_words(patronymic)
    if not words:
        return ""
    folded = [fold_word(word, "") for word in words]
    if len(words) > 1 and folded[-1] in _PATRONYMIC_MARKERS:
        return " ".join(fold_word(word, origin) for word in words[:-1])
    word = folded[0] if len(words) == 1 else None
    if word is not None:
        for marker in _PATRONYMIC_MARKER_SUFFIXES:
            if word.endswith(marker) and len(word) - len(marker) >= MIN_STEM:
                # Written together (Bahodirugli, Мамедоглы): cut the marker off the original spelling.
                return _cut_folded_suffix(words[0], len(word) - len(marker), origin)
        for ending in _RUSSIAN_PATRONYMIC_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM - 1:
                return _cut_folded_suffix(words[0], len(word) - len(ending), origin)
    return " ".join(fold_word(word, origin) for word in words)


def _cut_folded_suffix(word: str, keep: int, origin: str) -> str:
    """Fold the longest prefix of `word` whose origin-neutral fold is `keep` letters long, with `origin`."""
    for end in range(len(word), 0, -1):
        if len(fold_word(word[:end], "")) <= keep:
            return fold_word(word[:end], origin)
    return ""
