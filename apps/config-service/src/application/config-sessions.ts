import { newEnvelope, TOPICS } from '@cpq/contracts';
import type { VersionedDocuments } from '@cpq/redis-runtime';
import { v7 as uuidv7 } from 'uuid';
import {
  CatalogUnavailableError,
  CatalogVersionUnknownError,
  SessionFinalizedError,
  SessionFinalizingError,
  SessionInvalidError,
  SessionNotFoundError,
  SessionStoreUnavailableError,
  SessionVersionMismatchError,
  SnapshotStoreUnavailableError,
} from '../domain/config.errors';
import { catalogWasUnavailable, validateSelection } from '../domain/selection-validation';
import {
  sessionView,
  type FinalizedSession,
  type SelectedOption,
  type Session,
  type SessionDraft,
} from '../domain/session';
import { BoundedMap } from './bounded-map';
import type { CallerContext, CatalogApi } from './catalog-api';
import type { ConfigRepository, SnapshotRecord, StoredSnapshot } from './config-repository';
import type { OfferCatalog } from './offer-catalog';
import type { LoadedSession, SessionDrafts } from './session-drafts';
import type { SnapshotWriteBehind } from './snapshot-write-behind';

/** Wakes the outbox relay right after a commit, so the event leaves without waiting for the next poll. */
export interface OutboxNotifier {
  notify(): void;
}

export interface Caller extends CallerContext {
  tenantId: string;
  /** The `sub` of the token: owner of the sessions it creates, the only one who sees them. */
  sub: string;
}

/** What never changes during a session's life, remembered per process so an update needs no read first. */
interface SessionFacts {
  ownerSub: string;
  catalogVersion: number;
  createdAt: string;
}

const FACTS_LIMIT = 100_000;
/** How long a client should wait before retrying when the catalog could not be read. */
const CATALOG_RETRY_AFTER_SECONDS = 5;

/**
 * The session use cases. Every write is one compare-and-set on the draft's version in the session store (which
 * also resets its TTL), then a snapshot handed to the write-behind (awaited when the lag is 0). Finalize seals the
 * draft (version + 1: no update can land after it), then commits configuration, FINALIZED snapshot and event in one
 * PostgreSQL transaction; sent again after a failure it completes the sealed draft with the same configuration id.
 */
export class ConfigSessions {
  private readonly facts = new BoundedMap<SessionFacts>(FACTS_LIMIT);

  constructor(
    private readonly store: VersionedDocuments<SessionDraft>,
    private readonly drafts: SessionDrafts,
    private readonly writeBehind: SnapshotWriteBehind,
    private readonly repository: ConfigRepository,
    private readonly offers: OfferCatalog,
    private readonly catalog: CatalogApi,
    private readonly outbox: OutboxNotifier,
  ) {}

  /** A new draft on `catalogVersion` (default: the current one), version 1, nothing selected. */
  async create(caller: Caller, catalogVersion: number | undefined): Promise<Session> {
    const version = await this.catalogVersionFor(caller, catalogVersion);
    const now = Date.now();
    const at = new Date(now).toISOString();
    const draft: SessionDraft = {
      sessionId: uuidv7(),
      ownerSub: caller.sub,
      catalogVersion: version,
      selectedOptions: [],
      validationSummary: { valid: true, errors: [], warnings: [] },
      lastValidatedAt: at,
      createdAt: at,
    };
    const snapshot = this.drafts.snapshotOf(caller.tenantId, 1, draft, now);
    const created = await this.store.create(caller.tenantId, draft.sessionId, draft, this.drafts.ttlSeconds);
    if (created.outcome === 'written') {
      await this.durable(snapshot);
    } else if (created.outcome === 'unavailable') {
      this.drafts.noteStoreTrouble();
      // Nothing can be in the store under a new id: the snapshot alone is the session until a read puts it back.
      await this.repository.upsertSnapshots([snapshot]);
    } else {
      throw new Error(`session id ${draft.sessionId} already taken (${created.outcome})`);
    }
    this.remember(caller.tenantId, draft);
    return sessionView(draft, 1, 'DRAFT', this.drafts.expiresAt(now));
  }

  async get(caller: Caller, sessionId: string): Promise<Session> {
    const loaded = await this.drafts.load(caller.tenantId, sessionId);
    if (loaded.source === 'snapshot') {
      const { snapshot, activityAt } = loaded;
      this.checkOwner(caller, snapshot.ownerSub);
      if (snapshot.status === 'FINALIZED')
        return sessionView(snapshot.document, snapshot.version, 'FINALIZED', null);
      this.drafts.touch(caller.tenantId, sessionId, snapshot.version, snapshot.document, activityAt);
      return sessionView(snapshot.document, snapshot.version, 'DRAFT', this.drafts.expiresAt(activityAt));
    }
    const { draft, version, activityAt } = loaded;
    this.checkOwner(caller, draft.ownerSub);
    this.remember(caller.tenantId, draft);
    if (loaded.sealed) {
      // Finalized, or a finalize not committed (yet): PostgreSQL decides.
      const stored = await this.repository.findSnapshot(caller.tenantId, sessionId);
      if (stored?.status === 'FINALIZED')
        return sessionView(stored.document, stored.version, 'FINALIZED', null);
    }
    this.drafts.touch(caller.tenantId, sessionId, version, draft, activityAt, loaded.rehydrated);
    return sessionView(draft, version, 'DRAFT', this.drafts.expiresAt(activityAt));
  }

  /**
   * Replaces the selection of version `ifMatch` with `selectedOptions`, validated against the session's catalog
   * version. `admitted` (the rate limit) is awaited before anything is written; reads may start before it.
   */
  async updateSelections(
    caller: Caller,
    sessionId: string,
    ifMatch: number,
    selectedOptions: SelectedOption[],
    admitted: Promise<void> = Promise.resolve(),
  ): Promise<Session> {
    const facts =
      this.facts.get(`${caller.tenantId} ${sessionId}`) ?? (await this.loadFacts(caller, sessionId));
    this.checkOwner(caller, facts.ownerSub);
    const offers = await this.offers.lookup(
      caller.tenantId,
      facts.catalogVersion,
      selectedOptions.map((o) => o.offerId),
      caller,
    );
    const validationSummary = validateSelection(selectedOptions, offers);
    await admitted;
    const now = Date.now();
    const draft: SessionDraft = {
      sessionId,
      ownerSub: facts.ownerSub,
      catalogVersion: facts.catalogVersion,
      selectedOptions,
      validationSummary,
      lastValidatedAt: new Date(now).toISOString(),
      createdAt: facts.createdAt,
    };
    for (let attempt = 0; ; attempt++) {
      const written = await this.store.replace(
        caller.tenantId,
        sessionId,
        draft,
        ifMatch,
        this.drafts.ttlSeconds,
      );
      switch (written.outcome) {
        case 'written':
          await this.durable(this.drafts.snapshotOf(caller.tenantId, written.version, draft, now));
          return sessionView(draft, written.version, 'DRAFT', this.drafts.expiresAt(now));
        case 'conflict':
          throw new SessionVersionMismatchError(ifMatch, written.storedVersion);
        case 'sealed':
          throw await this.finalizedOrFinalizing(caller.tenantId, sessionId);
        case 'unavailable':
          this.drafts.noteStoreTrouble();
          throw new SessionStoreUnavailableError({ cause: written.error });
        case 'missing': {
          if (attempt > 0) throw new SessionNotFoundError();
          const loaded = await this.drafts.rehydrate(caller.tenantId, sessionId, now);
          const current = this.writable(caller, loaded);
          if (current.version !== ifMatch) throw new SessionVersionMismatchError(ifMatch, current.version);
        }
      }
    }
  }

  /** See the class comment. `requestId` travels with the event. */
  async finalize(caller: Caller, sessionId: string, ifMatch: number): Promise<FinalizedSession> {
    const loaded = await this.drafts.load(caller.tenantId, sessionId);
    const current = this.writable(caller, loaded, { finalizing: true });
    let claim: { version: number; draft: SessionDraft };
    if (current.sealed) {
      const configurationId = await this.repository.findConfigurationIdOfSession(caller.tenantId, sessionId);
      if (configurationId !== undefined) throw new SessionFinalizedError(configurationId);
      // An earlier finalize sealed it and did not commit: complete it, same configuration id.
      if (ifMatch !== current.version && ifMatch !== current.version - 1)
        throw new SessionVersionMismatchError(ifMatch, current.version);
      claim = { version: current.version, draft: current.draft };
    } else {
      if (ifMatch !== current.version) throw new SessionVersionMismatchError(ifMatch, current.version);
      claim = await this.seal(caller, current.version, current.draft);
    }
    const finalizing = claim.draft.finalizing!;
    const outcome = await this.repository.finalize({
      snapshot: this.drafts.snapshotOf(caller.tenantId, claim.version, claim.draft, Date.now()),
      configurationId: finalizing.configurationId,
      requestId: caller.requestId,
      event: newEnvelope({
        topic: TOPICS.configFinalized,
        tenantId: caller.tenantId,
        aggregateId: finalizing.configurationId,
        payload: {
          configurationId: finalizing.configurationId,
          sessionId,
          ownerSub: claim.draft.ownerSub,
          catalogVersion: claim.draft.catalogVersion,
          selectedOptions: claim.draft.selectedOptions,
        },
      }),
    });
    switch (outcome.outcome) {
      case 'finalized':
        this.outbox.notify();
        return {
          sessionId,
          configurationId: finalizing.configurationId,
          status: 'FINALIZED',
          version: claim.version,
        };
      case 'already-finalized':
        throw new SessionFinalizedError(outcome.configurationId);
      case 'stale':
        throw new SessionVersionMismatchError(ifMatch, outcome.storedVersion);
    }
  }

  /**
   * Hands a written snapshot to the write-behind (waiting for its commit when the lag is 0). When that commit fails
   * the write stays in the session store and its snapshot is retried: the 503 says so.
   */
  private async durable(snapshot: SnapshotRecord): Promise<void> {
    try {
      await this.writeBehind.record(snapshot, 'write');
    } catch (error) {
      throw new SnapshotStoreUnavailableError(
        `version ${snapshot.version} is stored in the session but not yet durable (PostgreSQL failed; retried in ` +
          'the background): read the session again before retrying',
        { cause: error },
      );
    }
  }

  /** Re-validates (the catalog must be readable) and writes the sealed version + 1 naming the configuration id. */
  private async seal(
    caller: Caller,
    version: number,
    draft: SessionDraft,
  ): Promise<{ version: number; draft: SessionDraft }> {
    if (draft.selectedOptions.length === 0)
      throw new SessionInvalidError({ valid: false, errors: [], warnings: [] });
    const offers = await this.offers.lookup(
      caller.tenantId,
      draft.catalogVersion,
      draft.selectedOptions.map((o) => o.offerId),
      caller,
    );
    const validationSummary = validateSelection(draft.selectedOptions, offers);
    if (catalogWasUnavailable(validationSummary))
      throw new CatalogUnavailableError(CATALOG_RETRY_AFTER_SECONDS);
    if (!validationSummary.valid) throw new SessionInvalidError(validationSummary);
    const now = new Date().toISOString();
    const sealed: SessionDraft = {
      ...draft,
      validationSummary,
      lastValidatedAt: now,
      finalizing: { configurationId: uuidv7(), claimedAt: now },
    };
    const written = await this.store.replace(
      caller.tenantId,
      draft.sessionId,
      sealed,
      version,
      this.drafts.ttlSeconds,
      {
        seal: true,
      },
    );
    switch (written.outcome) {
      case 'written':
        return { version: written.version, draft: sealed };
      case 'conflict':
        throw new SessionVersionMismatchError(version, written.storedVersion);
      case 'sealed':
        throw await this.finalizedOrFinalizing(caller.tenantId, draft.sessionId);
      case 'missing':
        throw new SessionNotFoundError();
      case 'unavailable':
        throw new SessionStoreUnavailableError({ cause: written.error });
    }
  }

  /** The draft a write applies to; refuses FINALIZED sessions (409) and drafts only PostgreSQL can answer (503). */
  private writable(
    caller: Caller,
    loaded: LoadedSession,
    options: { finalizing?: boolean } = {},
  ): { version: number; draft: SessionDraft; sealed: boolean } {
    if (loaded.source === 'snapshot') {
      this.checkOwner(caller, loaded.snapshot.ownerSub);
      if (loaded.snapshot.status === 'FINALIZED') throw finalizedErrorOf(loaded.snapshot);
      throw new SessionStoreUnavailableError();
    }
    this.checkOwner(caller, loaded.draft.ownerSub);
    this.remember(caller.tenantId, loaded.draft);
    if (loaded.sealed && !options.finalizing) throw new SessionFinalizingError();
    return { version: loaded.version, draft: loaded.draft, sealed: loaded.sealed };
  }

  private async finalizedOrFinalizing(tenantId: string, sessionId: string): Promise<Error> {
    const configurationId = await this.repository.findConfigurationIdOfSession(tenantId, sessionId);
    return configurationId === undefined
      ? new SessionFinalizingError()
      : new SessionFinalizedError(configurationId);
  }

  private async loadFacts(caller: Caller, sessionId: string): Promise<SessionFacts> {
    const loaded = await this.drafts.load(caller.tenantId, sessionId);
    const owner = loaded.source === 'store' ? loaded.draft.ownerSub : loaded.snapshot.ownerSub;
    this.checkOwner(caller, owner);
    // FINALIZED (409) or only PostgreSQL answering (503): refused before any validation work.
    const { draft } = this.writable(caller, loaded, { finalizing: true });
    return { ownerSub: draft.ownerSub, catalogVersion: draft.catalogVersion, createdAt: draft.createdAt };
  }

  private remember(tenantId: string, draft: SessionDraft): void {
    this.facts.set(`${tenantId} ${draft.sessionId}`, {
      ownerSub: draft.ownerSub,
      catalogVersion: draft.catalogVersion,
      createdAt: draft.createdAt,
    });
  }

  /** Another user of the tenant gets 404: a session's existence is not revealed to them. */
  private checkOwner(caller: Caller, ownerSub: string): void {
    if (ownerSub !== caller.sub) throw new SessionNotFoundError();
  }

  private async catalogVersionFor(caller: Caller, requested: number | undefined): Promise<number> {
    if (requested === undefined) {
      const current = await this.catalog.currentVersion(caller.tenantId, caller);
      if (current === 'unavailable') throw new CatalogUnavailableError(CATALOG_RETRY_AFTER_SECONDS);
      if (current === 'none') throw new CatalogVersionUnknownError(undefined);
      return current;
    }
    const exists = await this.catalog.versionExists(caller.tenantId, requested, caller);
    if (exists === 'unavailable') throw new CatalogUnavailableError(CATALOG_RETRY_AFTER_SECONDS);
    if (!exists) throw new CatalogVersionUnknownError(requested);
    return requested;
  }
}

function finalizedErrorOf(snapshot: StoredSnapshot): SessionFinalizedError {
  return new SessionFinalizedError(snapshot.document.finalizing?.configurationId);
}
