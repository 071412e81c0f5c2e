--[[
  Deletes the IN_FLIGHT marker of a request that failed, so a retry can start again at once.
  Another request's record and any COMPLETED record are left alone.

  KEYS[1] idempotency record key
  ARGV[1] requestHash of the abandoning request
  ARGV[2] schemaVersion the caller reads

  Returns (IdempotencyReplyCode) {9} Abandoned, {5} AlreadyCompleted, {6} OtherRequest, {7} NotFound,
  {8} Unreadable.
]]
-- @include "idempotencyRecord"
local record = readIdempotencyRecord(KEYS[1], tonumber(ARGV[2]))
if record == nil then
  return {7}
end
if record == false then
  return {8}
end
if record.requestHash ~= ARGV[1] then
  return {6}
end
if record.status == 'COMPLETED' then
  return {5}
end
redis.call('DEL', KEYS[1])
return {9}
