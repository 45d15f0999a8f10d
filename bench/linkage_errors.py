"""Which evidence the linker's false merges rest on, against the true merges resting on the same.

    DJANGO_DEBUG=1 .venv/bin/python bench/linkage_errors.py --people 100000

Links a labelled population from the demo generator in memory (as `linkage_bench.py` does) and
groups every accepted union of two nodes (`Clustering.joins`) by its comparison pattern: how many
joined two different true people, how many joined one person's records, with an example of each
false kind. A guard or a threshold that refuses a pattern costs the true joins beside it.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from linkage_bench import SEED, dataset, pairwise  # noqa: E402

from linkage.compare import FIELDS, MISSING  # noqa: E402
from linkage.model import link_views  # noqa: E402


def describe(view) -> str:
    return (
        f"{view.surname} {view.given_names} {view.patronymic} | {view.birth_date} {view.sex} {view.citizenship} "
        f"| {view.document_type}:{view.document_number} | {view.phone} | {view.tax_id}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    views, truth, _ = dataset(args.people, args.seed)
    result = link_views(views)
    p, r, f = pairwise(result.person_of, truth)
    print(f"{args.people} people, {len(views)} records: P={p:.4f} R={r:.4f} F1={f:.4f} {result.timings}")
    node_truth = {}
    for position, node in enumerate(result.node_of):
        node_truth.setdefault(node, truth[position])
    false_joins, examples = evidence(
        result, [(i, j, s) for i, j, s in result.clustering.joins if node_truth[i] != node_truth[j]]
    )
    true_joins, _ = evidence(
        result, [(i, j, s) for i, j, s in result.clustering.joins if node_truth[i] == node_truth[j]]
    )
    print(f"joins: {sum(true_joins.values())} true, {sum(false_joins.values())} false")
    show(false_joins, examples, args.top, lambda levels, count: f"{count} false / {true_joins[levels]} true")
    # What recall loses: pairs of one person's records left for a reviewer, their records apart.
    cluster_of = result.clustering.cluster_of
    missed, examples = evidence(
        result,
        [
            (i, j, s)
            for i, j, s in result.clustering.review
            if node_truth[i] == node_truth[j] and cluster_of[i] != cluster_of[j]
        ],
    )
    print(f"\nsent to review, one person's records apart: {sum(missed.values())} pairs of nodes")
    show(missed, examples, args.top, lambda levels, count: f"{count} missed")


def evidence(result, pairs) -> tuple[collections.Counter, dict]:
    """Pairs of nodes counted by their agreement levels (missing fields left out), with a first example of each."""
    counts: collections.Counter = collections.Counter()
    examples = {}
    for i, j, score in pairs:
        levels = tuple((name, score.levels[name]) for name in FIELDS if score.levels[name] != MISSING)
        counts[levels] += 1
        examples.setdefault(levels, (result.nodes[i], result.nodes[j], score.probability))
    return counts, examples


def show(counts: collections.Counter, examples: dict, top: int, label) -> None:
    for levels, count in counts.most_common(top):
        first, second, probability = examples[levels]
        print(f"\n{label(levels, count)}  p={probability:.6f}  {dict(levels)}")
        print("   ", describe(first))
        print("   ", describe(second))


if __name__ == "__main__":
    main()
