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

Two kinds of block pair only some of their members (`_pairs_wanted`): names without a birth date
pair a record that states none, and birth date + citizenship pairs records written in two scripts.

A block larger than `MAX_BLOCK` says nothing useful (a birth date shared by thousands of records)
and is skipped: the other keys still bring the true matches together.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain, combinations

from linkage.compare import RecordView
from linkage.normalize import name_words
from profiles.names import name_key

MAX_BLOCK = 400
SURNAME_PREFIX = 2


def surname_key(view: RecordView) -> str:
    return _first_word_key(view.surname)


def given_key(view: RecordView) -> str:
    return _first_word_key(view.given_names)


@lru_cache(maxsize=200_000)
def _first_word_key(name: str) -> str:
    """The key of a name's first word. Cached by spelling: a million records carry a few tens of
    thousands of spellings (1.2 of blocking's 8.7 s went to working them out again)."""
    words = name_words(name)
    return name_key(words[0]) if words else ""


def blocking_keys(view: RecordView) -> list[tuple]:
    keys: list[tuple] = []
    if view.document_number:
        keys.append(("doc", view.document_number))
    surname, given = surname_key(view), given_key(view)
    if view.birth_date is not None:
        if surname:
            keys.append(("dob_surname", view.birth_date, surname[:SURNAME_PREFIX]))
            if given and given[:SURNAME_PREFIX] != surname[:SURNAME_PREFIX]:
                # Swapped names: the given name's prefix where the surname's should be. Not the same
                # key twice (KARIM KARIMOV): a record twice in a block was paired with itself.
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


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")


def name_script(view: RecordView) -> str:
    """ "cyrillic" or "latin" by the letters of the names; "" when neither (no name, another script)."""
    text = view.surname + view.given_names
    if _CYRILLIC.search(text):
        return "cyrillic"
    return "latin" if _LATIN.search(text) else ""


def _pairs_wanted(kind: str, members: list[int], views: Sequence[RecordView]) -> Iterable[tuple[int, int]]:
    """The pairs of one block worth scoring, each as (i, j) with i < j (`members` are in ascending
    order). Two kinds of block hold many pairs that another key already brings together or that
    cannot be a match, and these are left out:

    * a name pair without a birth date (`names`) is for records that state no birth date; two dated
      records of one name meet in `names_year` or `names_day` whenever their dates differ in one part
      at most, and dates differing in two parts are two people;
    * birth date + citizenship is for names whose spellings in two scripts share no prefix (Акопян /
      HAKOBYAN, Чжан / ZHANG): two records written in one script meet on the surname prefix.

    On a million generated records these rules drop 10.7 of 13.2 million pairs, none of them a pair
    of one person that no other key brings together (the 200 such pairs of birth date + citizenship
    are all across scripts, and kept).
    """
    if kind == "names":
        undated = [m for m in members if views[m].birth_date is None]
        if not undated:
            return ()
        dated = [m for m in members if views[m].birth_date is not None]
        return _ordered_pairs(_names_pairs(undated, dated))
    if kind == "dob_citizenship":
        scripts = [name_script(views[m]) for m in members]
        if scripts[0] and scripts.count(scripts[0]) == len(scripts):
            return ()  # one script throughout: the surname prefix brings these together
        return _across_scripts(members, scripts)
    return combinations(members, 2)


def _names_pairs(undated: list[int], dated: list[int]) -> Iterator[tuple[int, int]]:
    for x, i in enumerate(undated):
        for j in undated[x + 1 :]:
            yield i, j
        for j in dated:
            yield i, j


def _across_scripts(members: list[int], scripts: list[str]) -> Iterator[tuple[int, int]]:
    for x, i in enumerate(members):
        for y in range(x + 1, len(members)):
            if scripts[x] != scripts[y] or not scripts[x]:
                yield i, members[y]


def _ordered_pairs(pairs: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    return ((i, j) if i < j else (j, i) for i, j in pairs)


def candidate_pairs(views: Sequence[RecordView], *, max_block: int = MAX_BLOCK) -> Iterator[tuple[int, int]]:
    """Every pair of records sharing a blocking key (and wanted by `_pairs_wanted`), once, as (i, j)
    with i < j, in the order the blocks first bring them together.

    The pairs of all blocks are chained and deduplicated by one dict, so the loop over a million
    records' six million block pairs runs in C (6.1 s in a Python loop with a set of seen pairs)."""
    wanted = (
        _pairs_wanted(key[0], members, views)
        for key, members in blocks(views).items()
        if 2 <= len(members) <= max_block
    )
    return iter(dict.fromkeys(chain.from_iterable(wanted)))


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
    from django.db import connection

    from profiles.models import Person

    if not views or not Person.objects.exists():
        return set()  # a registry's first delivery: nothing to look up
    if connection.vendor == "postgresql":
        return _candidate_person_ids_postgresql(views)
    return _candidate_person_ids_orm(views)


def _candidate_person_ids_orm(views: Sequence[RecordView]) -> set[int]:
    from django.db.models import Q

    from profiles.models import IdentityDocument, Person, PersonNameKey, RecordLink

    found: set[int] = set()
    for start in range(0, len(views), SQL_CHUNK):
        chunk = views[start : start + SQL_CHUNK]
        documents = {v.document_number for v in chunk if v.document_number}
        if documents:
            found |= set(
                RecordLink.objects.filter(record__document_number__in=documents).values_list("person_id", flat=True)
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


POSTGRESQL_CHUNK = 20_000


def _candidate_person_ids_postgresql(views: Sequence[RecordView]) -> set[int]:
    """The same keys as `candidate_person_ids`, as one query per 20,000 records: the keys travel as
    arrays and are joined with `unnest`, where an OR of a Q per record costs more to build and to plan
    than to run (100 of 120 seconds for 100,000 records)."""
    from django.db import connection

    from profiles.models import IdentityDocument, Person, PersonNameKey, RecordLink, SourceRecord

    tables = {
        "record": SourceRecord._meta.db_table,
        "link": RecordLink._meta.db_table,
        "document": IdentityDocument._meta.db_table,
        "person": Person._meta.db_table,
        "name_key": PersonNameKey._meta.db_table,
        "citizenship": Person._meta.get_field("citizenship").column,
    }
    # Table names come from the models; every value is a bound array parameter.
    sql = """
        SELECT l.person_id FROM {record} r JOIN {link} l ON l.record_id = r.id
            WHERE r.document_number = ANY(%(documents)s)
        UNION SELECT person_id FROM {document} WHERE number_normalized = ANY(%(documents)s)
        UNION SELECT id FROM {person} WHERE phone = ANY(%(phones)s)
        UNION SELECT p.id FROM {person} p
            JOIN unnest(%(born)s::date[], %(citizenships)s::text[]) AS k(born, citizenship)
            ON p.birth_date = k.born AND p.{citizenship} = k.citizenship
        UNION SELECT p.id FROM {person} p
            JOIN unnest(%(prefix_born)s::date[], %(prefixes)s::text[]) AS k(born, prefix) ON p.birth_date = k.born
            JOIN {name_key} nk ON nk.person_id = p.id AND starts_with(nk.key, k.prefix)
        UNION SELECT person_id FROM (
            SELECT a.person_id, count(*) OVER (PARTITION BY k.surname, k.given) AS holders
            FROM unnest(%(surnames)s::text[], %(givens)s::text[]) AS k(surname, given)
            JOIN {name_key} a ON a.key = k.surname
            JOIN {name_key} b ON b.person_id = a.person_id AND b.key = k.given
        ) AS by_names WHERE holders <= %(max_holders)s
    """.format(**tables)  # noqa: S608
    found: set[int] = set()
    for start in range(0, len(views), POSTGRESQL_CHUNK):
        documents, phones = set(), set()
        by_citizenship: set[tuple] = set()
        by_prefix: set[tuple] = set()
        name_pairs: set[tuple[str, str]] = set()
        for view in views[start : start + POSTGRESQL_CHUNK]:
            if view.document_number:
                documents.add(view.document_number)
            if view.phone:
                phones.add(view.phone)
            surname, given = surname_key(view), given_key(view)
            if view.birth_date is not None:
                if view.citizenship:
                    by_citizenship.add((view.birth_date, view.citizenship))
                for key in {surname[:SURNAME_PREFIX], given[:SURNAME_PREFIX]} - {""}:
                    by_prefix.add((view.birth_date, key))
            if surname and given:
                name_pairs.add((surname, given))
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    "documents": sorted(documents),
                    "phones": sorted(phones),
                    "born": [born for born, _ in by_citizenship],
                    "citizenships": [citizenship for _, citizenship in by_citizenship],
                    "prefix_born": [born for born, _ in by_prefix],
                    "prefixes": [prefix for _, prefix in by_prefix],
                    "surnames": [surname for surname, _ in name_pairs],
                    "givens": [given for _, given in name_pairs],
                    "max_holders": MAX_PERSONS_PER_NAME_PAIR,
                },
            )
            found.update(person_id for (person_id,) in cursor.fetchall())
    return found
