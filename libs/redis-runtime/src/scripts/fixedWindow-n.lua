--[[
  Fixed window over N dimensions, all or nothing: phase 1 reads every counter, phase 2 counts the request on
  all of them only when every dimension has room, so a request rejected by one dimension consumes no other's
  quota. Needs Redis >= 7.0 (PEXPIRETIME).

  KEYS[i]       counter of dimension i: a plain integer that expires exactly at the end of its window, so the
                key's existence says which window it counts (window boundaries from Redis TIME)
  ARGV[1]       cost (units this request consumes)
  ARGV[2i]      limit of dimension i
  ARGV[2i+1]    window length of dimension i, ms

  Returns {allowed, then per dimension: allowed, remaining, resetMs, retryAfterMs}
  (allowed 1/0; remaining after this request when allowed, else what is left now; resetMs until the
  window ends; retryAfterMs 0 when this dimension has room).
  Key TTL: the rest of its window.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local cost = tonumber(ARGV[1])
local n = #KEYS
local reply = {1}

for i = 1, n do
  local limit = tonumber(ARGV[2 * i])
  local windowMs = tonumber(ARGV[2 * i + 1])
  local start = now - now % windowMs
  local count = tonumber(redis.call('GET', KEYS[i]) or 0)
  -- Keys expire by the script's start time, TIME is read a moment later: right after a boundary the key may
  -- still be the previous window's. Its expiry tells (it ends where this window starts).
  if count > 0 and now - start < 1000 and redis.call('PEXPIRETIME', KEYS[i]) <= start then count = 0 end
  local resetMs = start + windowMs - now
  local base = 4 * i - 2
  if count + cost <= limit then
    reply[base], reply[base + 1], reply[base + 2], reply[base + 3] = 1, limit - count - cost, resetMs, 0
  else
    reply[1] = 0
    local left = limit - count
    if left < 0 then left = 0 end
    reply[base], reply[base + 1], reply[base + 2], reply[base + 3] = 0, left, resetMs, resetMs
  end
end

if reply[1] == 1 then
  for i = 1, n do
    local base = 4 * i - 2
    if reply[base + 1] == tonumber(ARGV[2 * i]) - cost then
      -- first units of this window (or a leftover of the previous one): start the counter afresh
      redis.call('SET', KEYS[i], cost, 'PXAT', now + reply[base + 2])
    else
      redis.call('INCRBY', KEYS[i], cost)
    end
  end
end
return reply
