--[[
  Replaces a cache-aside entry by a tombstone with a new fence: every fill that read the key before this is refused
  by writeCacheEntry-1, however late it arrives, while the fence lasts. The version of the replaced value stays in
  the tombstone as the floor for versioned writes.

  KEYS[1] entry key
  ARGV[1] schemaVersion written in the tombstone
  ARGV[2] tombstone TTL in ms

  Returns the new fence, as text: max(stored fence + 1, Redis TIME in microseconds). The TIME floor keeps fences
  increasing after a tombstone expired or was evicted, so a fence seen before can never come back.
]]
local stored = redis.call('GET', KEYS[1])
local fence, version = 0, nil
if stored then
  fence = tonumber(string.match(stored, '^{"schemaVersion":%d+,"fence":(%d+)')) or 0
  version = string.match(stored, '^{"schemaVersion":%d+,"fence":%d+,"version":(%d+)')
end
local now = redis.call('TIME')
local next = string.format('%d', math.max(fence + 1, tonumber(now[1]) * 1000000 + tonumber(now[2])))
local tombstone = '{"schemaVersion":' .. ARGV[1] .. ',"fence":' .. next
if version then tombstone = tombstone .. ',"version":' .. version end
redis.call('SET', KEYS[1], tombstone .. ',"tombstone":true}', 'PX', ARGV[2])
return next
