-- Reads the idempotency record at `key`. Returns the decoded table and the raw text when it is JSON of
-- `schemaVersion` with a requestHash and a known status; false and the raw text when the value is
-- unreadable (corrupt JSON, another schemaVersion, wrong shape); nil when the key does not exist.
local function readIdempotencyRecord(key, schemaVersion)
  local raw = redis.call('GET', key)
  if not raw then
    return nil, nil
  end
  local ok, record = pcall(cjson.decode, raw)
  if ok and type(record) == 'table' and record.schemaVersion == schemaVersion
    and type(record.requestHash) == 'string'
    and (record.status == 'IN_FLIGHT' or record.status == 'COMPLETED') then
    return record, raw
  end
  return false, raw
end
