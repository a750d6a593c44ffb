// @ts-check
// The clients of the demo and the traffic they send. Each client logs in at the issuer's token
// endpoint (OAuth 2.0 client credentials), keeps its token until shortly before it expires, and
// calls the services with it. Every such request is legitimate and must succeed; the attacks are
// sent separately (probe) and must be refused.

/** A client stops using its token this long before `exp` and logs in again. */
const REFRESH_MARGIN_SEC = 60;

/**
 * Header and payload of a compact JWS, without verifying anything. The demo's issuer minted it,
 * so the fields read here are there.
 * @param {string} token
 */
export function peek(token) {
  /** @type {unknown[]} */
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => {
      /** @type {unknown} */
      const parsed = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      return parsed;
    });
  return {
    header: /** @type {{ alg: string, kid?: string }} */ (header),
    payload: /** @type {{ exp: number } & Record<string, unknown>} */ (payload),
  };
}

export class Client {
  /**
   * @param {{ id: string, secret: string }} credentials
   * @param {string} tokenEndpoint
   * @param {() => number} now simulated epoch ms
   */
  constructor(credentials, tokenEndpoint, now) {
    this.id = credentials.id;
    this.credentials = credentials;
    this.tokenEndpoint = tokenEndpoint;
    this.now = now;
    /** @type {{ token: string, alg: string, kid: string | undefined, exp: number } | null} */
    this.current = null;
    /** @type {Promise<void> | null} */
    this.loggingIn = null;
  }

  /** Fetches a new token from the issuer (shared if a login is already under way). */
  login() {
    this.loggingIn ??= (async () => {
      const basic = Buffer.from(
        `${encodeURIComponent(this.credentials.id)}:${encodeURIComponent(this.credentials.secret)}`,
      ).toString('base64');
      const response = await fetch(this.tokenEndpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok)
        throw new Error(`${this.id}: token endpoint answered ${response.status}: ${await response.text()}`);
      const { access_token: token } = /** @type {{ access_token: string }} */ (await response.json());
      const { header, payload } = peek(token);
      this.current = { token, alg: header.alg, kid: header.kid, exp: payload.exp };
    })().finally(() => {
      this.loggingIn = null;
    });
    return this.loggingIn;
  }

  /** True when the token is missing or about to expire. */
  get due() {
    return this.current === null || this.current.exp - this.now() / 1000 < REFRESH_MARGIN_SEC;
  }

  /** The token to use for `service` right now, or null (none, being refreshed, or not for this service). */
  tokenFor(/** @type {import('./fleet.mjs').Service} */ service) {
    if (this.loggingIn !== null || this.current === null) return null;
    if (this.due) {
      this.login().catch((/** @type {unknown} */ error) =>
        console.error(`  ${error instanceof Error ? error.message : String(error)}`),
      );
      return null;
    }
    if (service.rs256Only && this.current.alg === 'HS256') return null;
    return this.current;
  }
}

/** What one service has been sent and how it answered. */
export class Tally {
  sent = 0;
  accepted = 0;
  /** @type {Map<string, number>} refusals by error code */
  refused = new Map();
  legitimateFailed = 0;
  forgedAccepted = 0;

  refuse(/** @type {string} */ code) {
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
  }
}

export class Traffic {
  /**
   * @param {{ services: import('./fleet.mjs').Service[], clients: Client[], ratePerSec: number, onLegitimateFailure: (text: string) => void }} options
   */
  constructor({ services, clients, ratePerSec, onLegitimateFailure }) {
    this.services = services;
    this.clients = clients;
    this.intervalMs = 1000 / ratePerSec;
    this.onLegitimateFailure = onLegitimateFailure;
    /** @type {Map<string, Tally>} by service name */
    this.tallies = new Map(services.map((service) => [service.name, new Tally()]));
    /** Legitimate requests accepted, by the token's `alg` and `kid`. */
    /** @type {Map<string, number>} */
    this.acceptedByKey = new Map();
    /** @type {Set<{ url: string, done: Promise<void> }>} */
    this.inFlight = new Set();
    this.paused = false;
    this.cursor = 0;
    /** @type {NodeJS.Timeout | null} */
    this.timer = null;
  }

  start() {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  /** Stops sending and waits for the requests in flight. */
  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.settle();
  }

  /** Holds new requests (for a clock move) and waits for those in flight. */
  async pause() {
    this.paused = true;
    await this.settle();
  }

  resume() {
    this.paused = false;
  }

  /** Resolves when no request to `url` (or to anyone, without `url`) is in flight. */
  /** @param {string} [url] */
  async settle(url) {
    const waiting = [...this.inFlight]
      .filter((request) => url === undefined || request.url === url)
      .map((request) => request.done);
    await Promise.all(waiting);
  }

  /** One legitimate request: the next running service, called by the next client holding a fitting token. */
  tick() {
    if (this.paused) return;
    const running = this.services.filter((service) => service.url !== null);
    if (running.length === 0) return;
    for (let attempt = 0; attempt < this.clients.length; attempt++) {
      const index = this.cursor++;
      const service = /** @type {import('./fleet.mjs').Service} */ (running[index % running.length]);
      const client = /** @type {Client} */ (this.clients[Math.floor(index / running.length) % this.clients.length]);
      const token = client.tokenFor(service);
      if (token === null) continue;
      this.send(service, token.token)
        .then(({ status, code }) => {
          const tally = /** @type {Tally} */ (this.tallies.get(service.name));
          if (status >= 200 && status < 300) {
            const key = `${token.alg} ${token.kid ?? '(no kid)'}`;
            this.acceptedByKey.set(key, (this.acceptedByKey.get(key) ?? 0) + 1);
            return;
          }
          tally.legitimateFailed++;
          this.onLegitimateFailure(
            `${service.name} refused a legitimate ${token.alg} request from ${client.id}: ${status} ${code}`,
          );
        })
        // send() answers network failures as status 0, so this is a bug in the demo: report it like a refusal.
        .catch((/** @type {unknown} */ error) => {
          this.onLegitimateFailure(
            `a legitimate ${token.alg} request from ${client.id} to ${service.name} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        });
      return;
    }
  }

  /**
   * Sends one request with `token` (or none) to `service` and records the answer in its tally.
   * @param {import('./fleet.mjs').Service} service
   * @param {string | null} token
   * @param {{ forged?: boolean, record?: boolean, scheme?: 'Bearer' | 'DPoP', proof?: string }} [options]
   *   forged: a 2xx answer counts as a forged token accepted; record: false leaves the tally alone
   *   (demonstrations outside the traffic); scheme (default Bearer) and proof (the `DPoP` header)
   *   for a DPoP request
   * @returns {Promise<{ status: number, code: string }>}
   */
  send(service, token, options = {}) {
    const url = /** @type {string} */ (service.url);
    const tally = options.record === false ? new Tally() : /** @type {Tally} */ (this.tallies.get(service.name));
    tally.sent++;
    /** @type {Record<string, string>} */
    const headers = token === null ? {} : { authorization: `${options.scheme ?? 'Bearer'} ${token}` };
    if (options.proof !== undefined) headers.dpop = options.proof;
    /** @type {Promise<{ status: number, code: string }>} */
    const result = fetch(url + service.path, {
      headers,
      signal: AbortSignal.timeout(10_000),
    }).then(
      async (response) => {
        const body = /** @type {{ code?: unknown }} */ (await response.json().catch(() => ({})));
        return { status: response.status, code: typeof body.code === 'string' ? body.code : `HTTP_${response.status}` };
      },
      (/** @type {Error} */ error) => ({ status: 0, code: `NETWORK_ERROR ${error.message}` }),
    );
    const entry = { url, done: result.then(() => undefined) };
    this.inFlight.add(entry);
    return result.then((answer) => {
      this.inFlight.delete(entry);
      if (answer.status >= 200 && answer.status < 300) {
        tally.accepted++;
        if (options.forged) tally.forgedAccepted++;
      } else tally.refuse(answer.code);
      return answer;
    });
  }
}
