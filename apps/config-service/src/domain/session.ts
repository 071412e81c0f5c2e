/** The contract's session statuses. A draft being finalized is still a DRAFT until its transaction commits. */
export type SessionStatus = 'DRAFT' | 'FINALIZED';

/** One selected option: an offer of the session's catalog version, a quantity, optional attributes. */
export interface SelectedOption {
  offerId: string;
  quantity: number;
  attributes?: Record<string, string | number | boolean>;
}

export interface ValidationIssue {
  code: string;
  offerId?: string;
  message: string;
}

export interface ValidationSummary {
  valid: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

/**
 * The draft as the session store holds it (its version lives next to it, in the store's envelope). `ownerSub` and
 * `catalogVersion` never change during a session's life.
 */
export interface SessionDraft {
  sessionId: string;
  ownerSub: string;
  catalogVersion: number;
  selectedOptions: SelectedOption[];
  validationSummary: ValidationSummary;
  lastValidatedAt: string;
  createdAt: string;
  /**
   * Set on the sealed version a finalize writes before its transaction: the configuration id it commits. A sealed
   * draft accepts no selection update; finalize sent again completes it.
   */
  finalizing?: { configurationId: string; claimedAt: string };
}

/** The contract's Session, as every route answers it. */
export interface Session {
  schemaVersion: 1;
  sessionId: string;
  version: number;
  status: SessionStatus;
  catalogVersion: number;
  selectedOptions: SelectedOption[];
  validationSummary: ValidationSummary;
  lastValidatedAt: string;
  /** When the draft expires unless it is read or written again; `null` once FINALIZED (it never expires then). */
  expiresAt: string | null;
}

/** The answer of a finalize. */
export interface FinalizedSession {
  sessionId: string;
  configurationId: string;
  status: 'FINALIZED';
  version: number;
}

/** A finalized configuration (immutable, read from PostgreSQL). */
export interface Configuration {
  configurationId: string;
  sessionId: string;
  ownerSub: string;
  status: 'FINALIZED';
  catalogVersion: number;
  selectedOptions: SelectedOption[];
  /** The session version the finalize produced. */
  version: number;
  finalizedAt: string;
}

export function sessionView(
  draft: SessionDraft,
  version: number,
  status: SessionStatus,
  expiresAt: Date | null,
): Session {
  return {
    schemaVersion: 1,
    sessionId: draft.sessionId,
    version,
    status,
    catalogVersion: draft.catalogVersion,
    selectedOptions: draft.selectedOptions,
    validationSummary: draft.validationSummary,
    lastValidatedAt: draft.lastValidatedAt,
    expiresAt: expiresAt === null ? null : expiresAt.toISOString(),
  };
}
