"""Field comparators: for a pair of records, one comparison level per identity field.

The levels are what the Fellegi–Sunter model (`linkage.model`) estimates m and u probabilities for;
each comparator returns the best level that applies, from strongest to weakest evidence. Pure: no
Django, so the benchmark runs it on generated records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from linkage.normalize import (
    CHINESE,
    father_name,
    fold_word,
    given_name_forms,
    name_forms,
    name_words,
    skeleton,
    surname_stem,
    to_latin,
)

EXACT = "exact"
TRANSLIT_EQUAL = "translit_equal"
VARIANT = "variant"
PHONETIC = "phonetic"
CLOSE = "close"
SWAPPED = "swapped"
DIFFERENT = "different"
MISSING = "missing"
DAY_MONTH_SWAPPED = "day_month_swapped"
ONE_OFF = "one_off"
ONE_EDIT = "one_edit"

NAME_LEVELS = (EXACT, TRANSLIT_EQUAL, VARIANT, CLOSE, PHONETIC, SWAPPED, DIFFERENT)
# Every field and its levels, strongest first; MISSING is implicit (weight 0: no evidence either way).
FIELD_LEVELS: dict[str, tuple[str, ...]] = {
    "surname": NAME_LEVELS,
    "given_names": NAME_LEVELS,
    "patronymic": (EXACT, TRANSLIT_EQUAL, PHONETIC, CLOSE, DIFFERENT),
    "birth_date": (EXACT, DAY_MONTH_SWAPPED, ONE_OFF, DIFFERENT),
    "sex": (EXACT, DIFFERENT),
    "citizenship": (EXACT, DIFFERENT),
    "document_number": (EXACT, ONE_EDIT, DIFFERENT),
    "phone": (EXACT, DIFFERENT),
    "tax_id": (EXACT, DIFFERENT),
}
FIELDS = tuple(FIELD_LEVELS)
# Jaro-Winkler similarity of the folded forms from which two names count as `close` (a typo).
CLOSE_SIMILARITY = 0.92


def jaro_winkler(a: str, b: str, prefix_scale: float = 0.1) -> float:
    """Jaro-Winkler similarity in [0, 1] (Winkler 1990), for short strings such as names."""
    if a == b:
        return 1.0
    len_a, len_b = len(a), len(b)
    if not len_a or not len_b:
        return 0.0
    window = max(max(len_a, len_b) // 2 - 1, 0)
    matched_b = [False] * len_b
    matches_a = []
    for i, char in enumerate(a):
        for j in range(max(0, i - window), min(len_b, i + window + 1)):
            if not matched_b[j] and b[j] == char:
                matched_b[j] = True
                matches_a.append(char)
                break
    if not matches_a:
        return 0.0
    matches_b = [b[j] for j in range(len_b) if matched_b[j]]
    transpositions = sum(x != y for x, y in zip(matches_a, matches_b, strict=True)) / 2
    m = len(matches_a)
    jaro = (m / len_a + m / len_b + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * prefix_scale * (1 - jaro)


def within_one_edit(a: str, b: str) -> bool:
    """True when `b` is `a` with one character inserted, deleted, replaced, or two neighbours swapped."""
    if a == b:
        return True
    len_a, len_b = len(a), len(b)
    if abs(len_a - len_b) > 1:
        return False
    if len_a == len_b:
        diffs = [i for i in range(len_a) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        )
    if len_a > len_b:
        a, b = b, a
    # b is one longer: skip one character of b.
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


@dataclass(slots=True)
class RecordView:
    """The identity fields of one record (or of a person's canonical values) as the linker sees them."""

    id: Any
    surname: str = ""
    given_names: str = ""
    patronymic: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    citizenship: str = ""
    document_type: str = ""
    document_number: str = ""
    phone: str = ""
    tax_id: str = ""
    # Normalized address, when the source sends one: the relatives guard reads it.
    address: str = ""
    _cache: dict[tuple[str, str, str], Any] = field(default_factory=dict, repr=False)

    def derived(self, kind: str, origin: str) -> Any:
        """Folded forms of this record's names for one origin, computed once per record."""
        key = (kind, origin, "")
        if key not in self._cache:
            self._cache[key] = _DERIVE[kind](self, origin)
        return self._cache[key]


def _clean(text: str) -> str:
    return " ".join(name_words(text.upper()))


def _primary(text: str, origin: str) -> str:
    joiner = "" if origin in CHINESE else " "
    return joiner.join(fold_word(word, origin) for word in name_words(text))


_DERIVE = {
    "surname_clean": lambda r, o: _clean(r.surname),
    "given_clean": lambda r, o: _clean(r.given_names),
    "surname_forms": lambda r, o: name_forms(r.surname, o),
    "given_forms": lambda r, o: given_name_forms(r.given_names, o),
    "given_first_forms": lambda r, o: (
        given_name_forms(name_words(r.given_names)[0], o) if r.given_names else frozenset()
    ),
    "surname_stem": lambda r, o: frozenset({surname_stem(r.surname, o), surname_stem(r.surname, "")} - {""}),
    "surname_skeleton": lambda r, o: skeleton(name_words(r.surname)[0], o) if r.surname.strip() else "",
    "given_skeleton": lambda r, o: skeleton(name_words(r.given_names)[0], o) if r.given_names.strip() else "",
    "surname_primary": lambda r, o: _primary(r.surname, o),
    "given_primary": lambda r, o: _primary(r.given_names, o),
    "surname_plain": lambda r, o: to_latin(r.surname),
    "given_plain": lambda r, o: to_latin(r.given_names),
    "father": lambda r, o: father_name(r.patronymic, o),
    "father_neutral": lambda r, o: father_name(r.patronymic, ""),
}


def pair_origins(a: RecordView, b: RecordView) -> tuple[str, ...]:
    """The origins under which a pair's names are folded: the citizenships of either record, sorted."""
    first, second = a.citizenship, b.citizenship
    if first == second or not second:
        return (first,)
    if not first:
        return (second,)
    return (first, second) if first < second else (second, first)


_NAME_RANK = {level: rank for rank, level in enumerate((*NAME_LEVELS, MISSING))}


def _name_level(a: RecordView, b: RecordView, part: str, origins: tuple[str, ...]) -> str:
    text_a, text_b = (
        getattr(a, "surname" if part == "surname" else "given_names"),
        getattr(b, "surname" if part == "surname" else "given_names"),
    )
    if not text_a.strip() or not text_b.strip():
        return MISSING
    prefix = "surname" if part == "surname" else "given"
    if a.derived(f"{prefix}_clean", "") == b.derived(f"{prefix}_clean", ""):
        return EXACT
    best = DIFFERENT
    for origin in origins:
        if a.derived(f"{prefix}_forms", origin) & b.derived(f"{prefix}_forms", origin):
            return TRANSLIT_EQUAL
        if part == "surname":
            variant = bool(a.derived("surname_stem", origin) & b.derived("surname_stem", origin))
        else:
            # One record writes only the first of several given names (not: VAN DUNG / VAN HUNG).
            single = len(name_words(text_a)) == 1 or len(name_words(text_b)) == 1
            variant = single and bool(a.derived("given_first_forms", origin) & b.derived("given_first_forms", origin))
        if variant:
            best = VARIANT
        elif _NAME_RANK[best] > _NAME_RANK[CLOSE] and (
            _close(a.derived(f"{prefix}_primary", origin), b.derived(f"{prefix}_primary", origin))
            or _close(a.derived(f"{prefix}_plain", ""), b.derived(f"{prefix}_plain", ""))
        ):
            best = CLOSE
        elif _NAME_RANK[best] > _NAME_RANK[PHONETIC] and a.derived(f"{prefix}_skeleton", origin) == b.derived(
            f"{prefix}_skeleton", origin
        ):
            best = PHONETIC
    return best


def _loosely_equal(x: str, y: str, origin: str, *, surnames: bool) -> bool:
    """Two name fields are one name at the translit, stem or phonetic level (for swap detection)."""
    if given_name_forms(x, origin) & given_name_forms(y, origin):
        return True
    words_x, words_y = name_words(x), name_words(y)
    if not words_x or not words_y:
        return False
    if surnames and surname_stem(x, origin) == surname_stem(y, origin):
        return True
    return len(words_x) == len(words_y) and skeleton(words_x[0], origin) == skeleton(words_y[0], origin)


def _names_swapped(a: RecordView, b: RecordView, origins: tuple[str, ...]) -> bool:
    """The surname of one record is the given name of the other and vice versa (ТХИ ХОА | ФАМ against
    PHAM | THI HOA; БАХОДИР | ХОДЖАЕВ against ХУЖАЕВ | БАХОДИР)."""
    # Either record may be the swapped one: the surnames (compared with their stems) are then a's
    # given name and b's surname, or a's surname and b's given name. Both are tried, so that the
    # answer does not depend on which record comes first.
    for origin in origins:
        if _loosely_equal(a.given_names, b.surname, origin, surnames=True) and _loosely_equal(
            a.surname, b.given_names, origin, surnames=False
        ):
            return True
        if _loosely_equal(a.surname, b.given_names, origin, surnames=True) and _loosely_equal(
            a.given_names, b.surname, origin, surnames=False
        ):
            return True
    return False


def _close(x: str, y: str) -> bool:
    """A typo apart: Jaro-Winkler at least CLOSE_SIMILARITY, or one edit in a name of 4+ letters."""
    if not x or not y:
        return False
    return jaro_winkler(x, y) >= CLOSE_SIMILARITY or (min(len(x), len(y)) >= 4 and within_one_edit(x, y))


def compare_patronymic(a: RecordView, b: RecordView, origins: tuple[str, ...]) -> str:
    if not a.patronymic.strip() or not b.patronymic.strip():
        return MISSING
    if _clean(a.patronymic) == _clean(b.patronymic):
        return EXACT
    best = DIFFERENT
    for origin in origins:
        fathers_a = {a.derived("father", origin), a.derived("father_neutral", origin)} - {""}
        fathers_b = {b.derived("father", origin), b.derived("father_neutral", origin)} - {""}
        if fathers_a & fathers_b:
            return TRANSLIT_EQUAL
        skeletons_a = {skeleton(f, "") for f in fathers_a}
        if skeletons_a & {skeleton(f, "") for f in fathers_b}:
            best = PHONETIC
        elif best == DIFFERENT and any(jaro_winkler(x, y) >= CLOSE_SIMILARITY for x in fathers_a for y in fathers_b):
            best = CLOSE
    return best


def compare_birth_date(a: dt.date | None, b: dt.date | None) -> str:
    if a is None or b is None:
        return MISSING
    if a == b:
        return EXACT
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return DAY_MONTH_SWAPPED
    differ = (a.year != b.year) + (a.month != b.month) + (a.day != b.day)
    if differ == 1:
        if a.year != b.year:
            # A year typo: one digit (1987 / 1978 is two, and a decade is another person).
            year_a, year_b = str(a.year), str(b.year)
            if abs(a.year - b.year) == 1 or sum(x != y for x, y in zip(year_a, year_b, strict=True)) == 1:
                return ONE_OFF
            return DIFFERENT
        return ONE_OFF
    return DIFFERENT


def compare_document(a: RecordView, b: RecordView) -> str:
    if not a.document_number or not b.document_number:
        return MISSING
    # Numbers of different kinds of document (a passport, a migration card) say nothing about each other.
    if a.document_type and b.document_type and a.document_type != b.document_type:
        return MISSING
    if a.document_number == b.document_number:
        return EXACT
    if within_one_edit(a.document_number, b.document_number):
        return ONE_EDIT
    return DIFFERENT


def _exact_or_different(a: str, b: str) -> str:
    if not a or not b:
        return MISSING
    return EXACT if a == b else DIFFERENT


def _name_levels(a: RecordView, b: RecordView, origins: tuple[str, ...]) -> tuple[str, str, str]:
    """Surname, given-name and patronymic levels: a function of the six name strings and the origins."""
    surname = _name_level(a, b, "surname", origins)
    given = _name_level(a, b, "given_names", origins)
    weak = _NAME_RANK[surname] > _NAME_RANK[CLOSE] or _NAME_RANK[given] > _NAME_RANK[CLOSE]
    if weak and surname != MISSING and given != MISSING and _names_swapped(a, b, origins):
        # One agreement, not two: the surname carries the swap, the given name counts as unknown.
        surname, given = SWAPPED, MISSING
    return surname, given, compare_patronymic(a, b, origins)


class NameLevelMemo(dict):
    """Name levels already computed in one linking run, per field, by the two spellings compared.

    Name comparison is nearly all the cost of a pair, and the same spellings meet again and again
    (a person's five records carry two or three spellings; KARIMOV meets Каримов in every Karimov
    family), so a run compares each pair of spellings of a field once: by field rather than by all
    six name strings together, which on a million records halves the time of the comparison.
    Levels are symmetric, so a pair of spellings is one key in either order. Scoped to one run, not
    global, so that a long-lived worker does not grow it without bound.
    """


def _ordered(x: str, y: str) -> tuple[str, str]:
    return (x, y) if x <= y else (y, x)


def _name_levels_memoized(
    a: RecordView, b: RecordView, origins: tuple[str, ...], memo: NameLevelMemo
) -> tuple[str, str, str]:
    """`_name_levels`, each field's level looked up in or added to the run's memo."""
    key = ("surname", *_ordered(a.surname, b.surname), origins)
    surname = memo.get(key)
    if surname is None:
        surname = memo[key] = _name_level(a, b, "surname", origins)
    key = ("given", *_ordered(a.given_names, b.given_names), origins)
    given = memo.get(key)
    if given is None:
        given = memo[key] = _name_level(a, b, "given_names", origins)
    key = ("patronymic", *_ordered(a.patronymic, b.patronymic), origins)
    patronymic = memo.get(key)
    if patronymic is None:
        patronymic = memo[key] = compare_patronymic(a, b, origins)
    weak = _NAME_RANK[surname] > _NAME_RANK[CLOSE] or _NAME_RANK[given] > _NAME_RANK[CLOSE]
    if weak and surname != MISSING and given != MISSING:
        first, second = (a.surname, a.given_names), (b.surname, b.given_names)
        key = ("swapped", *((first, second) if first <= second else (second, first)), origins)
        swapped = memo.get(key)
        if swapped is None:
            swapped = memo[key] = _names_swapped(a, b, origins)
        if swapped:
            return SWAPPED, MISSING, patronymic
    return surname, given, patronymic


def compare(a: RecordView, b: RecordView, memo: NameLevelMemo | None = None) -> dict[str, str]:
    """The comparison level of every field for one pair of records."""
    return dict(zip(FIELDS, compare_pattern(a, b, memo), strict=True))


def compare_pattern(a: RecordView, b: RecordView, memo: NameLevelMemo | None = None) -> tuple[str, ...]:
    """`compare` as a tuple of levels in FIELDS order: what a run counts and scores per pair."""
    origins = pair_origins(a, b)
    if memo is None:
        surname, given, patronymic = _name_levels(a, b, origins)
    else:
        surname, given, patronymic = _name_levels_memoized(a, b, origins, memo)
    return (
        surname,
        given,
        patronymic,
        compare_birth_date(a.birth_date, b.birth_date),
        _exact_or_different(a.sex, b.sex),
        _exact_or_different(a.citizenship, b.citizenship),
        compare_document(a, b),
        _exact_or_different(a.phone, b.phone),
        _exact_or_different(a.tax_id, b.tax_id),
    )


def field_values(record: RecordView, field_name: str) -> str:
    """The value of a field as the explanation shows it."""
    value = getattr(record, field_name)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value or ""
