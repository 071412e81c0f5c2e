--[[
  Counts one sampled read of a member in a bounded sorted set of hot members.

  KEYS[1]  the sorted set (member -> sampled read count)
  ARGV[1]  member
  ARGV[2]  the most members kept; the set is trimmed back to this size once it holds twice as many, so trimming
           runs rarely and the set never grows without bound
  ARGV[3]  TTL, ms (refreshed on every write: the set lives as long as it is read)

  Returns  the member's new count
]]
local count = redis.call('ZINCRBY', KEYS[1], 1, ARGV[1])
local max = tonumber(ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= 2 * max then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(max + 1))
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return count
