// What the services acknowledged (2xx) during the campaign, to check at the end against PostgreSQL: orders by
// Idempotency-Key, finalized configurations, session writes with the time of their answer, published catalog and
// price book versions.
import type { SoakRequest } from '../soak/soak-client';

export interface AckedKey {
  tenant: string;
  key: string;
  /** Every orderId answered for the key (1 unless a capture was duplicated). */
  orderIds: Set<string>;
  orderNumbers: Set<string>;
}

export interface SessionAck {
  tenant: string;
  sessionId: string;
  version: number;
  /** `Date.now()` when the answer arrived. */
  at: number;
}

export class AckRecorder {
  readonly keys = new Map<string, AckedKey>();
  readonly configurations: { tenant: string; configurationId: string }[] = [];
  readonly sessionAcks: SessionAck[] = [];
  readonly catalogVersions: { tenant: string; version: number }[] = [];
  readonly priceBookVersions: { tenant: string; version: number }[] = [];

  observe(request: SoakRequest, status: number, body: string): void {
    const tenant = /^\/v1\/tenants\/([^/]+)\//.exec(request.path)?.[1];
    if (!tenant) return;
    const json = () => JSON.parse(body) as Record<string, unknown>;
    const path = request.path.split('?')[0]!;
    if (request.method === 'POST' && path.endsWith('/orders')) {
      const key = request.headers['idempotency-key'];
      if (!key) return;
      const { orderId, orderNumber } = json() as { orderId: string; orderNumber: string };
      const id = `${tenant} ${key}`;
      let acked = this.keys.get(id);
      if (!acked) this.keys.set(id, (acked = { tenant, key, orderIds: new Set(), orderNumbers: new Set() }));
      acked.orderIds.add(orderId);
      acked.orderNumbers.add(orderNumber);
    } else if (request.method === 'POST' && path.endsWith('/finalize')) {
      this.configurations.push({ tenant, configurationId: json().configurationId as string });
    } else if (
      (request.method === 'PUT' && path.endsWith('/selections')) ||
      (request.method === 'POST' && path.endsWith('/config-sessions'))
    ) {
      const { sessionId, version } = json() as { sessionId: string; version: number };
      this.sessionAcks.push({ tenant, sessionId, version, at: Date.now() });
    } else if (request.method === 'POST' && path.endsWith('/catalog/versions') && status === 201) {
      this.catalogVersions.push({ tenant, version: json().catalogVersion as number });
    } else if (request.method === 'POST' && path.endsWith('/pricebooks/versions') && status === 201) {
      this.priceBookVersions.push({ tenant, version: json().priceBookVersion as number });
    }
  }

  /** Per session, the highest version acknowledged at or before `at`. */
  lastVersionsAckedBy(at: number): Map<string, SessionAck> {
    const last = new Map<string, SessionAck>();
    for (const ack of this.sessionAcks) {
      if (ack.at > at) continue;
      const id = `${ack.tenant} ${ack.sessionId}`;
      if ((last.get(id)?.version ?? 0) < ack.version) last.set(id, ack);
    }
    return last;
  }
}
