"""Standing text: paragraphs that recur across unrelated stories, and newsroom furniture.

A cluster is standing text when its paragraphs come from at least `standing_articles`
articles that share nothing else (at least 80 % of its article pairs have no other
cluster in common): a filing formula or a disclaimer, not a story filed twice.
Furniture is recognised from its form: promos ("ALSO READ: ...", "READ MORE: ..."),
grouped by their prefix and counted across articles; sign-offs ("Reporting by ...;
Editing by ..."); and photo captions ending in a credit ("(MANDEL NGAN / AFP)").
Capitalised labels learned from the data ("NOTE:", "PARANA STATE:") were tried and
dropped: on Reuters they are footnotes and table headings, not promos.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Sequence

import numpy as np

from .arrays import pairs_within_runs, ramp, unique_counts
from .model import Member
from .shingle import fmix64

LONE_SHARE = 0.8
_PAIR_SAMPLE = 500  # article pairs looked at per cluster, at most
_LINKED_BY = 3  # clusters two articles share, at least, to be copies of one story
_COUNTED = 100  # clusters over more articles do not count as links between stories

# Matched against all paragraphs at once, each preceded and followed by a NUL (which a
# paragraph never holds): a pattern that starts or ends with one is found quickly.
_OPENING = re.compile(
    r"\x00[ \t]*(?:(?P<promo>ALSO READ|READ MORE|READ ALSO|MORE READING|RELATED|SEE ALSO|"
    r"WATCH|LISTEN|MUST READ|RECOMMENDED|TRENDING|FOLLOW US|SUBSCRIBE|SIGN UP)[ \t]*"
    r"[:|\-\u2013\u2014]"
    r"|(?P<sign_off>[(\[]?[ \t]*(?:additional )?(?:reporting|writing|editing|compiled|edited) by\b)"
    r"|(?P<photo>\(?[ \t]*(?:PHOTO|FILE PHOTO)[ \t]*:))",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"\((?:[^()\x00]{0,80}/[ \t]*)?(?:AFP|AP|Reuters|Getty Images|EPA|Xinhua|Bloomberg|AAP|dpa|"
    r"ANP|Pool|Shutterstock)(?:/[^()\x00]{0,40})?\)[ \t]*(?=\x00)",
    re.IGNORECASE,
)


_FURNITURE_BATCH = 4096  # paragraphs matched at once, joined


def furniture_of(texts: Sequence[str]) -> dict[int, tuple[str, str]]:
    """Paragraphs whose form says what they are: index -> (kind, label).

    Kinds: "promo" (label: the promo's prefix, upper-cased), "sign-off", "caption".
    """
    found: dict[int, tuple[str, str]] = {}
    for offset in range(0, len(texts), _FURNITURE_BATCH):
        batch = texts[offset : offset + _FURNITURE_BATCH]
        joined = "\x00" + "\x00".join(batch) + "\x00"
        starts = list(itertools.accumulate((len(t) + 1 for t in batch), initial=0))

        def index(position: int, starts: list[int] = starts, offset: int = offset) -> int:
            return offset + bisect.bisect_right(starts, position) - 1

        for match in _OPENING.finditer(joined):
            if match.group("promo"):
                found[index(match.start())] = ("promo", match.group("promo").upper())
            else:
                kind = "sign-off" if match.group("sign_off") else "caption"
                found[index(match.start())] = (kind, kind)
        for match in _CREDIT.finditer(joined):
            found.setdefault(index(match.start()), ("caption", "caption"))
    return found


def recurring(
    owner: np.ndarray,
    article: np.ndarray,
    seeds: Sequence[str],
    min_articles: int,
    furniture: np.ndarray | None = None,
    comparable: np.ndarray | None = None,
) -> set[int]:
    """Clusters spread over `min_articles`+ articles that share nothing else.

    `owner` and `article` give, for every clustered paragraph, its cluster (an index
    into `seeds`, the cluster ids) and its article; `furniture` marks the clusters that
    are furniture (a sign-off shared by two stories is no link between them);
    `comparable` counts each article's paragraphs long enough to cluster (by default,
    its clustered ones). Returns cluster indices.

    Up to _COUNTED articles every article pair is looked at, and the links are the other
    clusters of up to _COUNTED articles. Over that, _PAIR_SAMPLE pairs are drawn, and a
    pair is linked when the two articles share _LINKED_BY clusters or more, covering
    half the shorter one's comparable paragraphs or more: the copies of a story
    republished by 150 outlets share most of their paragraphs; stories that each end
    with the same two disclaimer paragraphs share just those two.
    """
    furniture = np.zeros(len(seeds), bool) if furniture is None else furniture
    width = int(article.max()) + 1 if len(article) else 1
    distinct, _ = unique_counts(owner * width + article)  # one row per (cluster, article)
    cluster, spread = distinct // width, distinct % width
    if comparable is None:
        comparable = np.bincount(article, minlength=width)
    sizes = np.bincount(cluster, minlength=len(seeds))
    ends = np.cumsum(sizes)
    counted = (sizes >= 2) & (sizes <= _COUNTED) & ~furniture
    lone = _lone_pairs(cluster[counted[cluster]], spread[counted[cluster]], len(seeds), width)
    wide = sizes >= min_articles
    found = {
        i
        for i in np.flatnonzero(wide & (sizes <= _COUNTED)).tolist()
        if lone[i] >= LONE_SHARE * (sizes[i] * (sizes[i] - 1) // 2)
    }
    big = np.flatnonzero(wide & (sizes > _COUNTED))
    if len(big):
        pairs = [
            _sample_pairs(spread[ends[i] - sizes[i] : ends[i]], random.Random(seeds[i]))
            for i in big.tolist()
        ]
        first, second = np.concatenate(pairs).T
        whose = np.repeat(big, _PAIR_SAMPLE)
        common = _shared(first, second, cluster, spread, np.flatnonzero(~furniture))
        smaller = np.minimum(comparable[first], comparable[second])
        linked = 2 * common >= np.maximum(smaller, 2 * _LINKED_BY)
        unlinked = np.bincount(whose, weights=~linked, minlength=len(seeds))
        found.update(i for i in big.tolist() if unlinked[i] >= LONE_SHARE * _PAIR_SAMPLE)
    return found


def _lone_pairs(cluster: np.ndarray, article: np.ndarray, clusters: int, width: int) -> np.ndarray:
    """Per cluster, how many of its article pairs share no other of these clusters
    (rows: one per cluster and article, sorted; `width`: the articles).

    Counted over classes of articles holding the same clusters (the copies of a story
    republished whole): two articles of one class share all their clusters; two of
    classes A and B share the clusters holding both classes, which stand for |A|·|B|
    article pairs. The same counts as over every article pair, but the 80 copies of a
    story cost a pair or two per cluster, not 3,160."""
    kind, weight, held = _classes(cluster, article, width)
    k = max(len(weight), 1)
    rows, counts = unique_counts(cluster * k + kind[article])  # (cluster, class)
    row_cluster, row_class = rows // k, rows % k
    alone = held[row_class] == 1  # a class in no other cluster: all its pairs are lone
    lone = np.bincount(
        row_cluster[alone], weights=counts[alone] * (counts[alone] - 1) // 2, minlength=clusters
    )
    sizes = np.bincount(row_cluster, minlength=clusters)
    ends = np.cumsum(sizes)
    owners = np.flatnonzero(sizes >= 2)
    spans = np.stack([ends[owners] - sizes[owners], ends[owners]], axis=1)
    codes = np.concatenate(  # class pairs of each cluster, a slice at a time
        [np.empty(0, np.int64)]
        + [
            (lambda p: p[:, 0] * k + p[:, 1])(pairs_within_runs(row_class, part))
            for part in np.array_split(spans, max(1, len(spans) // 20000))
        ]
    )
    pair_owner = np.repeat(owners, sizes[owners] * (sizes[owners] - 1) // 2)
    links, times = unique_counts(codes)
    once = times[np.searchsorted(links, codes)] == 1
    return lone + np.bincount(
        pair_owner[once],
        weights=weight[codes[once] // k] * weight[codes[once] % k],
        minlength=clusters,
    )


def _classes(
    cluster: np.ndarray, article: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Articles grouped by the set of clusters they are in: each article's class, and
    per class its articles and its clusters (counts). Found by a hash of each set (the
    sum of its mixed members), then checked member by member (on a collision, every
    article is its own class)."""
    by_article = np.lexsort((cluster, article))
    mine = cluster[by_article]
    held = np.bincount(article, minlength=width)
    starts = np.cumsum(held) - held
    present = np.flatnonzero(held)
    key = np.zeros(width, dtype=np.uint64)
    if len(present):
        key[present] = np.add.reduceat(fmix64(mine.astype(np.uint64)), starts[present])
    order = np.lexsort((key, held))
    new = np.r_[True, (key[order][1:] != key[order][:-1]) | (held[order][1:] != held[order][:-1])]
    kind = np.empty(width, dtype=np.int64)
    kind[order] = np.cumsum(new) - 1
    first = order[new]  # each class's first article, whose rows the others' must equal
    alike = np.repeat(starts[first[kind[present]]], held[present]) + ramp(held[present])
    if not np.array_equal(mine, mine[alike]):
        kind = np.arange(width, dtype=np.int64)
    weight = np.bincount(kind)
    counts = np.zeros(len(weight), dtype=np.int64)
    counts[kind] = held
    return kind, weight, counts


def _sample_pairs(articles: np.ndarray, rng: random.Random) -> np.ndarray:
    """_PAIR_SAMPLE distinct pairs (rows) of `articles` (more than _COUNTED distinct
    article numbers), drawn without listing every pair: linear."""
    n = len(articles)
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < _PAIR_SAMPLE:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            chosen.add((min(a, b), max(a, b)))
    return articles[np.array(sorted(chosen), dtype=np.int64)]


_EXPANDED = 1 << 20  # (pair, cluster) rows looked at at once: bounds memory


def _shared(
    first: np.ndarray,
    second: np.ndarray,
    cluster: np.ndarray,
    spread: np.ndarray,
    counting: np.ndarray,
) -> np.ndarray:
    """For each article pair (first, second), how many of the clusters in `counting`
    (sorted indices) hold both. Each pair looks at the first article's clusters, in
    slices of about _EXPANDED rows, whatever the articles' lengths."""
    keep = np.isin(cluster, counting)
    clusters = int(cluster.max()) + 1 if len(cluster) else 1
    held = np.sort(spread[keep] * clusters + cluster[keep])  # (article, cluster), by article
    low = np.searchsorted(held, first * clusters)
    count = np.searchsorted(held, (first + 1) * clusters) - low
    common = np.zeros(len(first), dtype=np.int64)
    bounds = np.searchsorted(np.cumsum(count), np.arange(_EXPANDED, int(count.sum()), _EXPANDED))
    for a, b in itertools.pairwise([0, *bounds.tolist(), len(first)]):
        rows = np.repeat(np.arange(a, b), count[a:b])
        other = held[np.repeat(low[a:b], count[a:b]) + ramp(count[a:b])] % clusters
        wanted = second[rows] * clusters + other
        at = np.minimum(np.searchsorted(held, wanted), len(held) - 1)
        common[a:b] = np.bincount(rows - a, weights=held[at] == wanted, minlength=b - a)
    return common


def document_frequency(members: Sequence[Member]) -> int:
    """How many distinct articles the members come from."""
    return len({m.article_index for m in members})
