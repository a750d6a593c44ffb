// Shared fixture for cross-package tests: a real @tollgate/issuer on 127.0.0.1 with test defaults
// (audience, client, a running clock) and `mintToken()`, and a way to serve an app under test, each
// start bounded by a timeout. Starting the issuer itself is the issuer package's test support
// (`startSharedIssuer()`); this file only adds the defaults and helpers cross-package tests share.
//
// Why the timeouts: on Node 20 a WebCrypto key export hung at issuer start-up about once in
// fifteen starts (why the issuer now makes keys with node:crypto, see packages/issuer/src/keys.ts).
// A hung start must fail its test quickly, not stall the suite until the hook timeout.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Issuer, type IssuerOptions, type JwtClaims, type SignOptions, type TestClock } from '@tollgate/issuer';
import { START_TIMEOUT_MS, startSharedIssuer, withTimeout } from '../../packages/issuer/src/test-support.js';

export { START_TIMEOUT_MS, withTimeout };

/** Audience of the default tenant unless `defaultTenant.audience` says otherwise. */
export const TEST_AUDIENCE = 'orders-api';
/** Scopes the default test client holds; tokens from `mintToken()` carry all of them. */
export const TEST_SCOPES = ['orders:read', 'orders:write'] as const;
/** Client of the default tenant, for token-endpoint tests. */
export const TEST_CLIENT = { id: 'orders-client', secret: 'orders-client-secret', scopes: [...TEST_SCOPES] } as const;

export interface StartIssuerOptions extends Omit<IssuerOptions, 'clock'> {
  /** The issuer's clock. Default: {@link createRunningClock} (real time that tests can move). */
  clock?: TestClock;
  /** Fail the start after this many ms. Default: {@link START_TIMEOUT_MS}. */
  startTimeoutMs?: number;
}

/** A running test issuer and helpers around it. */
export interface TestIssuer {
  readonly issuer: Issuer;
  /** The issuer's clock: advance it to age tokens and keys. */
  readonly clock: TestClock;
  /** `iss` of the default tenant's tokens; where discovery starts. */
  readonly issuerUrl: string;
  readonly jwksUri: string;
  /** `aud` of the default tenant's tokens. */
  readonly audience: string;
  /**
   * Mints a token signed by the issuer. Defaults for every claim: `iss` = issuer URL,
   * `sub` = `test-user`, `aud` = the tenant audience, `iat` = now (issuer clock),
   * `exp` = `iat` + 900, a random `jti`, `scope` = the tenant's client scopes
   * (`orders:read orders:write` by default). Overrides win; `undefined` removes a claim.
   */
  mintToken(overrides?: JwtClaims, options?: SignOptions): Promise<string>;
  /** Stops the issuer for good (keep-alive connections too). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts `@tollgate/issuer` on 127.0.0.1:0 with test defaults: a clock that follows real time
 * until a test moves it, audience `orders-api`, one client `orders-client` with scopes `orders:read orders:write`,
 * and handler errors kept off the console. Every option of `createIssuer` can be overridden.
 * The caller closes it (usually in `afterAll`).
 *
 * @example
 * const { issuerUrl, audience, mintToken, close } = await startIssuer();
 * const token = await mintToken({ scope: 'orders:read' });
 * const expired = await mintToken({ iat: nowSec - 3600, exp: nowSec - 60 });
 * await close();
 */
export async function startIssuer(options: StartIssuerOptions = {}): Promise<TestIssuer> {
  const { startTimeoutMs = START_TIMEOUT_MS, ...issuerOptions } = options;
  const clock = issuerOptions.clock ?? createRunningClock();
  const usesTenants = issuerOptions.tenants !== undefined;
  const issuer = await startSharedIssuer(
    {
      onError: () => undefined,
      ...issuerOptions,
      clock,
      ...(usesTenants
        ? {}
        : { defaultTenant: { audience: TEST_AUDIENCE, clients: [TEST_CLIENT], ...issuerOptions.defaultTenant } }),
    },
    startTimeoutMs,
  );
  const audience = issuer.tenant().audience;
  let closed: Promise<void> | undefined;
  return {
    issuer,
    clock,
    issuerUrl: issuer.issuerUrl,
    jwksUri: issuer.jwksUri,
    audience: typeof audience === 'string' ? audience : (audience[0] ?? ''),
    mintToken: (overrides = {}, signOptions = {}) => issuer.sign(overrides, signOptions),
    close: () => (closed ??= issuer.close()),
  };
}

/**
 * A test clock that keeps running with real time, shifted by whatever tests `advance()` or `set()`.
 * Tokens minted late in a long file stay fresh for verifiers on the system clock (the issuer's
 * frozen `createTestClock()` would keep minting the start time), while tests can still jump
 * ahead, e.g. to expire a token or age a key past rotation.
 */
export function createRunningClock(): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      if (!Number.isFinite(ms)) throw new TypeError(`advance(ms) needs a finite number, got ${String(ms)}`);
      offset += ms;
      return Date.now() + offset;
    },
    set(time) {
      const ms = typeof time === 'number' ? time : new Date(time).getTime();
      if (!Number.isFinite(ms)) throw new TypeError(`not a valid time: ${String(time)}`);
      offset = ms - Date.now();
    },
  };
}

/** An app under test, listening. */
export interface Listening {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly server: Server;
  /** Stops listening and drops every connection, keep-alive ones included. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Serves an app on 127.0.0.1 and a free port. Takes a request listener (an Express app,
 * `koaApp.callback()`) or an existing `http.Server` (e.g. Nest's `app.getHttpServer()`).
 *
 * @example
 * const app = await listen(expressApp);
 * const res = await fetch(`${app.url}/orders`);
 * await app.close();
 */
export async function listen(target: RequestListener | Server, timeoutMs = START_TIMEOUT_MS): Promise<Listening> {
  const server = typeof target === 'function' ? createServer(target) : target;
  const started = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await withTimeout(started, timeoutMs, 'server start', () => shut(server));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return { url: `http://127.0.0.1:${port}`, server, close: () => (closed ??= shut(server)) };
}

function shut(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // close() alone waits for idle keep-alive sockets (fetch keeps them), which would hang afterAll.
    server.closeAllConnections();
  });
}
