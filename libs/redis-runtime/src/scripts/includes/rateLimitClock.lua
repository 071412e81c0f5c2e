-- Server time in whole milliseconds, from the Redis TIME of the node running the script: every client
-- (whatever its own clock says) sees the same windows and refills. Redis 5+ replicates script effects,
-- so reading TIME before writing is allowed.
local function rateLimitNowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Splits a "a:b[:c]" state value into numbers.
local function rateLimitFields(value)
  local fields = {}
  for part in string.gmatch(value, '[^:]+') do fields[#fields + 1] = tonumber(part) end
  return fields
end
