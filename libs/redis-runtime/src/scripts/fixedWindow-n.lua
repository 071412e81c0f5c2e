--[[
  Fixed window over N dimensions, all or nothing: phase 1 reads every counter, phase 2 writes all of them
  only when every dimension has room, so a request rejected by one dimension consumes no other's quota.

  KEYS[i]       counter of dimension i; value "<window index>:<count>", window index from Redis TIME
  ARGV[1]       cost (units this request consumes)
  ARGV[2i]      limit of dimension i
  ARGV[2i+1]    window length of dimension i, ms

  Returns {allowed, then per dimension: allowed, remaining, resetMs, retryAfterMs}
  (allowed 1/0; remaining after this request when allowed, else what is left now; resetMs until the
  window ends; retryAfterMs 0 when this dimension has room).
  Key TTL: rest of the window + 1 s.
]]
-- @include "rateLimitClock"
local now = rateLimitNowMs()
local cost = tonumber(ARGV[1])
local n = #KEYS
local reply = {1}
local windows, counts, resets = {}, {}, {}

for i = 1, n do
  local limit = tonumber(ARGV[2 * i])
  local windowMs = tonumber(ARGV[2 * i + 1])
  local window = math.floor(now / windowMs)
  local count = 0
  local value = redis.call('GET', KEYS[i])
  if value then
    local f = rateLimitFields(value)
    if f[1] == window then count = f[2] end
  end
  local resetMs = (window + 1) * windowMs - now
  windows[i], counts[i], resets[i] = window, count, resetMs
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
    redis.call('SET', KEYS[i], windows[i] .. ':' .. (counts[i] + cost), 'PX', resets[i] + 1000)
  end
end
return reply
