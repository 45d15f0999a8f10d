"""Blocking: which pairs are worth scoring.

The same keys serve the full re-link (records against records, in memory) and incremental linking
(new records against existing persons, in SQL on indexed columns):

* document number (SourceRecord.document_number, IdentityDocument.number_normalized);
* birth date + the first letters of the surname key (Person.birth_date, PersonNameKey.key prefix);
* birth date + citizenship: script-independent, for names whose spellings share no prefix
  (Акопян / HAKOBYAN, Чжан / ZHANG);
* surname key + given-name key, order-free so that swapped names meet (PersonNameKey.key), split by
  birth year and by birth day so that a block of "Karimov Jasur" stays small;
* phone (Person.phone);
* tax id (in memory only: SourceRecord.tax_id has no index yet, see the report in BENCHMARKS.md).

A block larger than `MAX_BLOCK` says nothing useful (a birth date shared by thousands of records)
and is skipped: the other keys still bring the true matches together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from linkage.compare import RecordView
from linkage.normalize import name_words
from profiles.names import name_key

MAX_BLOCK = 400
SURNAME_PREFIX = 2


def surname_key(view: RecordView) -> str:
    words = name_words(view.surname)
    return name_key(words[0]) if words else ""


def given_key(view: RecordView) -> str:
    words = name_words(view.given_names)
    return name_key(words[0]) if words else ""


def blocking_keys(view: RecordView) -> list[tuple]:
    keys: list[tuple] = []
    if view.document_number:
        keys.append(("doc", view.document_number))
    surname, given = surname_key(view), given_key(view)
    if view.birth_date is not None:
        if surname:
            keys.append(("dob_surname", view.birth_date, surname[:SURNAME_PREFIX]))
            if given:
                # Swapped names: the given name's prefix where the surname's should be.
                keys.append(("dob_surname", view.birth_date, given[:SURNAME_PREFIX]))
        if view.citizenship:
            keys.append(("dob_citizenship", view.birth_date, view.citizenship))
    if surname and given:
        pair = tuple(sorted((surname, given)))
        keys.append(("names", *pair))
        if view.birth_date is not None:
            keys.append(("names_year", *pair, view.birth_date.year))
            keys.append(("names_day", *pair, view.birth_date.month, view.birth_date.day))
    if view.phone:
        keys.append(("phone", view.phone))
    if view.tax_id:
        keys.append(("tax_id", view.tax_id))
    return keys


def blocks(views: Sequence[RecordView]) -> dict[tuple, list[int]]:
    index: dict[tuple, list[int]] = defaultdict(list)
    for position, view in enumerate(views):
        for key in blocking_keys(view):
            index[key].append(position)
    return index


def candidate_pairs(views: Sequence[RecordView], *, max_block: int = MAX_BLOCK) -> Iterator[tuple[int, int]]:
    """Every pair of records sharing a blocking key, once, as (i, j) with i < j."""
    seen: set[int] = set()
    n = len(views)
    for members in blocks(views).values():
        if len(members) < 2 or len(members) > max_block:
            continue
        for x in range(len(members)):
            i = members[x]
            for y in range(x + 1, len(members)):
                j = members[y]
                key = i * n + j if i < j else j * n + i
                if key not in seen:
                    seen.add(key)
                    yield (i, j) if i < j else (j, i)


def pairs_for_kind(
    views: Sequence[RecordView], kind: str, *, max_block: int = MAX_BLOCK, limit: int = 100_000
) -> list[tuple[int, int]]:
    """Pairs sharing one kind of key (an EM session's blocking rule), at most `limit` of them."""
    index: dict[tuple, list[int]] = defaultdict(list)
    for position, view in enumerate(views):
        for key in blocking_keys(view):
            if key[0] == kind:
                index[key].append(position)
    pairs: set[tuple[int, int]] = set()
    for members in index.values():
        if len(members) > max_block:
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                pairs.add((i, j) if i < j else (j, i))
                if len(pairs) >= limit:
                    return sorted(pairs)
    return sorted(pairs)


# --- Incremental: the same keys, in SQL on indexed columns ----------------------------------------

SQL_CHUNK = 500
# At most this many persons per name pair: a block of thousands of "Karimov Jasur" finds nothing the
# birth date and document keys do not (and the person_name_key_idx lookup stays cheap).
MAX_PERSONS_PER_NAME_PAIR = 50


def candidate_person_ids(views: Sequence[RecordView]) -> set[int]:
    """Persons that new records block with, found on indexed columns (a few queries per 500 records).

    Document number: SourceRecord.document_number (source_record_document_idx) and
    IdentityDocument.number_normalized (document_number_idx); birth date (person_birth_date_idx)
    with citizenship, or with a surname-key prefix (person_name_key_idx, varchar_pattern_ops);
    surname key + given-name key (person_name_key_idx); phone (person_phone_idx).
    """
    from django.db.models import Q

    from profiles.models import IdentityDocument, Person, PersonNameKey, SourceRecord

    found: set[int] = set()
    for start in range(0, len(views), SQL_CHUNK):
        chunk = views[start : start + SQL_CHUNK]
        documents = {v.document_number for v in chunk if v.document_number}
        if documents:
            found |= set(
                SourceRecord.objects.filter(document_number__in=documents, person__isnull=False).values_list(
                    "person_id", flat=True
                )
            )
            found |= set(
                IdentityDocument.objects.filter(number_normalized__in=documents).values_list("person_id", flat=True)
            )
        phones = {v.phone for v in chunk if v.phone}
        if phones:
            found |= set(Person.objects.filter(phone__in=phones).values_list("id", flat=True))
        by_date = Q()
        for view in chunk:
            if view.birth_date is None:
                continue
            if view.citizenship:
                by_date |= Q(birth_date=view.birth_date, citizenship_id=view.citizenship)
            for key in {surname_key(view)[:SURNAME_PREFIX], given_key(view)[:SURNAME_PREFIX]} - {""}:
                by_date |= Q(birth_date=view.birth_date, name_keys__key__startswith=key)
        if by_date:
            found |= set(Person.objects.filter(by_date).values_list("id", flat=True).distinct())
        name_pairs = {(surname_key(v), given_key(v)) for v in chunk if surname_key(v) and given_key(v)}
        if name_pairs:
            keys = {key for pair in name_pairs for key in pair}
            holders: dict[str, set[int]] = defaultdict(set)
            for person_id, key in PersonNameKey.objects.filter(key__in=keys).values_list("person_id", "key"):
                holders[key].add(person_id)
            for surname, given in name_pairs:
                both = holders[surname] & holders[given]
                if len(both) <= MAX_PERSONS_PER_NAME_PAIR:
                    found |= both
    return found
