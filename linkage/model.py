"""The Fellegi–Sunter model: m and u probabilities estimated from the data, match weights, the
hard-negative guards, explanations, and the clustering of scored pairs into persons.

* u (how often a level occurs between two different people) is estimated from random record pairs,
  where almost every pair is two different people;
* m (how often it occurs between two records of one person) is estimated by expectation–maximisation
  with u held fixed, in sessions blocked on one field each (document, birth date, tax id), the blocked
  field taking no part in its own session, as Splink does; the prior λ is the share of matches among
  all blocked pairs, spread over all pairs;
* a pair's match weight is log2 of the prior odds plus the sum of log2(m/u) over its fields, and
  its probability is 2^w / (1 + 2^w);
* agreement on a frequent surname or given name counts log2(m/f) instead, f being the name's share of
  the identities (term-frequency adjustment, downwards only): the table of frequent names is
  estimated with m and u and stored with them.

Weights alone cannot tell twins, relatives and namesakes from one person with a typo: those patterns
are refused by explicit guards (`guard`), which cap what a pair may lead to, whatever its weight.
A false merge is worse than a missed link, so a guarded pair is never linked automatically.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import random
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from linkage.blocking import candidate_pairs, given_key, pairs_for_kind, surname_key
from linkage.compare import (
    CLOSE,
    DIFFERENT,
    EXACT,
    FIELD_LEVELS,
    FIELDS,
    MISSING,
    ONE_EDIT,
    ONE_OFF,
    PHONETIC,
    SWAPPED,
    TRANSLIT_EQUAL,
    VARIANT,
    NameLevelMemo,
    RecordView,
    compare,
    compare_pattern,
    field_values,
)

AUTO_LINK = "auto_link"
REVIEW = "review"
NEW = "new"

# Thresholds on the match probability. Chosen on the benchmark (BENCHMARKS.md, "Record linkage"):
# the upper one keeps pairwise precision above 0.998; below the lower one a record starts a person.
UPPER_THRESHOLD = 0.999
LOWER_THRESHOLD = 0.5

_SMOOTHING = 1.0  # pseudo-count per level, so that a level never seen is not impossible


@dataclass
class ModelParameters:
    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    # λ: the probability that two records drawn at random are one person.
    prior: float
    upper: float = UPPER_THRESHOLD
    lower: float = LOWER_THRESHOLD
    # Per name field, the share of identities bearing each frequent name (see `frequency_adjustments`).
    frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    _weights: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._weights = {
            name: {level: math.log2(self.m[name][level] / self.u[name][level]) for level in FIELD_LEVELS[name]}
            | {MISSING: 0.0}
            for name in FIELDS
        }

    def weight(self, field_name: str, level: str) -> float:
        return self._weights[field_name][level]

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def match_weight(self, levels: dict[str, str]) -> float:
        return self.prior_weight + sum(self._weights[name][levels[name]] for name in FIELDS)

    def as_json(self) -> dict[str, Any]:
        return {
            "m": self.m,
            "u": self.u,
            "prior": self.prior,
            "upper": self.upper,
            "lower": self.lower,
            "frequencies": self.frequencies,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelParameters:
        return cls(
            m=data["m"],
            u=data["u"],
            prior=data["prior"],
            upper=data["upper"],
            lower=data["lower"],
            frequencies=data.get("frequencies", {}),
        )


# Estimated on the 20,000-people benchmark (BENCHMARKS.md): what incremental linking uses until the
# first re-link estimates the registry"s own parameters (stored on its LinkRun).
DEFAULT_PARAMETERS = ModelParameters(
    m={
        "surname": {
            "exact": 0.4663,
            "translit_equal": 0.3354,
            "variant": 0.004681,
            "close": 0.1423,
            "phonetic": 0.002175,
            "swapped": 0.04355,
            "different": 0.005608,
        },
        "given_names": {
            "exact": 0.5876,
            "translit_equal": 0.3888,
            "variant": 3.267e-05,
            "close": 0.01562,
            "phonetic": 0.004076,
            "swapped": 1.663e-05,
            "different": 0.003822,
        },
        "patronymic": {
            "exact": 0.9996,
            "translit_equal": 0.0001928,
            "phonetic": 2.348e-05,
            "close": 2.348e-05,
            "different": 0.0001467,
        },
        "birth_date": {"exact": 0.9797, "day_month_swapped": 0.01984, "one_off": 0.0002066, "different": 0.0002066},
        "sex": {"exact": 0.9999, "different": 0.0001409},
        "citizenship": {"exact": 0.9999, "different": 0.0001401},
        "document_number": {"exact": 0.7528, "one_edit": 0.07352, "different": 0.1737},
        "phone": {"exact": 0.8311, "different": 0.1689},
        "tax_id": {"exact": 0.9913, "different": 0.008714},
    },
    u={
        "surname": {
            "exact": 0.00387,
            "translit_equal": 0.00267,
            "variant": 0.00598,
            "close": 0.00297,
            "phonetic": 0.00087,
            "swapped": 2e-05,
            "different": 0.9836,
        },
        "given_names": {
            "exact": 0.0047,
            "translit_equal": 0.00349,
            "variant": 1e-05,
            "close": 0.00131,
            "phonetic": 0.00048,
            "swapped": 1e-05,
            "different": 0.99,
        },
        "patronymic": {
            "exact": 0.006835,
            "translit_equal": 0.006415,
            "phonetic": 0.001493,
            "close": 0.0005889,
            "different": 0.9847,
        },
        "birth_date": {"exact": 0.0001674, "day_month_swapped": 7.609e-05, "one_off": 0.004094, "different": 0.9957},
        "sex": {"exact": 0.5831, "different": 0.4169},
        "citizenship": {"exact": 0.2873, "different": 0.7127},
        "document_number": {"exact": 5.824e-05, "one_edit": 2.912e-05, "different": 0.9999},
        "phone": {"exact": 0.0002473, "different": 0.9998},
        "tax_id": {"exact": 8.239e-05, "different": 0.9999},
    },
    prior=0.0001299,
)


def probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = 2.0**weight
    return odds / (1 + odds)


# --- Frequent names ------------------------------------------------------------------------------

# Agreeing on a frequent name is weaker evidence than agreeing on a rare one: two men called Karimov
# Jasur born on one day are far likelier to be two people than two called Xudoyberdiyev Ravshanbek.
# As Splink's term-frequency adjustments, but only downwards: a rare name gains nothing (a false
# merge is worse than a missed link).
FREQUENCY_FIELDS: tuple[tuple[str, Any], ...] = (("surname", surname_key), ("given_names", given_key))
FREQUENCY_LEVELS = frozenset({EXACT, TRANSLIT_EQUAL})


def name_frequencies(views: Sequence[RecordView], u: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per name field, the share of identities bearing each name (its folded first word), for the names
    more frequent than the agreement rate u of the field: only those are adjusted, so the table stays
    small (a few hundred names) and goes with the parameters."""
    table: dict[str, dict[str, float]] = {}
    for name, key_of in FREQUENCY_FIELDS:
        counts = Counter(key for key in map(key_of, views) if key)
        total = sum(counts.values())
        floor = u[name][EXACT]
        table[name] = {key: round(n / total, 6) for key, n in counts.items() if total and n / total > floor}
    return table


def name_frequency_of(params: ModelParameters, view: RecordView) -> tuple[float | None, ...]:
    """The frequency of each of the view's names (None: not a frequent name), in FREQUENCY_FIELDS order."""
    return tuple(params.frequencies.get(name, {}).get(key_of(view)) for name, key_of in FREQUENCY_FIELDS)


def frequency_may_adjust(levels: dict[str, str]) -> bool:
    """A name field agrees and no shared document or tax number identifies the pair."""
    if levels["document_number"] == EXACT or levels["tax_id"] == EXACT:
        return False
    return any(levels[name] in FREQUENCY_LEVELS for name, _ in FREQUENCY_FIELDS)


def frequency_adjustments(
    params: ModelParameters, levels: dict[str, str], frequencies: tuple[float | None, ...]
) -> dict[str, float]:
    """Per agreeing name field whose name is frequent (`frequencies` from `name_frequency_of` of
    either record: they agree): log2(u / frequency), a negative weight added to the field's, which so
    weighs log2(m / frequency) instead of log2(m / u). Not when a shared document or tax number
    identifies the pair: the names then corroborate an identifier, they do not identify."""
    adjustments: dict[str, float] = {}
    if not frequency_may_adjust(levels):
        return adjustments
    for (name, _), frequency in zip(FREQUENCY_FIELDS, frequencies, strict=True):
        level = levels[name]
        if frequency is not None and level in FREQUENCY_LEVELS and frequency > params.u[name][level]:
            adjustments[name] = math.log2(params.u[name][level] / frequency)
    return adjustments


# --- Estimation ---------------------------------------------------------------------------------


def _level_counts(patterns: Counter[tuple[str, ...]], weights: dict[tuple[str, ...], float]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {name: Counter() for name in FIELDS}
    for pattern, count in patterns.items():
        share = count * weights.get(pattern, 1.0)
        for name, level in zip(FIELDS, pattern, strict=True):
            if level != MISSING:
                counts[name][level] += share
    return counts


def _normalized(counts: dict[str, Counter]) -> dict[str, dict[str, float]]:
    result = {}
    for name in FIELDS:
        levels = FIELD_LEVELS[name]
        total = sum(counts[name][level] for level in levels) + _SMOOTHING * len(levels)
        result[name] = {level: (counts[name][level] + _SMOOTHING) / total for level in levels}
    return result


def pattern_of(levels: dict[str, str]) -> tuple[str, ...]:
    return tuple(levels[name] for name in FIELDS)


def estimate_u(random_pairs: Iterable[dict[str, str]]) -> dict[str, dict[str, float]]:
    """u from random pairs of records: nearly all of them are two different people."""
    patterns = Counter(pattern_of(levels) for levels in random_pairs)
    return _normalized(_level_counts(patterns, {}))


def sample_random_pairs(views: Sequence[RecordView], count: int, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    pairs = []
    n = len(views)
    if n < 2:
        return pairs
    for _ in range(count):
        i, j = rng.randrange(n), rng.randrange(n)
        if i != j:
            pairs.append(compare(views[i], views[j]))
    return pairs


def _initial_m() -> dict[str, dict[str, float]]:
    """A starting point for EM: matches mostly agree, and the stronger a level the likelier."""
    m = {}
    for name, levels in FIELD_LEVELS.items():
        raw = [0.9 * 0.25**rank for rank in range(len(levels))]
        raw[-1] = 0.02  # DIFFERENT
        total = sum(raw)
        m[name] = {level: value / total for level, value in zip(levels, raw, strict=True)}
    return m


def estimate_m(
    blocked_patterns: Counter[tuple[str, ...]],
    u: dict[str, dict[str, float]],
    *,
    exclude: Iterable[str] = (),
    iterations: int = 40,
    initial_share: float = 0.3,
) -> tuple[dict[str, dict[str, float]], float]:
    """m and the share of matches among the blocked pairs, by EM with u fixed (as Splink does).

    Fields in `exclude` are the ones the pairs were blocked on: their agreement is forced by the
    blocking, so they take no part in this session (their m comes from another session). Works on
    distinct comparison patterns with their counts: a million pairs have a few thousand patterns.
    """
    skip = set(exclude)
    m = _initial_m()
    share = initial_share
    active = [(index, name) for index, name in enumerate(FIELDS) if name not in skip]
    for _ in range(iterations):
        posterior: dict[tuple[str, ...], float] = {}
        for pattern in blocked_patterns:
            log_m = math.log(share)
            log_u = math.log(1 - share)
            for index, name in active:
                level = pattern[index]
                if level != MISSING:
                    log_m += math.log(m[name][level])
                    log_u += math.log(u[name][level])
            posterior[pattern] = 1.0 / (1.0 + math.exp(min(log_u - log_m, 700)))
        total = sum(blocked_patterns.values())
        matched = sum(count * posterior[p] for p, count in blocked_patterns.items())
        new_share = min(max(matched / total, 1e-6), 1 - 1e-6)
        m = _normalized(_level_counts(blocked_patterns, posterior))
        if abs(new_share - share) < 1e-7:
            share = new_share
            break
        share = new_share
    return m, share


# EM sessions, as Splink runs them: each blocks on some fields and estimates the others' m; a
# field's m is the mean over the sessions that estimated it.
EM_SESSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("doc", ("document_number",)),
    ("dob_surname", ("birth_date",)),
    ("tax_id", ("tax_id",)),
)


def estimate_parameters(
    views: Sequence[RecordView],
    blocked_patterns: Counter[tuple[str, ...]],
    *,
    random_pairs: int = 40_000,
    seed: int = 0,
    upper: float = UPPER_THRESHOLD,
    lower: float = LOWER_THRESHOLD,
    memo: NameLevelMemo | None = None,
) -> ModelParameters:
    """u from random pairs; m by EM sessions on single blocking rules; the prior λ from the share of
    matches among all blocked pairs (their comparison patterns with counts). `memo`: the run's name
    levels, since the sessions' pairs are blocked pairs that were compared already."""
    u = estimate_u(sample_random_pairs(views, random_pairs, seed))
    sums: dict[str, dict[str, float]] = {name: dict.fromkeys(FIELD_LEVELS[name], 0.0) for name in FIELDS}
    sessions: dict[str, int] = dict.fromkeys(FIELDS, 0)
    for kind, blocked_on in EM_SESSIONS:
        session: Counter[tuple[str, ...]] = Counter(
            compare_pattern(views[i], views[j], memo) for i, j in pairs_for_kind(views, kind)
        )
        if sum(session.values()) < 50:
            continue
        m_session, _ = estimate_m(session, u, exclude=blocked_on)
        for name in FIELDS:
            if name in blocked_on:
                continue
            sessions[name] += 1
            for level in FIELD_LEVELS[name]:
                sums[name][level] += m_session[name][level]
    initial = _initial_m()
    m = {
        name: {level: sums[name][level] / sessions[name] for level in FIELD_LEVELS[name]}
        if sessions[name]
        else initial[name]
        for name in FIELDS
    }
    # The share of matches among all blocked pairs, with m and u fixed.
    prior_blocked = _match_share(blocked_patterns, m, u)
    n = len(views)
    all_pairs = max(n * (n - 1) / 2, 1)
    prior = min(max(prior_blocked * sum(blocked_patterns.values()) / all_pairs, 1e-12), 0.5)
    return ModelParameters(m=m, u=u, prior=prior, upper=upper, lower=lower, frequencies=name_frequencies(views, u))


def _match_share(patterns: Counter[tuple[str, ...]], m: dict, u: dict, iterations: int = 30) -> float:
    share = 0.1
    for _ in range(iterations):
        matched = 0.0
        for pattern, count in patterns.items():
            log_m, log_u = math.log(share), math.log(1 - share)
            for name, level in zip(FIELDS, pattern, strict=True):
                if level != MISSING:
                    log_m += math.log(m[name][level])
                    log_u += math.log(u[name][level])
            matched += count / (1.0 + math.exp(min(log_u - log_m, 700)))
        share = min(max(matched / max(sum(patterns.values()), 1), 1e-6), 1 - 1e-6)
    return share


# --- Guards -------------------------------------------------------------------------------------

NAME_AGREES = frozenset({EXACT, TRANSLIT_EQUAL, VARIANT, SWAPPED})
NAME_SIMILAR = NAME_AGREES | {PHONETIC, CLOSE}
STRONG_ID = frozenset({EXACT})


@dataclass(frozen=True, slots=True)
class Guard:
    """A hard-negative pattern: `name` says which, `cap` is the most the pair may lead to
    (REVIEW: a person decides; NEW: never linked, and the two records may not share a person)."""

    name: str
    cap: str
    reason: str


def guard(a: RecordView, b: RecordView, levels: dict[str, str]) -> Guard | None:
    """The hard-negative pattern the pair shows, if any, checked from the most to the least severe.

    The weights already count against these pairs; the guards make sure that no combination of
    agreeing fields links them automatically. "Strong id" is an identical document or tax number.
    """
    return guard_of_levels(levels, same_address=bool(a.address and a.address == b.address))


def guard_of_levels(levels: dict[str, str], *, same_address: bool) -> Guard | None:
    """`guard` from what it reads of a pair: the comparison levels and whether the two records give
    one address. A run decides it once per distinct pattern, not once per pair."""
    surname, given, birth = levels["surname"], levels["given_names"], levels["birth_date"]
    document, tax_id = levels["document_number"], levels["tax_id"]
    if surname == SWAPPED:
        # The swap detection already found both names equal, crosswise.
        given = SWAPPED
    strong_id = document == EXACT or tax_id == EXACT
    family_name = surname in NAME_SIMILAR
    if family_name and birth == EXACT and given not in NAME_AGREES and given != MISSING and not strong_id:
        # Twins' passports are often consecutive numbers, so a document one edit apart is no proof:
        # it only keeps the pair for a person to look at (a typo in a name is the other reading).
        near = document == ONE_EDIT or levels["phone"] == EXACT
        return Guard(
            "twins",
            REVIEW if near else NEW,
            "Same surname and birth date but another given name: twins are two people.",
        )
    shared_household = levels["phone"] == EXACT or same_address
    if (
        family_name
        and given == DIFFERENT
        and not strong_id
        and (shared_household or levels["patronymic"] in NAME_AGREES)
    ):
        return Guard(
            "relatives",
            NEW,
            "Same surname and household or father but another given name: relatives are different people.",
        )
    if surname in NAME_AGREES and given in NAME_AGREES and birth in (DIFFERENT, ONE_OFF):
        if document == DIFFERENT:
            other_evidence = tax_id == EXACT or levels["phone"] == EXACT
            return Guard(
                "namesakes",
                REVIEW if other_evidence else NEW,
                "Same full name but another birth date and document: namesakes are different people.",
            )
        if document == MISSING and not strong_id:
            return Guard("namesakes", REVIEW, "Same full name but another birth date and no shared document.")
    if levels["sex"] == DIFFERENT:
        return Guard("sex_differs", REVIEW, "The records state different sexes.")
    # An identical passport or tax number outweighs a typo in a name: relatives never share them.
    if given == DIFFERENT and not (strong_id and birth in (EXACT, MISSING)):
        return Guard("given_name_differs", REVIEW, "The given names differ.")
    if surname == DIFFERENT and not (strong_id and birth in (EXACT, MISSING)):
        return Guard("surname_differs", REVIEW, "The surnames differ.")
    if birth == DIFFERENT:
        return Guard("birth_date_differs", REVIEW, "The birth dates differ.")
    if document == DIFFERENT and not (surname in NAME_AGREES and given in NAME_AGREES):
        return Guard(
            "weak_names_other_document",
            REVIEW,
            "Another document and names that agree only approximately: a person should look.",
        )
    return None


# --- Scoring and explanations -------------------------------------------------------------------


@dataclass(slots=True)
class PairScore:
    levels: dict[str, str]
    weight: float
    probability: float
    guard: Guard | None
    outcome: str


def decide(
    params: ModelParameters, levels: dict[str, str], pair_guard: Guard | None, *, weight: float | None = None
) -> tuple[float, float, str]:
    if weight is None:
        weight = params.match_weight(levels)
    prob = probability(weight)
    if prob >= params.upper:
        outcome = AUTO_LINK
    elif prob >= params.lower:
        outcome = REVIEW
    else:
        outcome = NEW
    if pair_guard is not None and outcome != NEW:
        if pair_guard.cap == NEW:
            outcome = NEW
        elif outcome == AUTO_LINK:
            outcome = REVIEW
    return weight, prob, outcome


def score_pair(params: ModelParameters, a: RecordView, b: RecordView) -> PairScore:
    levels = compare(a, b)
    pair_guard = guard(a, b, levels)
    adjustments = frequency_adjustments(params, levels, name_frequency_of(params, a))
    weight = params.match_weight(levels) + sum(adjustments.values())
    weight, prob, outcome = decide(params, levels, pair_guard, weight=weight)
    return PairScore(levels, weight, prob, pair_guard, outcome)


def explain(
    params: ModelParameters,
    a: RecordView,
    b: RecordView,
    score: PairScore,
    shared: dict[tuple, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Per field: the level, its weight (log2 Bayes factor) and the two values; plus a summary line.

    {"surname": {"level": "translit_equal", "weight": 6.1, "a": "Каримов", "b": "KARIMOV"}, ...,
     "summary": "agree: surname (translit_equal +6.1), ...; disagree: ...; probability 0.9995"}

    Everything but the two values depends on the score and the frequent-name adjustments only: a run
    that explains many links passes one `shared` dict, and those parts are worked out once per score.
    """
    common = _explanation_common_of(params, a, score, shared)
    explanation: dict[str, Any] = {}
    for name in FIELDS:
        level, weight, frequent = common["fields"][name]
        explanation[name] = {"level": level, "weight": weight, "a": field_values(a, name), "b": field_values(b, name)}
        if frequent is not None:
            explanation[name]["frequent_name"] = frequent
    explanation.update(common["rest"])
    return explanation


def link_reason(
    params: ModelParameters, a: RecordView, score: PairScore, shared: dict[tuple, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """What a link stores: the summary (each compared field with its level and weight, agreeing or
    not), the match weight, the probability, the outcome and any guard.

    Unlike `explain` (a review candidate's), the two compared values are not copied: both records
    keep them, write-once, and `linkage.review.link_reason_rows` puts them beside the levels. A
    million links then store a third of the bytes and the bulk link writes them faster
    (BENCHMARKS.md, session 10).
    """
    return dict(_explanation_common_of(params, a, score, shared)["rest"])


def _explanation_common_of(
    params: ModelParameters, a: RecordView, score: PairScore, shared: dict[tuple, dict[str, Any]] | None
) -> dict[str, Any]:
    # The names' frequencies only matter where they may adjust (most links share a document: they don't).
    frequencies = name_frequency_of(params, a) if frequency_may_adjust(score.levels) else ()
    adjustments = frequency_adjustments(params, score.levels, frequencies)
    key = (id(score), tuple(adjustments.items()))
    common = shared.get(key) if shared is not None else None
    if common is None:
        common = _explanation_common(params, score, adjustments)
        if shared is not None:
            # Keyed by id(): the caller keeps every score alive while the dict is in use.
            shared[key] = common
    return common


def _explanation_common(params: ModelParameters, score: PairScore, adjustments: dict[str, float]) -> dict[str, Any]:
    fields: dict[str, tuple[str, float, float | None]] = {}
    agree, disagree = [], []
    for name in FIELDS:
        level = score.levels[name]
        weight = round(params.weight(name, level) + adjustments.get(name, 0.0), 2)
        fields[name] = (level, weight, round(adjustments[name], 2) if name in adjustments else None)
        if level == MISSING:
            continue
        frequent = ", frequent name" if name in adjustments else ""
        (agree if weight > 0 else disagree).append(f"{name} ({level} {weight:+.1f}{frequent})")
    rest: dict[str, Any] = {
        "match_weight": round(score.weight, 2),
        "probability": round(score.probability, 6),
        "outcome": score.outcome,
    }
    if score.guard is not None:
        rest["guard"] = {"name": score.guard.name, "cap": score.guard.cap, "reason": score.guard.reason}
    summary = f"agree: {', '.join(agree) or 'nothing'}; disagree: {', '.join(disagree) or 'nothing'}"
    summary += f"; probability {score.probability:.4f}"
    if score.guard is not None:
        summary += f"; {score.guard.name}: {score.guard.reason}"
    rest["summary"] = summary
    return {"fields": fields, "rest": rest}


# --- Clustering ---------------------------------------------------------------------------------


@dataclass
class Clustering:
    """Records grouped into persons: `cluster_of[i]` is a representative index per record.

    `review` lists (record index, other record index, score) for pairs between the thresholds whose
    records ended in different clusters; `best_edge[i]` is the pair that linked record i.
    """

    cluster_of: list[int]
    review: list[tuple[int, int, PairScore]]
    best_edge: dict[int, tuple[int, PairScore]]
    # The existing person each cluster is (by its representative), when it is one.
    persons: dict[int, Any] = field(default_factory=dict)
    # Every accepted union, strongest first: the evidence behind each person.
    joins: list[tuple[int, int, PairScore]] = field(default_factory=list)
    # The review pairs of each record: (other record, score).
    review_of: dict[int, list[tuple[int, PairScore]]] = field(default_factory=dict)


class _Clusters:
    """Union–find that refuses a union across a cannot-link pair, or of two fixed persons."""

    def __init__(self, n: int, fixed_root: dict[int, Any]):
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        # The existing person a cluster already is (incremental linking): two of them never merge here.
        self.fixed: dict[int, Any] = {}
        for i, person in fixed_root.items():
            self.fixed[i] = person
        self.cannot: dict[int, set[int]] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def forbid(self, i: int, j: int) -> None:
        self.cannot.setdefault(i, set()).add(j)
        self.cannot.setdefault(j, set()).add(i)

    def union(self, i: int, j: int) -> bool:
        return self.union_roots(self.find(i), self.find(j))

    def union_roots(self, root_i: int, root_j: int) -> bool:
        """`union` of two clusters by their representatives (`find`)."""
        if root_i == root_j:
            return True
        if root_i in self.fixed and root_j in self.fixed:
            return False
        small, large = (root_i, root_j) if len(self.members[root_i]) <= len(self.members[root_j]) else (root_j, root_i)
        for member in self.members[small]:
            for other in self.cannot.get(member, ()):
                if self.find(other) == large:
                    return False
        self.parent[small] = large
        self.members[large].extend(self.members.pop(small))
        if small in self.fixed:
            self.fixed[large] = self.fixed.pop(small)
        return True


def cluster(
    n: int,
    scored: Iterable[tuple[int, int, PairScore]],
    *,
    preset: Iterable[tuple[int, int]] = (),
    fixed: dict[int, Any] | None = None,
    forbidden: Iterable[tuple[int, int]] = (),
) -> Clustering:
    """Group n records into persons from their scored pairs.

    Auto-link pairs are joined strongest first; a join that would put two records of a guarded pair
    (twins, relatives, namesakes) into one person is refused, so a chain of links cannot merge what a
    guard keeps apart. `preset` pairs are records already known to be one person (an existing
    person's records in incremental linking, staff decisions in a full re-link); `fixed` maps a
    preset representative to its existing person, and two existing persons are never merged here
    (that is a staff merge).
    """
    clusters = _Clusters(n, {})
    for i, j in preset:
        clusters.union(i, j)
    for i, person in (fixed or {}).items():
        clusters.fixed[clusters.find(i)] = person
    for i, j in forbidden:
        clusters.forbid(i, j)
    auto, review = [], []
    for i, j, score in scored:
        if score.guard is not None and score.guard.cap == NEW:
            clusters.forbid(i, j)
        if score.outcome == AUTO_LINK:
            # Sorted as plain tuples (no key function), strongest first; the position breaks any tie, so
            # the scores themselves are never compared.
            auto.append((-score.weight, i, j, len(auto), score))
        elif score.outcome == REVIEW:
            review.append((i, j, score))
    best_edge: dict[int, tuple[int, PairScore]] = {}
    joins: list[tuple[int, int, PairScore]] = []
    auto.sort()
    find, union_roots = clusters.find, clusters.union_roots
    for _, i, j, _, score in auto:
        root_i, root_j = find(i), find(j)
        if union_roots(root_i, root_j):
            if root_i != root_j:
                joins.append((i, j, score))
            # Strongest first: a record's first accepted link is its best one (the earliest on a tie).
            best_edge.setdefault(i, (j, score))
            best_edge.setdefault(j, (i, score))
    cluster_of = [clusters.find(i) for i in range(n)]
    pending = [(i, j, score) for i, j, score in review if cluster_of[i] != cluster_of[j]]
    review_of: dict[int, list[tuple[int, PairScore]]] = {}
    for i, j, score in pending:
        review_of.setdefault(i, []).append((j, score))
        review_of.setdefault(j, []).append((i, score))
    persons = {root: person for root, person in clusters.fixed.items()}
    return Clustering(
        cluster_of=cluster_of, review=pending, best_edge=best_edge, persons=persons, joins=joins, review_of=review_of
    )


# --- Comparison of the blocked pairs -------------------------------------------------------------

# From this many pairs on, comparison is split over one process per core (forked, so the records are
# shared, not copied). Below it the processes cost more than they save in a run that estimates its
# model: their name levels do not come back, so the EM sessions' pairs are compared again (at 1.3
# million pairs, 1.4 s saved in comparison, 5.4 s lost in estimation).
PARALLEL_PAIRS = 3_000_000
# A run given its parameters (the one-pass link of a file) needs no name levels back: from this many
# pairs on it compares in parallel (2.5 million pairs of a million records: 20.4 s in one process,
# 14.8 s in two).
PARALLEL_PAIRS_NOT_ESTIMATING = 1_000_000
_SLICES_PER_WORKER = 4
# What forked workers read: set by the parent just before the fork, cleared after.
_shared: tuple[Sequence[RecordView], Sequence[tuple[int, int]]] | None = None


def comparison_workers(pairs: int, *, estimating: bool = True) -> int:
    """Processes to compare this many pairs with: one per core for a large run, unless this process
    may not have children (a daemonic worker of the task queue)."""
    threshold = PARALLEL_PAIRS if estimating else PARALLEL_PAIRS_NOT_ESTIMATING
    if pairs < threshold or multiprocessing.current_process().daemon:
        return 1
    return max(os.cpu_count() or 1, 1)


def compare_pairs(
    nodes: Sequence[RecordView], pairs: Sequence[tuple[int, int]], *, progress: Any = None, workers: int | None = None
) -> tuple[list[tuple[str, ...]], array, NameLevelMemo]:
    """The distinct comparison patterns, each pair's pattern id, and the name levels computed (the
    run's memo; empty when the work was done in other processes)."""
    workers = comparison_workers(len(pairs)) if workers is None else workers
    pattern_ids: dict[tuple[str, ...], int] = {}
    pair_pattern = array("I")
    if workers <= 1:
        memo = NameLevelMemo()
        for count, (i, j) in enumerate(pairs):
            pattern = compare_pattern(nodes[i], nodes[j], memo)
            pair_pattern.append(pattern_ids.setdefault(pattern, len(pattern_ids)))
            if progress is not None and count % 50_000 == 0:
                progress("compare", count, len(pairs))
        return list(pattern_ids), pair_pattern, memo
    global _shared
    step = -(-len(pairs) // (workers * _SLICES_PER_WORKER))
    slices = [(start, min(start + step, len(pairs))) for start in range(0, len(pairs), step)]
    _shared = (nodes, pairs)
    # Frozen objects are left alone by the workers' garbage collector, which would otherwise write to
    # every record's header and so copy every page of the parent's records into each worker.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_start) as pool:
            for (_start, end), (local_patterns, local_ids) in zip(
                slices, pool.imap(_compare_slice, slices), strict=True
            ):
                remap = [pattern_ids.setdefault(pattern, len(pattern_ids)) for pattern in local_patterns]
                pair_pattern.extend(map(remap.__getitem__, local_ids))
                if progress is not None:
                    progress("compare", end, len(pairs))
    finally:
        gc.unfreeze()
        _shared = None
    return list(pattern_ids), pair_pattern, NameLevelMemo()


_worker_memo = NameLevelMemo()


def _worker_start() -> None:
    """A forked worker keeps one memo for all its slices (and not the parent's, if it had one)."""
    global _worker_memo
    _worker_memo = NameLevelMemo()


def _compare_slice(bounds: tuple[int, int]) -> tuple[list[tuple[str, ...]], array]:
    """In a forked worker: the patterns of pairs[start:end], with ids local to the slice."""
    assert _shared is not None
    nodes, pairs = _shared
    memo = _worker_memo
    pattern_ids: dict[tuple[str, ...], int] = {}
    ids = array("I")
    for index in range(*bounds):
        i, j = pairs[index]
        ids.append(pattern_ids.setdefault(compare_pattern(nodes[i], nodes[j], memo), len(pattern_ids)))
    return list(pattern_ids), ids


# --- The in-memory pipeline ---------------------------------------------------------------------


def identity_key(view: RecordView) -> tuple | None:
    """Records identical in every identity field are one node of the pair graph (an agency sends the
    same person many times: every patent payment repeats the name and tax id). Only identities that
    identify someone are collapsed: a bare name could be two namesakes."""
    if not (view.document_number or view.tax_id or (view.birth_date and view.surname and view.given_names)):
        return None
    return (
        view.surname.upper().strip(),
        view.given_names.upper().strip(),
        view.patronymic.upper().strip(),
        view.birth_date,
        view.sex,
        view.citizenship,
        view.document_type,
        view.document_number,
        view.phone,
        view.tax_id,
    )


@dataclass
class LinkageResult:
    params: ModelParameters
    # Per input record: the representative node index of its person.
    person_of: list[int]
    # Per input record: the node it was collapsed into, and the nodes (distinct identities).
    node_of: list[int]
    nodes: list[RecordView]
    clustering: Clustering
    pairs_scored: int
    timings: dict[str, float]


def link_views(
    views: Sequence[RecordView],
    *,
    params: ModelParameters | None = None,
    persons: Sequence[Any] | None = None,
    forbidden: Iterable[tuple[int, int]] = (),
    random_pairs: int = 40_000,
    progress: Any = None,
) -> LinkageResult:
    """Link records in memory: collapse identical identities, block, estimate the model (unless
    given), score the blocked pairs, cluster. The full re-link, incremental linking and the benchmark
    all run this.

    `persons[i]`, when given and not None, is the existing person record i must stay with (an
    existing person's records in incremental linking, staff decisions in a re-link): such records
    are never collapsed into another node, never compared among themselves, and two existing persons
    are never merged. `forbidden` pairs of records (a reviewer's rejection) never share a person.
    `progress(stage, done, total)` is called now and then.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    nodes: list[RecordView] = []
    node_person: list[Any] = []
    node_index: dict[tuple, int] = {}
    node_of: list[int] = []
    for position, view in enumerate(views):
        person = persons[position] if persons is not None else None
        key = identity_key(view)
        if person is None and key is not None and key in node_index:
            node_of.append(node_index[key])
            continue
        if key is not None:
            node_index.setdefault(key, len(nodes))
        node_of.append(len(nodes))
        nodes.append(view)
        node_person.append(person)
    pairs = list(candidate_pairs(nodes))
    if any(person is not None for person in node_person):
        # Two records of existing persons are never compared: their persons are never merged here.
        pairs = [(i, j) for i, j in pairs if node_person[i] is None or node_person[j] is None]
    timings["block"] = time.perf_counter() - started
    # Every pair is compared once; pairs share a few thousand distinct patterns, so the weight and
    # the outcome are computed per pattern, and only the guards look at each pair.
    started = time.perf_counter()
    workers = comparison_workers(len(pairs), estimating=params is None)
    patterns, pair_pattern, memo = compare_pairs(nodes, pairs, progress=progress, workers=workers)
    timings["compare"] = time.perf_counter() - started
    if params is None:
        started = time.perf_counter()
        counts = Counter(pair_pattern)
        params = estimate_parameters(
            nodes,
            Counter({patterns[pid]: count for pid, count in counts.items()}),
            random_pairs=random_pairs,
            memo=memo,
        )
        timings["estimate"] = time.perf_counter() - started
    started = time.perf_counter()
    per_pattern = []
    for pattern in patterns:
        levels = dict(zip(FIELDS, pattern, strict=True))
        frequent = bool(params.frequencies) and frequency_may_adjust(levels)
        per_pattern.append((levels, params.match_weight(levels), frequent))
    # The guard and the outcome depend only on the pattern, on whether the addresses agree and on the
    # frequent-name adjustment: one PairScore per such combination, shared by its pairs (nothing
    # changes a score once made).
    scores: dict[tuple[int, bool, float], PairScore | None] = {}
    scored = []
    node_frequencies = [name_frequency_of(params, node) for node in nodes] if params.frequencies else []
    # The adjustment depends on the pattern and the names' frequencies only: worked out once for each
    # (a million records' pairs asked 715,000 times for a few thousand answers).
    adjustments: dict[tuple[int, tuple[float | None, ...]], float] = {}
    for (i, j), pid in zip(pairs, pair_pattern, strict=True):
        address = nodes[i].address
        levels, weight, frequent = per_pattern[pid]
        adjustment = 0.0
        if frequent and any(frequencies := node_frequencies[i]):
            adjustment = adjustments.get((pid, frequencies))
            if adjustment is None:
                adjustment = adjustments[pid, frequencies] = sum(
                    frequency_adjustments(params, levels, frequencies).values()
                )
        key = (pid, bool(address) and address == nodes[j].address, adjustment)
        if key in scores:
            score = scores[key]
        else:
            pair_guard = guard_of_levels(levels, same_address=key[1])
            weight, prob, outcome = decide(params, levels, pair_guard, weight=weight + adjustment)
            keep = outcome != NEW or pair_guard is not None
            score = scores[key] = PairScore(levels, weight, prob, pair_guard, outcome) if keep else None
        if score is not None:
            scored.append((i, j, score))
    timings["score"] = time.perf_counter() - started
    started = time.perf_counter()
    first_node: dict[Any, int] = {}
    preset = []
    for node, person in enumerate(node_person):
        if person is not None:
            if person in first_node:
                preset.append((first_node[person], node))
            else:
                first_node[person] = node
    clustering = cluster(
        len(nodes),
        scored,
        preset=preset,
        fixed={node: person for person, node in first_node.items()},
        forbidden=[(node_of[i], node_of[j]) for i, j in forbidden],
    )
    timings["cluster"] = time.perf_counter() - started
    person_of = [clustering.cluster_of[node] for node in node_of]
    return LinkageResult(params, person_of, node_of, nodes, clustering, len(pairs), timings)
