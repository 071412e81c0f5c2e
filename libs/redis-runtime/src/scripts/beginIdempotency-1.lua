--[[
  Starts a request under an idempotency key: writes the IN_FLIGHT marker unless a readable record exists.

  KEYS[1] idempotency record key
  ARGV[1] IN_FLIGHT record (JSON)
  ARGV[2] TTL in seconds
  ARGV[3] schemaVersion the caller reads

  Returns (IdempotencyReplyCode)
    {1}       Started: the marker was written
    {2, raw}  Exists: a readable record is there (raw JSON, decoded by the caller)
    {3}       ReplacedUnreadable: an unreadable value was overwritten by the marker (counts as started)
]]
-- @include "idempotencyRecord"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  return {1}
end
local record, raw = readIdempotencyRecord(KEYS[1], tonumber(ARGV[3]))
if record then
  return {2, raw}
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return {3}
