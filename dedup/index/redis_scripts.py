"""Lua scripts that change a Redis index, each run atomically by the server.

Every writing script first checks that the index still holds the parameters the
caller opened it with (its meta key, byte for byte: a key evicted, flushed or lost in
a restart would otherwise let a writer go on without them, and the next process stamp
other parameters onto the data), then that the caller still holds the index lock (its
token is the lock's value), and renews the lease; a writer that fails either check
changes nothing. `PUT` stores one article in one step: its paragraph entries, its LSH keys in
datasketch's own storage layout, and its commit record, after removing the
generation it replaces. `DROP` removes articles the same way. So an article is
either wholly visible or not at all, whatever happens to the client.

datasketch's layout (datasketch/storage.py, RedisListStorage and RedisSetStorage
`_insert`/`remove`), reproduced for one LSH key K with band values H1..Hb:
`HSET <keys> K <keys>K`, `RPUSH <keys>K H1..Hb`, and per band i
`HSET <bucket_i> Hi <bucket_i>Hi`, `SADD <bucket_i>Hi K`; removal undoes each and
drops a bucket's hash field once its set is empty. The tests check this against
datasketch's own `insert`, `query` and `remove`.

Arguments common to both: token, lease (ms), key prefix ("<prefix>:"), the meta
value, datasketch's keys-table name, number of bands, the band tables' names; then
the operation's own.
Keys are named inside the scripts, so they need a standalone Redis (as datasketch's
Redis storage does), not Redis Cluster.
"""

from __future__ import annotations

_COMMON = """
local token, lease, P, meta, lkeys = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local nb = tonumber(ARGV[6])
if redis.call('GET', P .. 'meta') ~= meta then
  return redis.error_reply('DEDUP_META the index parameters are gone or changed')
end
if redis.call('GET', P .. 'lock') ~= token then
  return redis.error_reply('DEDUP_LOCK the index lock was lost')
end
redis.call('PEXPIRE', P .. 'lock', lease)
local buckets = {}
for i = 1, nb do buckets[i] = ARGV[6 + i] end
local at = 7 + nb

local function unlink(id)
  local commit = redis.call('HGET', P .. 'gens', id)
  if not commit then return 0 end
  local gen, idxs, guid = string.match(commit, '^(%d+)|([%d,]*)|(.*)$')
  for idx in string.gmatch(idxs, '%d+') do
    local key = gen .. ':' .. idx .. ':' .. id
    local hs = redis.call('LRANGE', lkeys .. key, 0, -1)
    for i, h in ipairs(hs) do
      local bucket = buckets[i] .. h
      redis.call('SREM', bucket, key)
      if redis.call('SCARD', bucket) == 0 then redis.call('HDEL', buckets[i], h) end
    end
    redis.call('HDEL', lkeys, key)
    redis.call('DEL', lkeys .. key, P .. 'e:' .. key)
  end
  if guid ~= '' then redis.call('SREM', P .. 'guid:' .. guid, id) end
  redis.call('HDEL', P .. 'gens', id)
  redis.call('HDEL', P .. 'stories', id)
  redis.call('ZREM', P .. 'added', id)
  return 1
end
"""

PUT = (
    _COMMON
    + """
-- id, time added, guid or '', record JSON (story, digest), n; then n x (index, entry, H1..Hb)
local id, added, guid, story, n = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3],
  tonumber(ARGV[at + 4])
local replaced = unlink(id)
local gen = redis.call('INCR', P .. 'gen')
local idxs = {}
local j = at + 5
for p = 1, n do
  local idx = ARGV[j]
  local key = gen .. ':' .. idx .. ':' .. id
  redis.call('SET', P .. 'e:' .. key, ARGV[j + 1])
  redis.call('HSET', lkeys, key, lkeys .. key)
  local hs = {}
  for i = 1, nb do
    local h = ARGV[j + 1 + i]
    hs[i] = h
    redis.call('HSET', buckets[i], h, buckets[i] .. h)
    redis.call('SADD', buckets[i] .. h, key)
  end
  redis.call('RPUSH', lkeys .. key, unpack(hs))
  idxs[p] = idx
  j = j + 2 + nb
end
redis.call('HSET', P .. 'gens', id, gen .. '|' .. table.concat(idxs, ',') .. '|' .. guid)
redis.call('ZADD', P .. 'added', added, id)
if story ~= '' then redis.call('HSET', P .. 'stories', id, story) end
if guid ~= '' then redis.call('SADD', P .. 'guid:' .. guid, id) end
return replaced
"""
)

DROP = (
    _COMMON
    + """
-- article ids; returns how many were there
local gone = 0
for j = at, #ARGV do gone = gone + unlink(ARGV[j]) end
return gone
"""
)

TAKE = """
-- KEYS: lock, want; ARGV: token, lease (ms), fresh ('1' on a first try), want (ms)
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
return 0
"""

OPEN = """
-- KEYS: meta, then keys only an index's data creates; ARGV: create ('1' or '0'), meta
-- The meta if there is one; else, if no data is there either and create is '1', the
-- given meta, stored; else false, or an error when data is there without a meta.
local stored = redis.call('GET', KEYS[1])
if stored then return stored end
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return redis.error_reply('DEDUP_ORPHAN') end
end
if ARGV[1] ~= '1' then return false end
redis.call('SET', KEYS[1], ARGV[2])
return ARGV[2]
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
