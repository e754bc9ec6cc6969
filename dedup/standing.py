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

import itertools
import random
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .model import Cluster, Member

LONE_SHARE = 0.8
_PAIR_SAMPLE = 500  # article pairs looked at per cluster, at most
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


def furniture_of(texts: Sequence[str]) -> dict[int, tuple[str, str]]:
    """Paragraphs whose form says what they are: index -> (kind, label).

    Kinds: "promo" (label: the promo's prefix, upper-cased), "sign-off", "caption".
    """
    joined = "\x00" + "\x00".join(texts) + "\x00"
    starts = np.cumsum([0] + [len(t) + 1 for t in texts])  # position of each leading NUL

    def index(position: int) -> int:
        return int(np.searchsorted(starts, position, side="right")) - 1

    found: dict[int, tuple[str, str]] = {}
    for match in _OPENING.finditer(joined):
        if match.group("promo"):
            found[index(match.start())] = ("promo", match.group("promo").upper())
        else:
            kind = "sign-off" if match.group("sign_off") else "caption"
            found[index(match.start())] = (kind, kind)
    for match in _CREDIT.finditer(joined):
        found.setdefault(index(match.start()), ("caption", "caption"))
    return found


def recurring(clusters: Sequence[Cluster], min_articles: int) -> set[str]:
    """Ids of clusters spread over `min_articles`+ articles that share nothing else."""
    spread = {c.id: sorted({m.article_index for m in c.members}) for c in clusters}
    counted = {cid for cid, articles in spread.items() if len(articles) <= _COUNTED}
    shared: Counter[tuple[int, int]] = Counter()
    for cid in counted:
        shared.update(itertools.combinations(spread[cid], 2))
    found = set()
    for cluster in clusters:
        articles = spread[cluster.id]
        if len(articles) < min_articles:
            continue
        pairs = list(itertools.combinations(articles, 2))
        if len(pairs) > _PAIR_SAMPLE:
            pairs = random.Random(cluster.id).sample(pairs, _PAIR_SAMPLE)
        own = 1 if cluster.id in counted else 0
        lone = sum(1 for pair in pairs if shared[pair] - own == 0)
        if lone >= LONE_SHARE * len(pairs):
            found.add(cluster.id)
    return found


def document_frequency(members: Sequence[Member]) -> int:
    """How many distinct articles the members come from."""
    return len({m.article_index for m in members})
