--[[
  Writes a versioned JSON document under optimistic concurrency and (re)sets its TTL: the sliding expiry of an
  interactive draft. The version is read from the stored value's prefix, which the library's encoder always writes
  as {"schemaVersion":S,"version":V,"payload":...} (or {"schemaVersion":S,"version":V,"sealed":true,"payload":...}
  for a sealed document), so a large document is never decoded here.

  KEYS[1] document key
  ARGV[1] mode: 'create'  only when nothing is stored
                'replace' only over version ARGV[2] - 1, and never over a sealed document
                'restore' when nothing (or an unreadable value) is stored, or an older version: rehydrating from
                          the durable copy never moves a document back in time
  ARGV[2] version of the new document
  ARGV[3] the new document (sealed or not: its own prefix says so)
  ARGV[4] TTL in seconds
  ARGV[5] schemaVersion the caller reads

  Returns {code, storedVersion}: {1, V} Written; {2, stored} Conflict (create over a document, replace over
  another version, restore over the same or a newer one); {3, 0} Missing (replace of an absent or expired
  document); {4, 0} Unreadable (create or replace over a value that is not such a document); {5, stored} Sealed
  (replace over a sealed document, whatever version the caller names). Nothing is written except on Written.
]]
local mode = ARGV[1]
local version = tonumber(ARGV[2])
local current = redis.call('GET', KEYS[1])
local stored = nil
local sealed = false
if current then
  local schema, v, rest = string.match(current, '^{"schemaVersion":(%d+),"version":(%d+),()')
  if schema == ARGV[5] then
    stored = tonumber(v)
    sealed = string.sub(current, rest, rest + 13) == '"sealed":true,'
  else
    stored = false
  end
end

local function write()
  redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
  return {1, version}
end

if mode == 'create' then
  if stored == nil then return write() end
  if stored == false then return {4, 0} end
  return {2, stored}
elseif mode == 'replace' then
  if stored == nil then return {3, 0} end
  if stored == false then return {4, 0} end
  if sealed then return {5, stored} end
  if stored ~= version - 1 then return {2, stored} end
  return write()
elseif mode == 'restore' then
  if stored == nil or stored == false or stored < version then return write() end
  return {2, stored}
end
return redis.error_reply('writeVersioned: unknown mode ' .. tostring(mode))
