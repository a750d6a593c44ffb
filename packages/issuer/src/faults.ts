import type { FaultTimer } from './fault-timer.js';

/** Which requests a fault applies to; `all` includes unknown paths. */
export type FaultEndpoint = 'discovery' | 'jwks' | 'token' | 'all';

/**
 * - `slow`: wait `delayMs` before the response headers (or, with `phase: 'body'`, after sending
 *   the headers and part of the body), then answer normally.
 * - `status500`: answer 500 with a JSON error body.
 * - `invalid-json`: answer 200 `application/json` with a truncated JSON body.
 * - `drop`: destroy the connection without any response.
 */
export type FaultKind = 'slow' | 'status500' | 'invalid-json' | 'drop';

/** A fault to inject. It lasts until `forMs` passes or `count` requests were hit, whichever is first, or until cleared. */
export interface FaultSpec {
  endpoint: FaultEndpoint;
  kind: FaultKind;
  /** Only requests for this tenant. Default: every tenant. */
  tenant?: string;
  /** `slow` only: how long to stall, in ms of the issuer's `faultTimer` (real time by default). Default: 1000. */
  delayMs?: number;
  /** `slow` only: stall before the headers or in the middle of the body. Default: `headers`. */
  phase?: 'headers' | 'body';
  /** How long the fault stays active, in ms of the issuer's `faultTimer` (real time by default). Default: until cleared or `count` is used up. */
  forMs?: number;
  /** Number of matching requests the fault applies to. Default: unlimited. */
  count?: number;
}

/** A live fault. */
export interface FaultHandle {
  readonly id: number;
  readonly spec: Readonly<FaultSpec>;
  /** Requests the fault has been applied to so far. */
  readonly hits: number;
  /** False once cleared, expired or used up. */
  readonly active: boolean;
  /** Removes the fault. */
  clear(): void;
}

/**
 * Injects failures into the issuer's HTTP endpoints, for reliability tests.
 *
 * @example
 * ```ts
 * issuer.faults.inject({ endpoint: 'jwks', kind: 'status500', count: 3 });
 * const slow = issuer.faults.inject({ endpoint: 'all', kind: 'slow', delayMs: 2000, forMs: 5000 });
 * slow.clear();
 * ```
 */
export interface FaultController {
  inject(spec: FaultSpec): FaultHandle;
  /** Removes every fault. */
  clear(): void;
  /** The faults still active, in injection order. */
  active(): FaultHandle[];
}

/** What to do to one request. */
export interface FaultPlan {
  headerDelayMs: number;
  bodyDelayMs: number;
  outcome: 'normal' | 'status500' | 'invalid-json' | 'drop';
}

const ENDPOINTS: readonly FaultEndpoint[] = ['discovery', 'jwks', 'token', 'all'];
const KINDS: readonly FaultKind[] = ['slow', 'status500', 'invalid-json', 'drop'];

interface LiveFault {
  readonly handle: FaultHandle;
  readonly spec: Readonly<FaultSpec>;
  /** Fault-timer time after which the fault is over. */
  readonly until: number;
  hits: number;
  cleared: boolean;
}

function isLive(fault: LiveFault, now: number): boolean {
  return !fault.cleared && now < fault.until && (fault.spec.count === undefined || fault.hits < fault.spec.count);
}

/** The fault table behind `issuer.faults`. */
export class Faults implements FaultController {
  #faults: LiveFault[] = [];
  #nextId = 1;
  readonly #checkTenant: (tenant: string) => void;
  readonly #timer: FaultTimer;

  constructor(checkTenant: (tenant: string) => void, timer: FaultTimer) {
    this.#checkTenant = checkTenant;
    this.#timer = timer;
  }

  inject(spec: FaultSpec): FaultHandle {
    const frozen = Object.freeze(validate(spec));
    if (frozen.tenant !== undefined) this.#checkTenant(frozen.tenant);
    const remove = () => {
      fault.cleared = true;
      this.#faults = this.#faults.filter((f) => f !== fault);
    };
    const timer = this.#timer;
    const fault: LiveFault = {
      spec: frozen,
      until: frozen.forMs === undefined ? Infinity : this.#timer.now() + frozen.forMs,
      hits: 0,
      cleared: false,
      handle: {
        id: this.#nextId++,
        spec: frozen,
        get hits() {
          return fault.hits;
        },
        get active() {
          return isLive(fault, timer.now());
        },
        clear: remove,
      },
    };
    this.#faults.push(fault);
    return fault.handle;
  }

  clear(): void {
    for (const fault of this.#faults) fault.cleared = true;
    this.#faults = [];
  }

  active(): FaultHandle[] {
    this.#prune();
    return this.#faults.map((f) => f.handle);
  }

  /** Decides what happens to a request and counts it against the faults that apply. */
  plan(endpoint: 'discovery' | 'jwks' | 'token' | 'other', tenant: string | undefined): FaultPlan {
    this.#prune();
    const plan: FaultPlan = { headerDelayMs: 0, bodyDelayMs: 0, outcome: 'normal' };
    for (const fault of this.#faults) {
      const { spec } = fault;
      if (spec.endpoint !== 'all' && spec.endpoint !== endpoint) continue;
      if (spec.tenant !== undefined && spec.tenant !== tenant) continue;
      if (spec.kind === 'slow') {
        if (spec.phase === 'body') plan.bodyDelayMs += spec.delayMs ?? 1000;
        else plan.headerDelayMs += spec.delayMs ?? 1000;
      } else if (plan.outcome === 'normal') {
        plan.outcome = spec.kind;
      } else {
        continue; // only the first terminal fault applies, so only it is counted
      }
      fault.hits++;
    }
    return plan;
  }

  #prune(): void {
    const now = this.#timer.now();
    this.#faults = this.#faults.filter((f) => isLive(f, now));
  }
}

function validate(spec: FaultSpec): FaultSpec {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('fault spec must be an object');
  if (!ENDPOINTS.includes(spec.endpoint))
    throw new TypeError(`fault endpoint must be one of ${ENDPOINTS.join(', ')}; got ${JSON.stringify(spec.endpoint)}`);
  if (!KINDS.includes(spec.kind))
    throw new TypeError(`fault kind must be one of ${KINDS.join(', ')}; got ${JSON.stringify(spec.kind)}`);
  const nonNegative = (name: 'delayMs' | 'forMs', value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      throw new TypeError(`fault ${name} must be a non-negative number of ms; got ${String(value)}`);
  };
  nonNegative('delayMs', spec.delayMs);
  nonNegative('forMs', spec.forMs);
  if (spec.count !== undefined && !(Number.isInteger(spec.count) && spec.count > 0)) {
    throw new TypeError(`fault count must be a positive whole number; got ${String(spec.count)}`);
  }
  if (spec.phase !== undefined && spec.phase !== 'headers' && spec.phase !== 'body') {
    throw new TypeError(`fault phase must be "headers" or "body"; got ${JSON.stringify(spec.phase)}`);
  }
  if ((spec.delayMs !== undefined || spec.phase !== undefined) && spec.kind !== 'slow') {
    throw new TypeError('fault delayMs and phase apply only to kind "slow"');
  }
  return { ...spec };
}
