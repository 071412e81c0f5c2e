// Recovery probes: one request per service every PROBE_INTERVAL_MS through the real HTTP API, each on a route that
// needs the service's dependencies (catalog: an offer read, cache Redis and PostgreSQL; pricing: a calculation, rate
// and cache Redis; config: a selection update, session Redis; order: a capture, rate Redis and PostgreSQL).
//
// Recovery of a service after a fault: from the moment the dependency is back (the process accepts connections, it
// got SIGCONT, the proxy passes traffic again) to the answer of the first probe from which every probe sent since
// answered 2xx until the end of the phase; 0 when no probe sent after the return failed. A fault's recovery is its
// slowest service's. A config probe's 412 counts as an answer of a service that is back: the version the probe held
// is stale (a write the hung Redis applied late, a version read from the snapshot during the outage), which the
// service reports correctly; the probe reads the session and goes on, as a client would.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SoakRequest } from '../soak/soak-client';
import type { StackService } from '../support/platform-stack';
import type { FaultLoad, InstanceRouter } from './fault-load';

export const PROBE_INTERVAL_MS = 100;

export interface ProbeAnswer {
  service: StackService;
  sentAt: number;
  answeredAt: number;
  /** The probe's answer (0: none). */
  status: number;
  ok: boolean;
}

export interface ProbeUser {
  sub: string;
  token: string;
}

interface ProbeSession {
  id: string;
  version: number;
  user: ProbeUser;
}

const PROBED: StackService[] = ['catalog-service', 'pricing-service', 'config-service', 'order-service'];

export class RecoveryProbes {
  readonly answers: ProbeAnswer[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private sessions: ProbeSession[] = [];
  private n = 0;

  /** `users`: the probes' own users of `tenant` (requests spread over them, within the per-user limits). */
  constructor(
    private readonly load: FaultLoad,
    private readonly router: InstanceRouter,
    private readonly tenant: string,
    private readonly users: ProbeUser[],
  ) {}

  async start(): Promise<void> {
    for (const user of this.users) {
      let created: ProbeSession | undefined;
      await this.load.send(
        this.request('config-service', user, 'POST', '/config-sessions', undefined, (status, body) => {
          if (status === 201)
            created = { id: (JSON.parse(body) as { sessionId: string }).sessionId, version: 1, user };
        }),
      );
      if (!created) throw new Error('probes: a probe session could not be created');
      this.sessions.push(created);
    }
    this.running = true;
    this.loops = PROBED.map((service) => this.loop(service));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** See the file comment; `undefined` when the last probe of some service before `until` failed. */
  /** The failed probes of each service sent after `backAt`, e.g. `config-service +120 ms 503` (for a report). */
  failuresAfter(backAt: number, until: number): string[] {
    return this.answers
      .filter((a) => !a.ok && a.sentAt >= backAt && a.sentAt <= until)
      .map(
        (a) => `${a.service} +${a.sentAt - backAt} ms ${a.status} (answered +${a.answeredAt - backAt} ms)`,
      );
  }

  recovery(
    backAt: number,
    until: number,
  ): { ms: number | undefined; byService: Record<string, number | null> } {
    const byService: Record<string, number | null> = {};
    let worst: number | undefined = 0;
    for (const service of PROBED) {
      const after = this.answers.filter(
        (a) => a.service === service && a.sentAt >= backAt && a.sentAt <= until,
      );
      after.sort((a, b) => a.sentAt - b.sentAt);
      let lastFailure = -1;
      after.forEach((a, i) => {
        if (!a.ok) lastFailure = i;
      });
      let ms: number | undefined;
      if (after.length === 0) ms = undefined;
      else if (lastFailure === -1) ms = 0;
      else if (lastFailure === after.length - 1) ms = undefined;
      else ms = Math.max(0, after[lastFailure + 1]!.answeredAt - backAt);
      byService[service] = ms ?? null;
      worst = ms === undefined || worst === undefined ? undefined : Math.max(worst, ms);
    }
    return { ms: worst, byService };
  }

  private async loop(service: StackService): Promise<void> {
    while (this.running) {
      const sentAt = Date.now();
      const status = await this.probe(service);
      this.answers.push({
        service,
        sentAt,
        answeredAt: Date.now(),
        status,
        ok: (status >= 200 && status < 300) || (service === 'config-service' && status === 412),
      });
      await sleep(Math.max(0, PROBE_INTERVAL_MS - (Date.now() - sentAt)));
    }
  }

  private async probe(service: StackService): Promise<number> {
    const user = this.users[this.n++ % this.users.length]!;
    switch (service) {
      case 'catalog-service':
        return this.load.send(this.request(service, user, 'GET', '/catalog/offers/off-0000'));
      case 'pricing-service':
        return this.load.send(
          this.request(service, user, 'POST', '/prices/calculate', {
            offerId: 'off-0000',
            currency: 'EUR',
            termMonths: 12,
            quantity: 1,
            segment: 'smb',
            region: 'eu-west',
          }),
        );
      case 'config-service':
        return this.configProbe(this.sessions[this.n % this.sessions.length]!);
      case 'order-service':
        return this.load.send(
          this.request(
            service,
            user,
            'POST',
            '/orders',
            {
              currency: 'EUR',
              customerRef: 'probe',
              lines: [{ offerId: 'off-0000', quantity: 1, unitAmountMinor: 100, termMonths: 12 }],
            },
            undefined,
            { 'idempotency-key': `probe-${this.tenant}-${this.n}` },
          ),
        );
    }
  }

  /**
   * A selection update at the session's version. After a 412 (a version lost with Redis) or a 503 (the change may
   * still be applied by a hung Redis: the answer says to read the session again) it reads the version, as a client
   * would.
   */
  private async configProbe(session: ProbeSession): Promise<number> {
    const path = `/config-sessions/${session.id}`;
    const status = await this.load.send(
      this.request(
        'config-service',
        session.user,
        'PUT',
        `${path}/selections`,
        { selectedOptions: [{ offerId: 'off-0000', quantity: 1 + (this.n % 3) }] },
        (answered, body) => {
          if (answered === 200) session.version = (JSON.parse(body) as { version: number }).version;
        },
        { 'if-match': `"${session.version}"` },
      ),
    );
    if (status === 412 || status === 503)
      await this.load.send(
        this.request('config-service', session.user, 'GET', path, undefined, (answered, body) => {
          if (answered === 200) session.version = (JSON.parse(body) as { version: number }).version;
        }),
      );
    return status;
  }

  private request(
    service: StackService,
    user: ProbeUser,
    method: SoakRequest['method'],
    path: string,
    body?: unknown,
    onResponse?: SoakRequest['onResponse'],
    headers: Record<string, string> = {},
  ): SoakRequest {
    return {
      route: `probe ${method} ${service} ${path.replace(/[0-9a-f-]{36}/, '{id}')}`,
      origin: this.router.origin(service),
      method,
      path: `/v1/tenants/${this.tenant}${path}`,
      headers: { authorization: `Bearer ${user.token}`, ...headers },
      ...(body === undefined ? {} : { body }),
      ...(onResponse ? { onResponse } : {}),
    };
  }
}
