export {
  VersionedTables,
  type CurrentVersion,
  type PublishedVersion,
  type PublishVersionInput,
  type VersionedTablesOptions,
} from './versioned-tables';
export { type OutboxNotifier } from './outbox-notifier';
export { VersionPrewarmer, type VersionPrewarmerOptions } from './version-prewarmer';
