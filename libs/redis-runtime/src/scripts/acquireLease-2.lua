--[[
  Acquires a lease and hands out its fencing token, atomically.

  KEYS[1] lease key (holds the holder's token)
  KEYS[2] fence key (last fencing token of the resource; same family and {tenant} hash tag, so same slot)
  ARGV[1] holder token (random per acquire)
  ARGV[2] lease TTL in ms
  ARGV[3] fence key TTL in ms

  Returns {1, fencingToken, pttl} when acquired, {0, '0', holderPttl} when another holder has it.

  The fencing token is max(stored + 1, Redis TIME in microseconds). The TIME floor keeps the sequence
  increasing even after the fence key was deleted, evicted or expired: every earlier token was issued at an
  earlier microsecond, and one Redis runs fewer than one script per microsecond. The token is returned as
  text so no float formatting touches it.
]]
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0, '0', redis.call('PTTL', KEYS[1])}
end
local now = redis.call('TIME')
local floor = tonumber(now[1]) * 1000000 + tonumber(now[2])
local stored = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local fence = string.format('%d', math.max(stored + 1, floor))
redis.call('SET', KEYS[2], fence, 'PX', ARGV[3])
return {1, fence, tonumber(ARGV[2])}
