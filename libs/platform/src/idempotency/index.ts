export { createIdempotencyTable, idempotencyDdl } from './idempotency-ddl';
export {
  IDEMPOTENT_REPLAYED_HEADER,
  IdempotentCommands,
  type IdempotentCommandsOptions,
  type IdempotentOutcome,
  type IdempotentRequest,
} from './idempotent-commands';
export { requestHashOf } from './request-hash';
