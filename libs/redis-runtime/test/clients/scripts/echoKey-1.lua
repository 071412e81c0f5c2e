--[[
  Test script: returns its key and first argument.
  KEYS[1]  any key
  ARGV[1]  any value
  Returns  {KEYS[1], ARGV[1]}
]]
return {KEYS[1], ARGV[1]}
