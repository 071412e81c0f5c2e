--[[
  Adds read counts of members to a bounded sorted set of hot members.

  KEYS[1]  the sorted set (member -> read count)
  ARGV[1]  the most members kept; the set is trimmed back to this size once it holds twice as many, so trimming
           runs rarely and the set never grows without bound
  ARGV[2]  TTL, ms (refreshed on every write: the set lives as long as it is read)
  ARGV[3], ARGV[4], ...  pairs of member and count to add (one sampled read, or a batch counted in process)

  Returns  the set's size after trimming
]]
for i = 3, #ARGV, 2 do
  redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i])
end
local max = tonumber(ARGV[1])
local size = redis.call('ZCARD', KEYS[1])
if size >= 2 * max then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(max + 1))
  size = max
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return size
