"""The shared index on Redis: datasketch's MinHashLSH storage plus what exact verification needs.

The LSH part is datasketch's `MinHashLSH` with its Redis storage under the fixed
basename "<prefix>:lsh" (so the index outlives every process), fed `LeanMinHash`
sketches (affine32) of each eligible paragraph. Its LSH key is "gen:paragraph:article".
Next to it, under the same prefix ("<prefix>:" + ...):

  meta            the parameters it was built with (JSON; refused on a mismatch)
  e:<lsh key>     a paragraph entry: shingle count, sorted shingle hashes, text
  gens            article id -> "generation|paragraph indices|guid": the commit record
  added           sorted set of article ids by time added (prune, oldest, newest)
  stories, guid:<guid>   story metadata and content digest, and the articles of each story
  gen, lock       the generation counter, and the writers' lock

Where this goes under datasketch's API, and why (measured on loopback, 2-core VM):
- Queries: `MinHashLSH.query` costs one round trip per band, and
  `add_to_query_buffer` intersects several queries instead of uniting them. We send
  one SUNION per paragraph over its bands' bucket sets (`storage.redis_key(H)`, H as
  datasketch computes it), all in one pipeline: datasketch's `query` result for every
  paragraph in one round trip.
- Writes: `insertion_session` flushes 17 separate MULTI/EXEC pipelines (one per
  storage object) and rebuilds 17 Redis clients after each flush; for one
  20-paragraph article that alone took about 21 ms, and without a shared connection
  pool each flush opened 17 new connections. Removal reads each band with its own
  round trip. Instead one Lua script per article (redis_scripts.py) writes or removes
  exactly datasketch's layout, atomically, in one round trip.
- One connection pool, built from the URL, is shared through the storage config
  (`{"connection_pool": pool}` is a valid `redis.Redis` argument) rather than
  host/port/db, so URLs with a password, TLS or a socket work and no storage opens
  connections of its own. Keys are bytes (`prepickle=False`): nothing read from a
  shared server is ever unpickled.

Writers take a lock ("<prefix>:lock", SET NX with a lease of LEASE_SECONDS) around
check-then-add, so each verdict reflects every article committed before it; each
script checks the lock is still held and renews the lease. A writer killed while
holding it delays the others until the lease runs out.
"""

from __future__ import annotations

import json
import re
import struct
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import numpy as np
import redis
from datasketch import LeanMinHash, MinHashLSH
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..config import Params
from ..errors import IndexRefused
from ..model import Article, Story
from ..signature import SCHEME
from .base import (
    ArticleHashes,
    Entry,
    Index,
    Stored,
    Summary,
    check_structure,
    now,
    record_json,
    stored_record,
    structure,
)
from .redis_scripts import DROP, OPEN, PUT, RELEASE, TAKE

LEASE_SECONDS = 10.0  # a lock holder that dies frees the index after this long
BUSY_SECONDS = 30.0  # how long a writer waits for the lock before giving up
POLL_MAX_SECONDS = 0.01  # a waiting writer tries at least this often
WANT_MS = 50  # a waiting writer's mark lasts this long after its last try
YIELD_SECONDS = 0.025  # a writer that finds the mark waits this long before its next try
CONNECT_SECONDS = 2.0  # at open: each step of reaching the server (TCP, TLS, AUTH, PING)
CONNECT_TRIES = 3  # at open: attempts to reach a server that refuses, POLL_SECONDS apart
POLL_SECONDS = 0.3
_DROP_BATCH = 200  # articles per removal script (the server runs each alone)
_PREFIX = re.compile(r"^[^:\s]+$")
T = TypeVar("T")


def _shown(spec: str) -> str:
    """A URL as given, for messages: without its password."""
    try:
        parts = urllib.parse.urlsplit(spec)
        if parts.password is None:
            return spec
    except ValueError:
        return spec.split("://", 1)[0] + "://..."
    user, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}").geturl()


def _pool(spec: str) -> redis.ConnectionPool:
    """A connection pool for a Redis URL; IndexRefused for one that is not.

    redis-py reads the database from the path leniently ("/5x" is database 0, "/5/6"
    is 56): here it must be a number.
    """
    try:
        parts = urllib.parse.urlsplit(spec)
        db = urllib.parse.unquote(parts.path).removeprefix("/")
        if parts.scheme in ("redis", "rediss") and db and not re.fullmatch(r"[0-9]+", db):
            raise IndexRefused(
                f"{_shown(spec)}: the database in a Redis URL is a number "
                f"(redis://HOST:PORT/DB), got {db!r}"
            )
        return redis.ConnectionPool.from_url(
            spec,
            socket_connect_timeout=CONNECT_SECONDS,
            socket_timeout=10,
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError as err:
        raise IndexRefused(f"{_shown(spec)}: not a Redis URL ({err})") from None


def _address(spec: str, pool: redis.ConnectionPool) -> str:
    """The server's address for messages: no password."""
    kwargs = pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    scheme = spec.split("://", 1)[0]
    host, port = kwargs.get("host", "localhost"), kwargs.get("port", 6379)
    return f"{scheme}://{host}:{port}/{kwargs.get('db', 0)}"


def _id(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _text(raw: bytes | str) -> str:
    return raw if isinstance(raw, str) else raw.decode("utf-8", "surrogatepass")


def _entry(text: str, shingles: np.ndarray) -> bytes:
    """A paragraph as stored: shingle count (uint32), shingles (uint64), UTF-8 text."""
    return struct.pack("<I", len(shingles)) + shingles.astype("<u8").tobytes() + _id(text)


def _unentry(article: str, paragraph: int, blob: bytes) -> Entry:
    (n,) = struct.unpack_from("<I", blob)
    shingles = np.frombuffer(blob, dtype="<u8", count=n, offset=4).astype(np.uint64)
    text = blob[4 + 8 * n :].decode("utf-8", "surrogatepass")
    return Entry(article, paragraph, text, shingles)


class RedisIndex(Index):
    """An index in a Redis database under a key prefix (see the module docstring)."""

    batch = 100  # each article is atomic anyway; hold the lock briefly for the other writers

    def __init__(self, spec: str, params: Params, prefix: str = "dedup", create: bool = True):
        self.params = params
        if not _PREFIX.match(prefix):
            raise IndexRefused(f"{prefix!r}: a key prefix must be non-empty, without ':' or spaces")
        self._pool = _pool(spec)
        self.location = f"{_address(spec, self._pool)} (prefix {prefix})"
        self._redis = redis.Redis(connection_pool=self._pool)
        self._p = prefix + ":"
        self._depth = 0
        self._token = b""
        self._memo: tuple[ArticleHashes | None, list[list[bytes]]] = (None, [])
        try:
            self._open(create)
        except IndexRefused:
            self._pool.disconnect()
            raise

    def _open(self, create: bool) -> None:
        self._connect()
        self._lsh = MinHashLSH(
            num_perm=self.params.num_perm,
            params=(self.params.bands, self.params.rows),
            storage_config={
                "type": "redis",
                "basename": _id(self._p + "lsh"),
                "redis": {"connection_pool": self._pool},
            },
            prepickle=False,
        )
        tables = self._lsh.hashtables
        self._head = [
            self._lsh.keys.redis_key(b""),
            str(len(tables)).encode(),
            *(t.redis_key(b"") for t in tables),
        ]
        self._put = self._redis.register_script(PUT)
        self._drop = self._redis.register_script(DROP)
        self._take = self._redis.register_script(TAKE)
        self._release = self._redis.register_script(RELEASE)
        self._opened = self._redis.register_script(OPEN)
        self._stamp = self._call(self._open_meta, create)
        check_structure(self._parsed(self._stamp), self.params, self.location)

    def _connect(self) -> None:
        """Reach the server, retrying briefly while it refuses; refuse with its address if
        it stays away, does not answer, or says no.

        The first connection is a probe whose every step (TCP, TLS handshake, AUTH,
        SELECT, PING) must answer within CONNECT_SECONDS: a TLS handshake with a server
        that does not speak TLS otherwise waits out the socket timeout of each try.
        """
        kwargs = {**self._pool.connection_kwargs, "socket_timeout": CONNECT_SECONDS}
        for attempt in range(CONNECT_TRIES):
            probe = self._pool.connection_class(**kwargs)
            try:
                probe.connect()
                probe.send_command("PING")
                probe.read_response()
                return
            except redis.TimeoutError:
                raise IndexRefused(self._silent()) from None
            except (redis.ResponseError, redis.AuthenticationError) as err:
                raise IndexRefused(f"{self.location}: Redis refused: {err}") from None
            except redis.RedisError as err:
                if attempt + 1 == CONNECT_TRIES:
                    raise IndexRefused(f"{self.location}: Redis unreachable ({err})") from None
                time.sleep(POLL_SECONDS)
            finally:
                probe.disconnect()

    def _silent(self) -> str:
        """Why a server that accepted the connection did not answer in time."""
        wait = f"{CONNECT_SECONDS:.0f} s"
        if self._pool.connection_class is redis.SSLConnection:
            return (
                f"{self.location}: no answer to the TLS handshake within {wait} (a server "
                "without TLS needs redis://, not rediss://)"
            )
        return f"{self.location}: Redis unreachable (no answer within {wait})"

    def _open_meta(self, create: bool) -> bytes:
        """The stored parameters (stored now if the prefix is new and `create`), as
        stored; refused if the prefix holds data without them."""
        p = self._p
        data = [p + "gens", p + "gen", p + "added", p + "stories", self._head[0]]
        try:
            raw = self._opened(
                keys=[p + "meta", *data], args=["1" if create else "0", self._wanted()]
            )
        except redis.ResponseError as err:
            if not str(err).startswith("DEDUP_ORPHAN"):
                raise
            raise IndexRefused(
                f"{self.location}: holds index data but not its parameters ({p}meta is gone: "
                f"evicted, flushed or not persisted); delete the keys under '{p}' and rebuild "
                "the index with dedup index add"
            ) from None
        if raw is None:
            raise IndexRefused(f"{self.location}: no such index")
        return bytes(raw)

    def _wanted(self) -> str:
        """The meta value an index with these parameters stores."""
        return json.dumps(structure(self.params), sort_keys=True)

    def _parsed(self, raw: bytes) -> dict[str, str]:
        """Stored parameters from the meta value."""
        try:
            stored = json.loads(raw)
        except ValueError:
            stored = None
        if not isinstance(stored, dict):
            raise IndexRefused(f"{self.location}: {self._p}meta is not a dedup index's parameters")
        return {str(k): str(v) for k, v in stored.items()}

    def _call(self, action: Callable[..., T], *args: Any) -> T:
        """Run `action`, turning Redis failures into a one-line IndexRefused."""
        try:
            return action(*args)
        except redis.ResponseError as err:
            if str(err).startswith("DEDUP_META"):
                raise IndexRefused(
                    f"{self.location}: the index's parameters ({self._p}meta) are gone or "
                    "changed (evicted, flushed, lost in a restart, or replaced); stopped "
                    "writing; run again to see what is left"
                ) from None
            if str(err).startswith("DEDUP_LOCK"):
                raise IndexRefused(
                    f"{self.location}: lost the index lock (held over {LEASE_SECONDS:.0f} s); "
                    "try again"
                ) from None
            raise IndexRefused(f"{self.location}: Redis refused: {err}") from None
        except redis.RedisError as err:
            raise IndexRefused(f"{self.location}: Redis unreachable ({err})") from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._call(self._acquire)
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
            with suppress(redis.RedisError):  # if Redis is gone, the lease frees it
                self._release(keys=[self._p + "lock"], args=[self._token])

    def _acquire(self) -> None:
        """Take the lock, polling; a writer coming back for it yields to one already waiting.

        Without that a bulk add, which takes the lock again right after releasing it,
        would starve a filter worker polling for it.
        """
        token = uuid.uuid4().hex.encode()
        deadline = time.monotonic() + BUSY_SECONDS
        keys = [self._p + "lock", self._p + "want"]
        lease = str(int(LEASE_SECONDS * 1000))
        fresh, pause = b"1", 0.001
        while not self._take(keys=keys, args=[token, lease, fresh, str(WANT_MS)]):
            if time.monotonic() > deadline:
                raise IndexRefused(
                    f"{self.location}: another writer has held the index for {BUSY_SECONDS:.0f} s;"
                    " try again later"
                )
            time.sleep(YIELD_SECONDS if fresh == b"1" else pause)
            fresh, pause = b"0", min(pause * 2, POLL_MAX_SECONDS)
        self._token = token

    def _script_args(self) -> list[bytes | str]:
        return [self._token, str(int(LEASE_SECONDS * 1000)), self._p, self._stamp, *self._head]

    def _bands(self, hashed: ArticleHashes) -> list[list[bytes]]:
        """Each paragraph's band values H, as datasketch derives them from a LeanMinHash.

        datasketch's H for rows [s, e) is `bytes(hashvalues[s:e].byteswap().data)`; here
        one byteswapped matrix is cut into them. Kept for the next call: `Filter.check`
        asks for candidates and then adds the same article.
        """
        if self._memo[0] is hashed:
            return self._memo[1]
        leans = [
            LeanMinHash(seed=self.params.seed, hashvalues=column, scheme=SCHEME)
            for column in hashed.signatures.T
        ]
        bands, rows = self._lsh.b, self._lsh.r
        out = []
        for lean in leans:
            size = rows * lean.hashvalues.itemsize
            raw = lean.hashvalues[: bands * rows].byteswap().tobytes()
            out.append([raw[i * size : (i + 1) * size] for i in range(bands)])
        self._memo = (hashed, out)
        return out

    def candidates(self, hashed: ArticleHashes) -> list[list[Entry]]:
        return self._call(self._candidates, hashed)

    def _candidates(self, hashed: ArticleHashes) -> list[list[Entry]]:
        if not hashed.paragraphs:
            return []
        tables = self._lsh.hashtables
        pipe = self._redis.pipeline(transaction=False)
        for hs in self._bands(hashed):
            pipe.sunion([t.redis_key(h) for t, h in zip(tables, hs, strict=True)])
        found: list[set[bytes]] = pipe.execute()
        keys = sorted(set().union(*found))
        if not keys:
            return [[] for _ in found]
        parsed = {key: key.split(b":", 2) for key in keys}
        ids = sorted({p[2] for p in parsed.values()})
        pipe = self._redis.pipeline(transaction=False)
        pipe.mget([self._p.encode() + b"e:" + key for key in keys])
        pipe.hmget(self._p + "gens", ids)
        blobs, commits = pipe.execute()
        committed = {i: c.split(b"|", 1)[0] for i, c in zip(ids, commits, strict=True) if c}
        entries: dict[bytes, Entry] = {}
        for key, blob in zip(keys, blobs, strict=True):
            gen, idx, article = parsed[key]
            if blob is not None and committed.get(article) == gen:
                entries[key] = _unentry(_text(article), int(idx), blob)
        return [[entries[k] for k in sorted(group) if k in entries] for group in found]

    def add(self, article: Article, hashed: ArticleHashes, when: float | None = None) -> bool:
        story = article.story
        own = [
            _id(article.id),
            repr(now() if when is None else when),
            _id(story.guid) if story and story.guid else b"",
            record_json(article),
            str(len(hashed.paragraphs)),
        ]
        for idx, text, shingles, hs in zip(
            hashed.paragraphs, hashed.texts, hashed.shingles, self._bands(hashed), strict=True
        ):
            own += [str(idx), _entry(text, shingles), *hs]
        with self.transaction():
            return bool(self._call(self._put, [], [*self._script_args(), *own]))

    def stored(self, article_id: str) -> Stored | None:
        return self._call(self._stored, article_id)

    def _stored(self, article_id: str) -> Stored | None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.hget(self._p + "gens", _id(article_id))
        pipe.hget(self._p + "stories", _id(article_id))
        commit, record = pipe.execute()
        if commit is None:
            return None
        digest = stored_record(_text(record) if record else None)[1]
        gen, listed, _ = _text(commit).split("|", 2)
        idxs = [int(i) for i in listed.split(",") if i]
        if not idxs:
            return Stored([], digest)
        keys = [_id(f"{self._p}e:{gen}:{i}:{article_id}") for i in idxs]
        blobs: Any = self._redis.mget(keys)
        return Stored(
            [
                (i, _unentry(article_id, i, blob).text)
                for i, blob in zip(idxs, blobs, strict=True)
                if blob is not None
            ],
            digest,
        )

    def remove(self, article_id: str) -> bool:
        with self.transaction():
            return bool(self._call(self._drop, [], [*self._script_args(), _id(article_id)]))

    def prune(self, before: float) -> int:
        with self.transaction():
            ids = self._call(self._redis.zrangebyscore, self._p + "added", "-inf", f"({before!r}")
            gone = 0
            for start in range(0, len(ids), _DROP_BATCH):
                batch = ids[start : start + _DROP_BATCH]
                gone += self._call(self._drop, [], [*self._script_args(), *batch])
        return gone

    def stories(self, key: str) -> list[tuple[str, Story]]:
        return self._call(self._stories, key)

    def _stories(self, key: str) -> list[tuple[str, Story]]:
        pipe = self._redis.pipeline(transaction=False)
        pipe.smembers(self._p + "guid:" + key)
        pipe.hexists(self._p + "gens", _id(key))
        members, stored = pipe.execute()
        ids = sorted({_text(i) for i in members} | ({key} if stored else set()))
        if not ids:
            return []
        data = self._redis.hmget(self._p + "stories", [_id(i) for i in ids])
        return [
            (i, stored_record(_text(d) if d else None)[0]) for i, d in zip(ids, data, strict=True)
        ]

    def summary(self) -> Summary:
        return self._call(self._summary)

    def _summary(self) -> Summary:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hlen(self._p + "gens")
        pipe.hlen(self._lsh.keys.redis_key(b""))
        pipe.zrange(self._p + "added", 0, 0, withscores=True)
        pipe.zrange(self._p + "added", -1, -1, withscores=True)
        pipe.info("memory")
        articles, paragraphs, oldest, newest, memory = pipe.execute()
        return Summary(
            articles,
            paragraphs,
            oldest[0][1] if oldest else None,
            newest[0][1] if newest else None,
            self._parsed(self._stamp),
            self.location,
            {"server_bytes": memory["used_memory"]},
        )

    def close(self) -> None:
        self._pool.disconnect()
