import type { OutboxTable } from '@cpq/platform';
import type { ColumnType, Generated } from 'kysely';
import type { SelectedOption, SessionDraft } from '../domain/session';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** Typed tables of the `config` schema (migrations/config). */
export interface ConfigTables {
  'config.session_snapshots': {
    tenant_id: string;
    session_id: string;
    owner_sub: string;
    status: 'DRAFT' | 'FINALIZED';
    version: number;
    catalog_version: number;
    /** Written as JSON text, read back parsed. */
    document: ColumnType<SessionDraft, string, string>;
    last_activity_at: Timestamp;
    expires_at: Timestamp;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  'config.configurations': {
    tenant_id: string;
    configuration_id: string;
    session_id: string;
    owner_sub: string;
    catalog_version: number;
    selected_options: ColumnType<SelectedOption[], string, never>;
    session_version: number;
    finalized_at: Generated<Date>;
    request_id: string | null;
  };
  'config.job_fences': {
    job_name: string;
    fencing_token: ColumnType<string, string | bigint, string | bigint>;
    claimed_at: Generated<Date>;
  };
  'config.outbox': OutboxTable;
}
