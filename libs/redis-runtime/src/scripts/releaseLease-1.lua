--[[
  Releases a lease, only for the holder whose token it stores; another holder's lease is left alone.

  KEYS[1] lease key
  ARGV[1] holder token

  Returns {1} when released, {0} when the key is gone or holds another token.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {0}
end
redis.call('DEL', KEYS[1])
return {1}
