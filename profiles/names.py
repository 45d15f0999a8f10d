"""Script-independent keys for names and normalized document numbers and phones.

`name_key` maps a name written in Cyrillic (Russian, Uzbek, Tajik, Kyrgyz, Kazakh letters) or in any
of the usual Latin transliterations to one upper-case ASCII key, so that search and blocking
meet across scripts: Каримов, KARIMOV and QARIMOV share KARIMOV; Жураев, ZHURAEV, JURAYEV and
DJURAEV share JURAEV. The key is deliberately coarse (it is for finding candidates, not for deciding
that two records are one person).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Cyrillic letters to Latin, following passport practice (ICAO 9303 for Russian, national
# letters as the Central Asian passports write them).
_CYRILLIC_TO_LATIN = {
    "А": "A",
    "Б": "B",
    "В": "V",
    "Г": "G",
    "Д": "D",
    "Е": "E",
    "Ё": "E",
    "Ж": "ZH",
    "З": "Z",
    "И": "I",
    "Й": "I",
    "К": "K",
    "Л": "L",
    "М": "M",
    "Н": "N",
    "О": "O",
    "П": "P",
    "Р": "R",
    "С": "S",
    "Т": "T",
    "У": "U",
    "Ф": "F",
    "Х": "KH",
    "Ц": "TS",
    "Ч": "CH",
    "Ш": "SH",
    "Щ": "SHCH",
    "Ъ": "",
    "Ы": "Y",
    "Ь": "",
    "Э": "E",
    "Ю": "IU",
    "Я": "IA",
    # Uzbek, Tajik, Kyrgyz and Kazakh letters.
    "Ў": "O",
    "Қ": "Q",
    "Ғ": "GH",
    "Ҳ": "H",
    "Ҷ": "J",
    "Ӣ": "I",
    "Ӯ": "U",
    "Ү": "U",
    "Ө": "O",
    "Ң": "NG",
    "Ә": "A",
    "Ұ": "U",
    "І": "I",
    "Һ": "H",
    "Ї": "I",
    "Є": "E",
    "Ґ": "G",
}

# Folds applied in order to the Latin form; each collapses spellings that transliteration
# systems disagree on (passport ICAO vs. GOST vs. Uzbek, Tajik and Turkic Latin alphabets).
_FOLDS: tuple[tuple[str, str], ...] = (
    ("SHCH", "SH"),
    ("DZH", "J"),
    ("DJ", "J"),
    ("ZH", "J"),
    ("KH", "H"),
    ("X", "H"),
    ("GH", "G"),
    ("Q", "K"),
    ("W", "V"),
    ("Y", "I"),
    ("TC", "TS"),
)
_APOSTROPHES = "'’‘ʻʼ`´"
_NON_LETTERS = re.compile(r"[^A-Z]")
_DOUBLE_LETTERS = re.compile(r"(.)\1+")
# The glide between two vowels is written in some systems only (ЖУРАЕВ: ZHURAEV / JURAYEV).
_GLIDE_BETWEEN_VOWELS = re.compile(r"(?<=[AEIOU])I(?=[AEOU])")


def cyrillic_to_latin(text: str) -> str:
    return "".join(_CYRILLIC_TO_LATIN.get(char, char) for char in text.upper())


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=200_000)
def name_key(text: str) -> str:
    """One coarse ASCII key for a single name word, whatever its script or transliteration.

    Cached: a registry has far fewer distinct name words than records (every Karimov), and blocking
    and the name-key index ask for the same words again and again."""
    latin = cyrillic_to_latin(text.strip())
    for apostrophe in _APOSTROPHES:
        latin = latin.replace(apostrophe, "")
    latin = _NON_LETTERS.sub("", strip_diacritics(latin).upper())
    for old, new in _FOLDS:
        latin = latin.replace(old, new)
    # Е at the start of a word is YE in some systems and E in others (ЕРМЕК: YERMEK / ERMEK).
    if latin.startswith("IE"):
        latin = latin[1:]
    latin = _GLIDE_BETWEEN_VOWELS.sub("", latin)
    return _DOUBLE_LETTERS.sub(r"\1", latin)


_WORD_SEPARATORS = re.compile(r"[\s\-]+")


def name_keys(*names: str) -> set[str]:
    """Keys of every word of every name given (surname, given names, patronymic...)."""
    keys = set()
    # A person's records repeat their names (ten records, three spellings): each is split once.
    for name in set(names):
        for word in _WORD_SEPARATORS.split(name or ""):
            key = name_key(word)
            if len(key) >= 2:
                keys.add(key)
    return keys


# Cyrillic letters that look like Latin ones and are typed by mistake into document numbers.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
_DOCUMENT_NOISE = re.compile(r"[^A-Z0-9]")


@lru_cache(maxsize=200_000)  # a person's document number comes again in each of their records
def normalize_document_number(number: str) -> str:
    """`АА 123-45 67` and `aa1234567` both become `AA1234567`."""
    return _DOCUMENT_NOISE.sub("", (number or "").upper().translate(_LOOKALIKES))


def normalize_phone(phone: str) -> str:
    """Digits with a leading +, or '' when there are too few digits to be a phone number.

    A leading 8 followed by ten digits is the Russian trunk prefix and becomes +7.
    """
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    if len(digits) < 7 or len(digits) > 15:
        return ""
    return "+" + digits
