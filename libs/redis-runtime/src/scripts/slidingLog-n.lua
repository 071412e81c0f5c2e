--[[
  Sliding window log over N dimensions (one sorted set per dimension, scored by Redis time in ms), all or
  nothing: phase 1 trims and counts every log, phase 2 adds the request to all of them only when every
  dimension has room.

  KEYS[i]       log of dimension i (sorted set: member "<ms>-<request id>-<unit>", score ms)
  ARGV[1]       cost (units this request consumes; one member each, so the policy caps the limit and with it
                the members one call can add: MAX_SLIDING_LOG_LIMIT in rate-limit-policy.ts)
  ARGV[2]       request id, unique per call (keeps members distinct within one millisecond)
  ARGV[2i+1]    limit of dimension i
  ARGV[2i+2]    window length of dimension i, ms

  Returns {allowed, then per dimension: allowed, remaining, resetMs, retryAfterMs}
  (resetMs until the oldest counted request leaves the window; retryAfterMs until enough of them have).
  Key TTL: window + 1 s.
]]
-- @include "rateLimitClock"
local ZADD_CHUNK = 1000 -- members per ZADD
local now = rateLimitNowMs()
local cost = tonumber(ARGV[1])
local n = #KEYS
local reply = {1}

local function expiresIn(key, rank, windowMs)
  local entry = redis.call('ZRANGE', key, rank, rank, 'WITHSCORES')
  if entry[2] == nil then return windowMs end
  return tonumber(entry[2]) + windowMs - now
end

for i = 1, n do
  local limit = tonumber(ARGV[2 * i + 1])
  local windowMs = tonumber(ARGV[2 * i + 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - windowMs)
  local count = redis.call('ZCARD', KEYS[i])
  local base = 4 * i - 2
  local resetMs = expiresIn(KEYS[i], 0, windowMs)
  if count + cost <= limit then
    reply[base], reply[base + 1], reply[base + 2], reply[base + 3] = 1, limit - count - cost, resetMs, 0
  else
    reply[1] = 0
    local mustLeave = count + cost - limit
    local retryMs = windowMs
    if mustLeave <= count then retryMs = expiresIn(KEYS[i], mustLeave - 1, windowMs) end
    local left = limit - count
    if left < 0 then left = 0 end
    reply[base], reply[base + 1], reply[base + 2], reply[base + 3] = 0, left, resetMs, retryMs
  end
end

if reply[1] == 1 then
  -- ZADD in chunks: unpack() of more than about 8000 values overflows Lua's stack, and the script would fail
  -- after the check had allowed the request.
  local chunks, chunk = {}, {}
  for u = 1, cost do
    chunk[#chunk + 1] = now
    chunk[#chunk + 1] = now .. '-' .. ARGV[2] .. '-' .. u
    if #chunk == 2 * ZADD_CHUNK or u == cost then
      chunks[#chunks + 1] = chunk
      chunk = {}
    end
  end
  for i = 1, n do
    for c = 1, #chunks do
      redis.call('ZADD', KEYS[i], unpack(chunks[c]))
    end
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * i + 2]) + 1000)
  end
end
return reply
