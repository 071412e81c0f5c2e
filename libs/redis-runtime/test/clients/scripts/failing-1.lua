--[[
  Test script: always fails, to exercise Lua error mapping.
  KEYS[1]  any key
  Returns  an error reply
]]
return redis.error_reply('ERR deliberate failure')
