--[[
  Writes a cache-aside entry unless the key holds something newer: the no-stale-write primitive. An entry is JSON
  that starts {"schemaVersion":S,"fence":F[,"version":V], where F is the fence of the last invalidation the writer
  had seen when it read the key; a tombstone (invalidateCacheEntry-1) is {"schemaVersion":S,"fence":F
  [,"version":V],"tombstone":true}. Nothing is decoded here: both numbers are read from the prefix.

  KEYS[1] entry key
  ARGV[1] mode: 'fill' refused when the stored fence is above ARGV[2]: the key was invalidated after the writer
                       read it, so its value may be older than the invalidation
                'set'  not fenced (nothing was read); the entry is written with the stored fence, so fills that read
                       before an earlier invalidation stay refused
  ARGV[2] the fence the writer saw when it read the key (0: nothing stored, or an entry without a fence); the entry
          in ARGV[4] carries it ('set': 0)
  ARGV[3] the new value's version, or '' when unversioned: refused below a stored version (tombstones keep the
          version of the value they replaced)
  ARGV[4] the entry
  ARGV[5] TTL in ms

  Returns {1} Written; {2, stored entry} Refused, a newer value is stored; {3, stored fence} Refused, a newer
  tombstone is stored. A written entry carrying a fence keeps at least the stored entry's remaining TTL: a short-lived
  value written over a tombstone must not take the fence with it when it expires (readers honour the entry's own
  expiresAt, so it is not served longer).
]]
local stored = redis.call('GET', KEYS[1])
local fence, version, tombstone = 0, nil, false
if stored then
  fence = tonumber(string.match(stored, '^{"schemaVersion":%d+,"fence":(%d+)')) or 0
  version = tonumber(string.match(stored, '^{"schemaVersion":%d+,"fence":%d+,"version":(%d+)'))
  tombstone = string.sub(stored, -18) == ',"tombstone":true}'
end
local fill = ARGV[1] == 'fill'
local observed = tonumber(ARGV[2])
local newVersion = tonumber(ARGV[3])

if (fill and fence > observed) or (newVersion and version and version > newVersion) then
  if tombstone then return {3, string.format('%d', fence)} end
  return {2, stored}
end

local entry = ARGV[4]
local written = observed
if not fill and fence > observed then
  entry = string.gsub(entry, '^({"schemaVersion":%d+,"fence":)%d+', '%1' .. string.format('%d', fence), 1)
  written = fence
end
local ttl = tonumber(ARGV[5])
if written > 0 and stored then
  local remaining = redis.call('PTTL', KEYS[1])
  if remaining > ttl then ttl = remaining end
end
redis.call('SET', KEYS[1], entry, 'PX', ttl)
return {1}
