--[[
  Extends a lease, only for the holder whose token it stores. An expired lease is never re-created.

  KEYS[1] lease key
  ARGV[1] holder token
  ARGV[2] new TTL in ms

  Returns {1, pttl} when extended, {0, pttl of whatever is there (-2 when nothing)} otherwise.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {0, redis.call('PTTL', KEYS[1])}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, tonumber(ARGV[2])}
