"""The Lua scripts that make each shared step one atomic call (Redis runs a script alone).

Times are the Redis server's (`TIME`), so workers on machines whose clocks
disagree still agree on leases and on a host's next start. Numbers come back
as strings where fractions matter (Redis truncates Lua numbers to integers).
"""

from __future__ import annotations

from typing import Any

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"

# The dupefilter's SADD and the queue's ZADD together: a worker killed between
# the two would leave a request seen but never queued (lost for good). ARGV[1]
# is '' for dont_filter requests. A retry or redirect of a leased request
# releases that lease in the same step (ARGV[5]).
ENQUEUE = _NOW + """
local added = 1
if ARGV[1] ~= '' then added = redis.call('SADD', KEYS[1], ARGV[1]) end
if added == 1 then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3]) end
if ARGV[5] ~= '' then
  local raw = redis.call('HGET', KEYS[3], ARGV[5])
  if raw and cjson.decode(raw).worker == ARGV[4] then redis.call('HDEL', KEYS[3], ARGV[5]) end
end
return added
"""

# Pop the best request and record it in flight under this worker, in one step.
POP = _NOW + """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local fp = redis.sha1hex(top[1])
redis.call('HSET', KEYS[2], fp, cjson.encode({request = top[1], score = tonumber(top[2]),
  worker = ARGV[1], lease_until = now + tonumber(ARGV[2])}))
return {fp, top[1]}
"""

# Done with these requests: forget their leases (only this worker's own).
RELEASE = """
local n = 0
for i = 2, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw and cjson.decode(raw).worker == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[i]) n = n + 1 end
end
return n
"""

# Heartbeat: this worker is alive, and its leases last another lease period.
# Returns the fingerprints it no longer holds (expired and taken by another).
RENEW = _NOW + """
redis.call('HSET', KEYS[2], ARGV[1], tostring(now))
local lost = {}
for i = 3, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  local entry = raw and cjson.decode(raw)
  if entry and entry.worker == ARGV[1] then
    entry.lease_until = now + tonumber(ARGV[2])
    redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(entry))
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
"""

# Back to the queue: every expired lease (ARGV[1] == ''), or every lease of
# worker ARGV[1] (a worker that stops before the crawl is over gives its back).
REQUEUE = _NOW + """
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  local entry = cjson.decode(all[i + 1])
  if (ARGV[1] == '' and entry.lease_until < now) or (ARGV[1] ~= '' and entry.worker == ARGV[1]) then
    redis.call('ZADD', KEYS[2], entry.score, entry.request)
    redis.call('HDEL', KEYS[1], all[i])
    n = n + 1
  end
end
return n
"""

# The crawl is over when nothing is queued and nothing is in flight anywhere:
# set the end marker once (ARGV[1]) and say so; 0 while work remains.
FINISH_IF_DONE = """
if redis.call('EXISTS', KEYS[3]) == 1 then return 1 end
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('HLEN', KEYS[2]) > 0 then return 0 end
redis.call('SET', KEYS[3], ARGV[1])
return 1
"""

# The shared per-host budget. Fields: `next` (earliest start of the next
# request), `t:<token>` (a request in flight, until when). Returns '0' and
# takes a token when this request may go now, else the seconds to wait.
HOST_ACQUIRE = _NOW + """
local fields = redis.call('HGETALL', KEYS[1])
local nextat, active = 0, 0
for i = 1, #fields, 2 do
  local name, value = fields[i], tonumber(fields[i + 1])
  if name == 'next' then nextat = value
  elseif value < now then redis.call('HDEL', KEYS[1], name)
  else active = active + 1 end
end
-- Full: no token frees before the delay allows a start anyway; after that, look again soon.
if active >= tonumber(ARGV[3]) then return tostring(math.max(nextat - now, 0.01)) end
if now < nextat then return tostring(nextat - now) end
redis.call('HSET', KEYS[1], 'next', tostring(now + tonumber(ARGV[2])), 't:' .. ARGV[1], tostring(now + tonumber(ARGV[4])))
return '0'
"""

# Renew this worker's tokens (ARGV[2..]) for another ARGV[1] seconds, where they still exist.
HOST_RENEW = _NOW + """
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[1], 't:' .. ARGV[i]) == 1 then
    redis.call('HSET', KEYS[1], 't:' .. ARGV[i], tostring(now + tonumber(ARGV[1])))
  end
end
return 0
"""

# Retry-After: nobody starts a request to this host for ARGV[1] seconds.
HOST_PAUSE = _NOW + """
local nextat = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
redis.call('HSET', KEYS[1], 'next', tostring(math.max(nextat, now + tonumber(ARGV[1]))))
return 0
"""


class Scripts:
    """The scripts registered on one client (EVALSHA, loaded again by redis-py after a restart)."""

    def __init__(self, client: Any):
        self.enqueue = client.register_script(ENQUEUE)
        self.pop = client.register_script(POP)
        self.release = client.register_script(RELEASE)
        self.renew = client.register_script(RENEW)
        self.requeue = client.register_script(REQUEUE)
        self.finish_if_done = client.register_script(FINISH_IF_DONE)
        self.host_acquire = client.register_script(HOST_ACQUIRE)
        self.host_renew = client.register_script(HOST_RENEW)
        self.host_pause = client.register_script(HOST_PAUSE)
