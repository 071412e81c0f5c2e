--[[
  Stores the response of a request, only over the IN_FLIGHT marker of the same request (same requestHash).

  KEYS[1] idempotency record key
  ARGV[1] COMPLETED record (JSON)
  ARGV[2] TTL in seconds
  ARGV[3] requestHash of the completing request
  ARGV[4] schemaVersion the caller reads

  Returns (IdempotencyReplyCode) {4} Stored, {5} AlreadyCompleted (first response kept), {6} OtherRequest,
  {7} NotFound, {8} Unreadable. Nothing is written except on Stored.
]]
-- @include "idempotencyRecord"
local record = readIdempotencyRecord(KEYS[1], tonumber(ARGV[4]))
if record == nil then
  return {7}
end
if record == false then
  return {8}
end
if record.requestHash ~= ARGV[3] then
  return {6}
end
if record.status == 'COMPLETED' then
  return {5}
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return {4}
