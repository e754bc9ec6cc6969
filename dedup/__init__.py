"""dedup: near-duplicate paragraph detection for news wire copy.

from dedup import Params, read_paths, scan, clean, Diagnostics
diagnostics = Diagnostics()
articles = [a for s in read_paths(["copy/"], diagnostics) for a in s.articles]
result = scan(articles, Params())
"""

from __future__ import annotations

__version__ = "0.1.0"

from .clean import clean
from .config import Params, load_params
from .detect import scan
from .errors import ConfigError, DedupError, Diagnostics, IndexRefused, InputError
from .filter import Filter, verdict_record
from .formats import iter_articles, read_paths
from .index import open_index
from .model import (
    Article,
    Cleaned,
    Cluster,
    Member,
    Relation,
    ScanResult,
    ShortRepeat,
    Source,
    Story,
)
from .report.json import clean_record, cluster_record, scan_document

__all__ = [
    "Article",
    "Cleaned",
    "Cluster",
    "ConfigError",
    "DedupError",
    "Diagnostics",
    "Filter",
    "IndexRefused",
    "InputError",
    "Member",
    "Params",
    "Relation",
    "ScanResult",
    "ShortRepeat",
    "Source",
    "Story",
    "__version__",
    "clean",
    "clean_record",
    "cluster_record",
    "iter_articles",
    "load_params",
    "open_index",
    "read_paths",
    "scan",
    "scan_document",
    "verdict_record",
]
