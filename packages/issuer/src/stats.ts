/** The endpoint a request was for; `other` is anything unrouted (404, the index page). */
export type EndpointName = 'discovery' | 'jwks' | 'token' | 'other';

/** Request counts per endpoint. */
export type EndpointCounts = Record<EndpointName, number>;

/** Counters since start or the last `resetStats()`. Every request counts on arrival, faulted or not. */
export interface RequestStats {
  total: number;
  byEndpoint: EndpointCounts;
  /** Per tenant name; requests that match no tenant are only in `byEndpoint`. */
  byTenant: Record<string, EndpointCounts>;
  /** Answers `304 Not Modified` to a conditional request. */
  notModified: number;
  /** Requests a fault was applied to. */
  faulted: number;
}

const zero = (): EndpointCounts => ({ discovery: 0, jwks: 0, token: 0, other: 0 });

/** The counters behind `issuer.stats()`. */
export class RequestCounter {
  #stats: RequestStats = RequestCounter.#empty();

  static #empty(): RequestStats {
    return { total: 0, byEndpoint: zero(), byTenant: {}, notModified: 0, faulted: 0 };
  }

  request(endpoint: EndpointName, tenant: string | undefined): void {
    this.#stats.total++;
    this.#stats.byEndpoint[endpoint]++;
    if (tenant !== undefined) (this.#stats.byTenant[tenant] ??= zero())[endpoint]++;
  }

  notModified(): void {
    this.#stats.notModified++;
  }

  faulted(): void {
    this.#stats.faulted++;
  }

  snapshot(): RequestStats {
    return structuredClone(this.#stats);
  }

  reset(): void {
    this.#stats = RequestCounter.#empty();
  }
}
