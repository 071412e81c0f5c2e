// The fault campaign's traffic: the soak's mix (test/soak/soak-workload.ts) released at a fixed rate, plus what a
// real client does that the soak leaves out: order captures retried with the same Idempotency-Key after a 503 or no
// answer, and selection updates sent twice at once (two tabs of one session, the same If-Match). Every answer is
// counted in the current phase, checked against the documented statuses, and handed to the recorder
// (fault-record.ts) when it acknowledged something.
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { StackService } from '../support/platform-stack';
import type { SoakClient, SoakRequest } from '../soak/soak-client';
import { mulberry32 } from '../soak/soak-workload';
import type { AckRecorder } from './fault-record';

/** Statuses every route of the mix may answer besides 2xx (docs/api.md); 503 needs a Retry-After too. */
const DOCUMENTED = new Set([409, 412, 422, 428, 429, 503]);
const CAPTURE = 'POST /v1/tenants/{t}/orders';
const SELECTIONS = 'PUT /v1/tenants/{t}/config-sessions/{id}/selections';
/** A capture is retried this many times at most (with its key), after a 503 or no answer. */
const CAPTURE_RETRIES = 5;
/** Share of selection updates sent from a second tab as well. */
const SECOND_TAB_SHARE = 0.2;

export interface PhaseCounts {
  requests: number;
  /** Answers by status; `0` is no answer (connection refused or reset). */
  byStatus: Record<string, number>;
  /** Answers outside the documented set, at most 20 kept, e.g. `GET /v1/... 404 {"type":...}`. */
  undocumented: string[];
  undocumentedCount: number;
  /** An instance is killed with requests in flight: no answer is expected then. */
  allowNoAnswer: boolean;
}

/** Which instances take traffic: a load balancer's view (a killed instance is out until it is ready again). */
export class InstanceRouter {
  private readonly down = new Set<string>();
  private readonly turn = new Map<StackService, number>();

  constructor(
    private readonly instances: Record<StackService, number>,
    private readonly url: (service: StackService, i: number) => string,
  ) {}

  origin(service: StackService): string {
    const n = this.instances[service];
    for (let hop = 0; hop < n; hop++) {
      const i = ((this.turn.get(service) ?? 0) + hop) % n;
      if (this.down.has(`${service}#${i}`)) continue;
      this.turn.set(service, i + 1);
      return this.url(service, i);
    }
    return this.url(service, 0);
  }

  setDown(service: StackService, i: number, down: boolean): void {
    if (down) this.down.add(`${service}#${i}`);
    else this.down.delete(`${service}#${i}`);
  }
}

export class FaultLoad {
  private phase: PhaseCounts = newPhaseCounts(false);
  private readonly pending = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly random = mulberry32(1414);

  constructor(
    private readonly client: SoakClient,
    private readonly router: InstanceRouter,
    private readonly recorder: AckRecorder,
  ) {}

  /** Counts from now on go to a new phase; `allowNoAnswer` while an instance is killed mid-request. */
  beginPhase(options: { allowNoAnswer?: boolean } = {}): PhaseCounts {
    this.phase = newPhaseCounts(options.allowNoAnswer ?? false);
    return this.phase;
  }

  /** Releases `next()`'s requests at `ratePerSec` until `stop()` (open loop: answers never slow it). */
  start(ratePerSec: number, next: () => SoakRequest | undefined): void {
    const t0 = performance.now();
    let released = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * ratePerSec);
      for (; released < due; released++) {
        const request = next();
        if (request) this.send(request);
      }
    }, 10);
  }

  /** Stops releasing, then waits for what is in flight (retries included). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Sends one request, counted, checked and recorded; resolves with its status. */
  send(request: SoakRequest): Promise<number> {
    const sent = this.client.send(this.decorate(request, 0));
    if (request.route === SELECTIONS && this.random() < SECOND_TAB_SHARE) {
      // the second tab: same If-Match, its own selection; one of the two gets 412
      this.track(this.client.send(this.decorate({ ...request, onResponse: undefined }, 0)));
    }
    return this.track(sent);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
    return promise;
  }

  private decorate(request: SoakRequest, attempt: number): SoakRequest {
    this.phase.requests++;
    const phase = this.phase;
    return {
      ...request,
      onResponse: (status, body, headers) => {
        this.count(phase, request, status, body, headers);
        if (status >= 200 && status < 300) this.recorder.observe(request, status, body);
        if (
          request.route.startsWith(CAPTURE) &&
          (status === 0 || status === 503) &&
          attempt < CAPTURE_RETRIES
        ) {
          const retryAfterS = Number(headers['retry-after'] ?? 0);
          const waitMs = Math.min(1_000, Math.max(200, retryAfterS * 1000));
          const retry = { ...request, origin: this.router.origin('order-service') };
          this.track(
            new Promise((resolve) => setTimeout(resolve, waitMs)).then(() =>
              this.client.send(this.decorate(retry, attempt + 1)),
            ),
          );
          return; // the workload hears the last answer only
        }
        request.onResponse?.(status, body, headers);
      },
    };
  }

  private count(
    phase: PhaseCounts,
    request: SoakRequest,
    status: number,
    body: string,
    headers: IncomingHttpHeaders,
  ): void {
    phase.byStatus[status] = (phase.byStatus[status] ?? 0) + 1;
    const documented =
      (status >= 200 && status < 300) ||
      (status === 0 && phase.allowNoAnswer) ||
      (DOCUMENTED.has(status) && (status !== 503 || headers['retry-after'] !== undefined));
    if (documented) return;
    phase.undocumentedCount++;
    if (phase.undocumented.length < 20)
      phase.undocumented.push(
        `${request.method} ${request.path} ${status}${status === 503 ? ' (no Retry-After)' : ''} ${body.slice(0, 200)}`,
      );
  }
}

function newPhaseCounts(allowNoAnswer: boolean): PhaseCounts {
  return { requests: 0, byStatus: {}, undocumented: [], undocumentedCount: 0, allowNoAnswer };
}
