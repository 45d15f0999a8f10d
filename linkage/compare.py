"""Field comparators: for a pair of records, one comparison level per identity field.

The levels are what the Fellegi–Sunter model (`linkage.model`) estimates m and u probabilities for;
each comparator returns the best level that applies, from strongest to weakest evidence. Pure: no
Django, so the benchmark runs it on generated records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from operator import ne
from typing import Any

from rapidfuzz.distance import OSA
from rapidfuzz.distance import JaroWinkler as FastJaroWinkler

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
        # The first unmatched equal character of b within the window (str.find scans in C).
        end = min(len_b, i + window + 1)
        j = b.find(char, max(0, i - window), end)
        while j != -1 and matched_b[j]:
            j = b.find(char, j + 1, end)
        if j != -1:
            matched_b[j] = True
            matches_a.append(char)
    if not matches_a:
        return 0.0
    matches_b = [char for char, matched in zip(b, matched_b, strict=True) if matched]
    transpositions = sum(map(ne, matches_a, matches_b)) / 2
    m = len(matches_a)
    jaro = (m / len_a + m / len_b + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * prefix_scale * (1 - jaro)


# rapidfuzz adds no prefix bonus at a Jaro of 0.7 or less, where `jaro_winkler` reaches at most this.
_JARO_WINKLER_WITHOUT_FAST_BONUS = 0.7 + 4 * 0.1 * (1 - 0.7)


def jaro_winkler_at_least(a: str, b: str, threshold: float = CLOSE_SIMILARITY) -> bool:
    """`jaro_winkler(a, b) >= threshold`, decided in C for nearly every pair (thresholds above 0.82).

    rapidfuzz's Jaro-Winkler halves the transpositions with integer division (as Winkler's strcmp95
    does) and adds the prefix bonus only above a Jaro of 0.7, so it is never below `jaro_winkler`
    where this one can reach 0.82: a pair it puts under the threshold is under it here too. Only
    the few pairs it puts above are worked out here, exactly (the names of a million records:
    2.8 s of Python for 565,000 pairs, 0.24 s in C).
    """
    if threshold > _JARO_WINKLER_WITHOUT_FAST_BONUS and FastJaroWinkler.similarity(a, b) < threshold - 1e-9:
        # 1e-9: a rounding's margin, where both compute the same score in another order.
        return False
    return jaro_winkler(a, b) >= threshold


def within_one_edit(a: str, b: str) -> bool:
    """True when `b` is `a` with one character inserted, deleted, replaced, or two neighbours swapped:
    an optimal-string-alignment distance of at most 1 (computed in C)."""
    return OSA.distance(a, b, score_cutoff=1) <= 1


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

    def derived(self, kind: str, origin: str) -> Any:
        """A folded form of one of this record's names for one origin (`_DERIVE`)."""
        return derived_form(kind, origin, getattr(self, _DERIVE[kind][0]))


def _clean(text: str) -> str:
    return " ".join(name_words(text.upper()))


def _primary(text: str, origin: str) -> str:
    joiner = "" if origin in CHINESE else " "
    return joiner.join(fold_word(word, origin) for word in name_words(text))


def _first_word_skeleton(text: str, origin: str) -> str:
    return skeleton(name_words(text)[0], origin) if text.strip() else ""


# Each kind of folded form: the name field it is made from, and how.
_DERIVE: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "surname_clean": ("surname", lambda t, o: _clean(t)),
    "given_clean": ("given_names", lambda t, o: _clean(t)),
    "surname_forms": ("surname", name_forms),
    "given_forms": ("given_names", given_name_forms),
    "given_first_forms": (
        "given_names",
        lambda t, o: given_name_forms(name_words(t)[0], o) if t else frozenset(),
    ),
    "surname_stem": ("surname", lambda t, o: frozenset({surname_stem(t, o), surname_stem(t, "")} - {""})),
    "surname_skeleton": ("surname", _first_word_skeleton),
    "given_skeleton": ("given_names", _first_word_skeleton),
    "surname_primary": ("surname", _primary),
    "given_primary": ("given_names", _primary),
    "surname_plain": ("surname", lambda t, o: to_latin(t)),
    "given_plain": ("given_names", lambda t, o: to_latin(t)),
    "father": ("patronymic", father_name),
    "father_neutral": ("patronymic", lambda t, o: father_name(t, "")),
    # Of any name field, for swap detection (`_loosely_equal`).
    "words": ("surname", lambda t, o: tuple(name_words(t))),
    "stem": ("surname", surname_stem),
}
# Folded forms by (kind, origin, spelling). Kept per spelling, not per record: a million records
# carry a few tens of thousands of spellings, and every Karimov's record asked for KARIMOV's forms
# again (a fifth of the comparison's time). Emptied when full, so a long-lived worker stays bounded.
_derived_forms: dict[tuple[str, str, str], Any] = {}
DERIVED_FORMS_LIMIT = 1_000_000


def derived_form(kind: str, origin: str, text: str) -> Any:
    """The `kind` form of the spelling `text` for one origin, worked out once per spelling."""
    key = (kind, origin, text)
    try:
        return _derived_forms[key]
    except KeyError:
        if len(_derived_forms) >= DERIVED_FORMS_LIMIT:
            _derived_forms.clear()
        value = _derived_forms[key] = _DERIVE[kind][1](text, origin)
        return value


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


# Answers of `_loosely_equal` by its arguments: the swap check of a million records' pairs asked a
# million times, with a few spellings each, and each answer took up to eight folded-form lookups.
_loosely_equal_answers: dict[tuple[str, str, str, bool], bool] = {}


def _loosely_equal(x: str, y: str, origin: str, *, surnames: bool) -> bool:
    """Two name fields are one name at the translit, stem or phonetic level (for swap detection)."""
    key = (x, y, origin, surnames)
    answer = _loosely_equal_answers.get(key)
    if answer is None:
        if len(_loosely_equal_answers) >= DERIVED_FORMS_LIMIT:
            _loosely_equal_answers.clear()
        answer = _loosely_equal_answers[key] = _loosely_equal_worked_out(x, y, origin, surnames=surnames)
    return answer


def _loosely_equal_worked_out(x: str, y: str, origin: str, *, surnames: bool) -> bool:
    if derived_form("given_forms", origin, x) & derived_form("given_forms", origin, y):
        return True
    words_x, words_y = derived_form("words", "", x), derived_form("words", "", y)
    if not words_x or not words_y:
        return False
    if surnames and derived_form("stem", origin, x) == derived_form("stem", origin, y):
        return True
    # Forms are kept by spelling: the surname's skeleton kind serves any name field's first word.
    return len(words_x) == len(words_y) and derived_form("surname_skeleton", origin, x) == derived_form(
        "surname_skeleton", origin, y
    )


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
    return jaro_winkler_at_least(x, y) or (min(len(x), len(y)) >= 4 and within_one_edit(x, y))


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
        elif best == DIFFERENT and any(jaro_winkler_at_least(x, y) for x in fathers_a for y in fathers_b):
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


# Levels weaker than CLOSE: a pair with one of them may have its names swapped.
_WEAKER_THAN_CLOSE = frozenset(level for level, rank in _NAME_RANK.items() if rank > _NAME_RANK[CLOSE])


def _name_levels_memoized(
    a: RecordView, b: RecordView, origins: tuple[str, ...], memo: NameLevelMemo
) -> tuple[str, str, str]:
    """`_name_levels`, each field's level looked up in or added to the run's memo. Run for every
    pair of a large file (millions): the keys are built inline, without a call per field."""
    x, y = a.surname, b.surname
    key = ("surname", x, y, origins) if x <= y else ("surname", y, x, origins)
    surname = memo.get(key)
    if surname is None:
        surname = memo[key] = _name_level(a, b, "surname", origins)
    x, y = a.given_names, b.given_names
    key = ("given", x, y, origins) if x <= y else ("given", y, x, origins)
    given = memo.get(key)
    if given is None:
        given = memo[key] = _name_level(a, b, "given_names", origins)
    x, y = a.patronymic, b.patronymic
    key = ("patronymic", x, y, origins) if x <= y else ("patronymic", y, x, origins)
    patronymic = memo.get(key)
    if patronymic is None:
        patronymic = memo[key] = compare_patronymic(a, b, origins)
    if (surname in _WEAKER_THAN_CLOSE or given in _WEAKER_THAN_CLOSE) and surname != MISSING and given != MISSING:
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
    # The one-value fields as `_exact_or_different` compares them, inline: this runs for every pair.
    sex, sex_b = a.sex, b.sex
    citizenship, citizenship_b = a.citizenship, b.citizenship
    phone, phone_b = a.phone, b.phone
    tax_id, tax_id_b = a.tax_id, b.tax_id
    return (
        surname,
        given,
        patronymic,
        EXACT
        if a.birth_date == b.birth_date and a.birth_date is not None
        else compare_birth_date(a.birth_date, b.birth_date),
        (EXACT if sex == sex_b else DIFFERENT) if sex and sex_b else MISSING,
        (EXACT if citizenship == citizenship_b else DIFFERENT) if citizenship and citizenship_b else MISSING,
        compare_document(a, b),
        (EXACT if phone == phone_b else DIFFERENT) if phone and phone_b else MISSING,
        (EXACT if tax_id == tax_id_b else DIFFERENT) if tax_id and tax_id_b else MISSING,
    )


def field_values(record: RecordView, field_name: str) -> str:
    """The value of a field as the explanation shows it."""
    value = getattr(record, field_name)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value or ""
