--[[
  Token bucket over N dimensions, all or nothing: every bucket is refilled (on read, by Redis time) and
  checked first; tokens are taken from all of them only when every bucket holds enough.

  KEYS[i]       bucket of dimension i; value "<tokens>:<last refill, ms>"
  ARGV[1]       cost (tokens this request takes)
  ARGV[2i]      capacity of dimension i
  ARGV[2i+1]    refill of dimension i, tokens per second (> 0)

  Returns {allowed, then per dimension: allowed, remaining, resetMs, retryAfterMs}
  (remaining whole tokens; resetMs until the bucket is full; retryAfterMs until it holds the cost).
  Key TTL: time to refill to full + 1 s (a full bucket is the same as no key).
]]
-- @include "rateLimitClock"
local now = rateLimitNowMs()
local cost = tonumber(ARGV[1])
local n = #KEYS
local reply = {1}
local tokens = {}

for i = 1, n do
  local capacity = tonumber(ARGV[2 * i])
  local perMs = tonumber(ARGV[2 * i + 1]) / 1000
  local level = capacity
  local value = redis.call('GET', KEYS[i])
  if value then
    local f = rateLimitFields(value)
    local elapsed = now - f[2]
    if elapsed < 0 then elapsed = 0 end
    level = math.min(capacity, f[1] + elapsed * perMs)
  end
  tokens[i] = level
  local base = 4 * i - 2
  if level >= cost then
    local after = level - cost
    reply[base], reply[base + 1], reply[base + 2], reply[base + 3] =
      1, math.floor(after), math.ceil((capacity - after) / perMs), 0
  else
    reply[1] = 0
    local needed = math.min(cost, capacity) - level
    reply[base], reply[base + 1], reply[base + 2], reply[base + 3] =
      0, math.floor(level), math.ceil((capacity - level) / perMs), math.max(1, math.ceil(needed / perMs))
  end
end

if reply[1] == 1 then
  for i = 1, n do
    local capacity = tonumber(ARGV[2 * i])
    local perMs = tonumber(ARGV[2 * i + 1]) / 1000
    local after = tokens[i] - cost
    redis.call('SET', KEYS[i], string.format('%.17g', after) .. ':' .. now, 'PX', math.ceil((capacity - after) / perMs) + 1000)
  end
end
return reply
