--[[
  Sliding window counter over N dimensions, all or nothing: the estimate is the current window's count plus
  the previous window's count weighted by how much of it still overlaps the sliding window.

  KEYS[i]       state of dimension i; value "<window index>:<current count>:<previous count>"
  ARGV[1]       cost (units this request consumes)
  ARGV[2i]      limit of dimension i
  ARGV[2i+1]    window length of dimension i, ms

  Returns {allowed, then per dimension: allowed, remaining, resetMs, retryAfterMs}
  (resetMs until the current window ends; retryAfterMs until the estimate leaves room for the cost).
  Key TTL: rest of the window + one more window (it is the "previous" one there) + 1 s.
]]
-- @include "rateLimitClock"
local now = rateLimitNowMs()
local cost = tonumber(ARGV[1])
local n = #KEYS
local reply = {1}
local windows, currents, previous, resets = {}, {}, {}, {}

for i = 1, n do
  local limit = tonumber(ARGV[2 * i])
  local windowMs = tonumber(ARGV[2 * i + 1])
  local window = math.floor(now / windowMs)
  local current, prev = 0, 0
  local value = redis.call('GET', KEYS[i])
  if value then
    local f = rateLimitFields(value)
    if f[1] == window then
      current, prev = f[2], f[3]
    elseif f[1] == window - 1 then
      prev = f[2]
    end
  end
  local elapsed = now - window * windowMs
  local estimate = prev * (windowMs - elapsed) / windowMs + current
  local resetMs = windowMs - elapsed
  windows[i], currents[i], previous[i], resets[i] = window, current, prev, resetMs
  local base = 4 * i - 2
  if estimate + cost <= limit then
    reply[base], reply[base + 1], reply[base + 2], reply[base + 3] = 1, math.floor(limit - estimate - cost), resetMs, 0
  else
    reply[1] = 0
    local retryMs
    if current + cost <= limit and prev > 0 then
      -- room comes within this window, as the previous window's weight shrinks
      retryMs = math.ceil(windowMs * (1 - (limit - current - cost) / prev) - elapsed)
    else
      -- wait for the next window, where this window's count becomes the weighted one
      local after = 0
      if current > 0 then after = windowMs * (1 - (limit - cost) / current) end
      if after < 0 then after = 0 end
      if after > windowMs then after = windowMs end
      retryMs = resetMs + math.ceil(after)
    end
    if retryMs < 1 then retryMs = 1 end
    local left = math.floor(limit - estimate)
    if left < 0 then left = 0 end
    reply[base], reply[base + 1], reply[base + 2], reply[base + 3] = 0, left, resetMs, retryMs
  end
end

if reply[1] == 1 then
  for i = 1, n do
    local windowMs = tonumber(ARGV[2 * i + 1])
    -- %d, not `..`: Lua writes numbers with 14 significant digits, which would lose units of counts above 10^14
    local state = string.format('%d:%d:%d', windows[i], currents[i] + cost, previous[i])
    redis.call('SET', KEYS[i], state, 'PX', resets[i] + windowMs + 1000)
  end
end
return reply
