"""Field comparators (pure: no database)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from linkage.compare import (
    CLOSE,
    CLOSE_SIMILARITY,
    DAY_MONTH_SWAPPED,
    DIFFERENT,
    EXACT,
    MISSING,
    ONE_EDIT,
    ONE_OFF,
    PHONETIC,
    SWAPPED,
    TRANSLIT_EQUAL,
    VARIANT,
    RecordView,
    compare,
    compare_birth_date,
    compare_pattern,
    jaro_winkler,
    jaro_winkler_at_least,
    within_one_edit,
)


def view(**fields) -> RecordView:
    fields.setdefault("citizenship", "UZB")
    return RecordView(id=fields.pop("id", 1), **fields)


def test_jaro_winkler_matches_the_published_examples():
    assert jaro_winkler("MARTHA", "MARHTA") == pytest.approx(0.9611, abs=1e-4)
    assert jaro_winkler("DWAYNE", "DUANE") == pytest.approx(0.84, abs=1e-2)
    assert jaro_winkler("DIXON", "DICKSONX") == pytest.approx(0.8133, abs=1e-4)
    assert jaro_winkler("", "ABC") == 0.0
    assert jaro_winkler("ABC", "ABC") == 1.0


def test_one_edit_covers_a_replacement_an_insertion_a_deletion_and_a_swap():
    assert within_one_edit("FA1234567", "FA1234568")
    assert within_one_edit("FA1234567", "FA123456")
    assert within_one_edit("FA1234567", "FA12345677")
    assert within_one_edit("FA1234567", "FA1243567")
    assert not within_one_edit("FA1234567", "FA1243568")


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("КАРИМОВ", "КАРИМОВ", EXACT),
        ("КАРИМОВ", "KARIMOV", TRANSLIT_EQUAL),
        ("КАРИМОВА", "KARIMOV", VARIANT),
        ("РАХМОНЗОДА", "RAHMONOV", VARIANT),
        ("КАРИОВ", "КАРИМОВ", CLOSE),
        ("ИБРАГИМОВ", "ИБРОҲИМОВ", PHONETIC),
        ("КАРИМОВ", "ТУРСУНОВ", DIFFERENT),
        ("", "KARIMOV", MISSING),
    ],
)
def test_surname_levels(a, b, level):
    levels = compare(view(surname=a, given_names="ЖАСУР"), view(id=2, surname=b, given_names="JASUR"))
    assert levels["surname"] == level


def test_given_names_compare_across_scripts_and_name_forms():
    levels = compare(
        view(surname="S", given_names="Олександр", citizenship="UKR"), view(surname="S", given_names="Александр")
    )
    assert levels["given_names"] == TRANSLIT_EQUAL


def test_swapped_surname_and_given_name_are_detected_and_counted_once():
    levels = compare(view(surname="ЖАСУР", given_names="КАРИМОВ"), view(id=2, surname="KARIMOV", given_names="JASUR"))
    assert levels["surname"] == SWAPPED
    assert levels["given_names"] == MISSING


def test_a_swap_is_found_whichever_record_comes_first():
    # The de-russified surname (Сафарзода) stands in the given-name field of one record only.
    swapped = view(surname="ПАРВИЗ", given_names="САФАРЗОДА", citizenship="TJK")
    plain = view(id=2, surname="САФАРОВ", given_names="ПАРВИЗ", citizenship="TJK")
    assert compare(swapped, plain)["surname"] == SWAPPED
    assert compare(plain, swapped)["surname"] == SWAPPED


def test_the_run_memo_gives_every_pair_the_levels_computed_without_it():
    from linkage.compare import NameLevelMemo, compare_pattern

    records = [
        view(id=1, surname="ПАРВИЗ", given_names="САФАРЗОДА", citizenship="TJK"),
        view(id=2, surname="САФАРОВ", given_names="ПАРВИЗ", citizenship="TJK"),
        view(id=3, surname="KARIMOV", given_names="JASUR", patronymic="BAHODIR O'G'LI", citizenship="UZB"),
        view(id=4, surname="Каримов", given_names="Жасур", patronymic="Баходирович", citizenship="UZB"),
        view(id=5, surname="KARIMOVA", given_names="DILNOZA", citizenship="UZB"),
    ]
    memo = NameLevelMemo()
    for a in records:
        for b in records:
            # Twice each, in both orders: the second answer comes from the memo.
            assert compare_pattern(a, b, memo) == compare_pattern(a, b)
            assert compare_pattern(b, a, memo) == compare_pattern(a, b)


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        (dt.date(1990, 5, 7), dt.date(1990, 5, 7), EXACT),
        (dt.date(1990, 5, 7), dt.date(1990, 7, 5), DAY_MONTH_SWAPPED),
        (dt.date(1990, 5, 7), dt.date(1990, 5, 8), ONE_OFF),
        (dt.date(1990, 5, 7), dt.date(1991, 5, 7), ONE_OFF),
        (dt.date(1990, 5, 7), dt.date(1980, 5, 7), ONE_OFF),
        (dt.date(1990, 5, 7), dt.date(1975, 5, 7), DIFFERENT),
        (dt.date(1990, 5, 7), dt.date(1991, 6, 7), DIFFERENT),
        (None, dt.date(1990, 5, 7), MISSING),
    ],
)
def test_birth_date_levels(a, b, level):
    assert compare_birth_date(a, b) == level


def test_document_levels_and_documents_of_another_kind_say_nothing():
    a = view(document_type="passport", document_number="FA1234567")
    assert compare(a, view(id=2, document_type="passport", document_number="FA1234567"))["document_number"] == EXACT
    assert compare(a, view(id=2, document_type="passport", document_number="FA1234568"))["document_number"] == ONE_EDIT
    assert compare(a, view(id=2, document_type="passport", document_number="AA7654321"))["document_number"] == DIFFERENT
    assert compare(a, view(id=2, document_type="vnzh", document_number="AA7654321"))["document_number"] == MISSING


def test_sex_citizenship_phone_and_tax_id_are_exact_or_different():
    levels = compare(
        view(sex="M", phone="+79161234567", tax_id="770123456789"),
        view(id=2, sex="F", citizenship="TJK", phone="+79161234567", tax_id=""),
    )
    assert levels["sex"] == DIFFERENT
    assert levels["citizenship"] == DIFFERENT
    assert levels["phone"] == EXACT
    assert levels["tax_id"] == MISSING


def test_patronymic_forms_agree_on_the_father():
    levels = compare(view(patronymic="БАХОДИРОВИЧ"), view(id=2, patronymic="BAHODIR O'G'LI"))
    assert levels["patronymic"] == TRANSLIT_EQUAL


def test_comparison_split_over_processes_gives_every_pair_the_sequential_pattern():
    from linkage.blocking import candidate_pairs
    from linkage.model import compare_pairs
    from profiles.demo.generator import generate_people

    nodes = [
        RecordView(
            id=n,
            surname=record.surname,
            given_names=record.given_names,
            patronymic=record.patronymic,
            birth_date=record.birth_date,
            sex=record.sex,
            citizenship=record.citizenship or "",
            document_type=record.document_type,
            document_number=record.document_number,
            phone=record.phone,
            tax_id=record.tax_id,
        )
        for n, record in enumerate(r for bundle in generate_people(7, range(150)) for r in bundle.records)
    ]
    pairs = list(candidate_pairs(nodes))
    assert len(pairs) > 500

    patterns, ids, memo = compare_pairs(nodes, pairs, workers=1)
    parallel_patterns, parallel_ids, _ = compare_pairs(nodes, pairs, workers=2)

    sequential = [patterns[i] for i in ids]
    assert [parallel_patterns[i] for i in parallel_ids] == sequential
    assert sequential == [compare_pattern(nodes[i], nodes[j]) for i, j in pairs]
    assert len(memo) > 0


def test_a_run_given_its_parameters_compares_in_parallel_from_fewer_pairs():
    import os

    from linkage.model import PARALLEL_PAIRS, PARALLEL_PAIRS_NOT_ESTIMATING, comparison_workers

    between = (PARALLEL_PAIRS + PARALLEL_PAIRS_NOT_ESTIMATING) // 2
    # A run that estimates its model needs the name levels back from the comparison: it stays here.
    assert comparison_workers(between, estimating=True) == 1
    assert comparison_workers(between, estimating=False) == max(os.cpu_count() or 1, 1)
    assert comparison_workers(PARALLEL_PAIRS_NOT_ESTIMATING - 1, estimating=False) == 1


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("AAB", "ABA", 0.6),  # window 0: only the first letters match
        ("BANANA", "ABNANA", 0.9444),  # each repeated letter matched once, to its first free partner
        ("ABC", "XYZ", 0.0),
    ],
)
def test_jaro_winkler_with_repeated_letters(a, b, expected):
    assert jaro_winkler(a, b) == pytest.approx(expected, abs=1e-4)
    assert jaro_winkler(b, a) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("AB1234567", "AB1234576", True),  # neighbours swapped
        ("AB1234567", "AB1243576", False),  # two swaps
        ("AB1234567", "AB1234597", True),  # one replaced
        ("AB1234567", "AB9234597", False),  # two replaced, apart
        ("AB1234567", "AB123457", True),  # one deleted
        ("AB1234567", "AB12345678", True),  # one inserted at the end
        ("AB1234567", "AB12345", False),
    ],
)
def test_within_one_edit(a, b, expected):
    assert within_one_edit(a, b) is expected
    assert within_one_edit(b, a) is expected


def _one_edit_spellings(a: str, alphabet: str) -> set[str]:
    """Every spelling one deletion, insertion, replacement or swap of neighbours away from `a`."""
    spellings = {a[:i] + a[i + 1 :] for i in range(len(a))}
    spellings |= {a[:i] + c + a[i:] for i in range(len(a) + 1) for c in alphabet}
    spellings |= {a[:i] + c + a[i + 1 :] for i in range(len(a)) for c in alphabet}
    spellings |= {a[:i] + a[i + 1] + a[i] + a[i + 2 :] for i in range(len(a) - 1)}
    return spellings | {a}


def test_within_one_edit_is_exactly_the_spellings_one_edit_away():
    rng = random.Random(7)
    alphabet = "ABКА"  # Latin and Cyrillic look-alikes stay different letters
    for _ in range(300):
        a = "".join(rng.choices(alphabet, k=rng.randint(0, 6)))
        near = _one_edit_spellings(a, alphabet)
        for b in list(near)[:20] + ["".join(rng.choices(alphabet, k=rng.randint(0, 7))) for _ in range(20)]:
            assert within_one_edit(a, b) is (b in near), (a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # An odd number of transpositions: rapidfuzz halves it with integer division and scores these
        # above the threshold, the exact Jaro-Winkler below (names a million generated records compare).
        ("MIRZAEVA", "MIRZOEVA"),
        ("ABDULOEVA", "ABDULAEVA"),
        ("KANKEI", "KANIKEI"),
        ("MARTHA", "MARHTA"),
        ("КАРИМОВ", "КАРИОВ"),
    ],
)
def test_jaro_winkler_at_least_is_the_exact_comparison(a, b):
    assert jaro_winkler_at_least(a, b) is (jaro_winkler(a, b) >= CLOSE_SIMILARITY)
    assert jaro_winkler_at_least(b, a) is (jaro_winkler(b, a) >= CLOSE_SIMILARITY)


def test_jaro_winkler_at_least_agrees_with_the_exact_score_on_random_names():
    # Few letters, so that matches, transpositions and shared prefixes are frequent.
    rng = random.Random(11)
    alphabet = "AEIKMORSV"
    agreed_above = 0
    for _ in range(20_000):
        a = "".join(rng.choices(alphabet, k=rng.randint(1, 12)))
        b = list(a)
        for _ in range(rng.randint(0, 3)):
            i = rng.randrange(len(b))
            b[i] = rng.choice(alphabet)
        if rng.random() < 0.5 and len(b) > 1:
            i = rng.randrange(len(b) - 1)
            b[i], b[i + 1] = b[i + 1], b[i]
        b = "".join(b)
        for threshold in (CLOSE_SIMILARITY, 0.85, 0.5):
            exact = jaro_winkler(a, b) >= threshold
            assert jaro_winkler_at_least(a, b, threshold) is exact, (a, b, threshold)
            agreed_above += exact
    assert agreed_above > 1_000  # the pairs reach both sides of the thresholds


def test_folded_forms_are_kept_per_spelling_and_the_store_stays_bounded(monkeypatch):
    from linkage import compare as module

    monkeypatch.setattr(module, "_derived_forms", {})
    monkeypatch.setattr(module, "DERIVED_FORMS_LIMIT", 3)
    first, second = view(surname="КАРИМОВ"), view(surname="КАРИМОВ")
    forms = first.derived("surname_forms", "UZB")
    # Another record of the same spelling gets the very same forms, not forms worked out again.
    assert second.derived("surname_forms", "UZB") is forms
    for surname in ("ХОДЖАЕВ", "РАХМОНОВ", "ЮСУПОВ", "АКОПЯН"):
        view(surname=surname).derived("surname_forms", "UZB")
        assert len(module._derived_forms) <= 3
    assert first.derived("surname_forms", "UZB") == forms
