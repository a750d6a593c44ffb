// The world the DPoP corpus runs in: a real @tollgate/issuer (discovery and JWKS over HTTP) minting
// access tokens, bound ones included; one verifier on a frozen clock shared by request gates of
// every configuration the rows need; the clients' proof keys (with thumbprints computed by jose, an
// independent implementation of RFC 7638); and client certificates made in the test (RFC 8705).
import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createVerifier, DpopNonces, type Verifier } from '@tollgate/core';
import { createGate, type Gate, type RequestAuth, type RequestFacts, type RouteOptions } from '@tollgate/core/adapter';
import { createTestClock, type JwtClaims, type TestClock } from '@tollgate/issuer';
import { calculateJwkThumbprint } from 'jose';
import {
  createCertificateAuthority,
  selfSignedClientCertificate,
  type IssuedCertificate,
  type TestCertificateAuthority,
} from '../support/certificates.js';
import { startIssuer, type TestIssuer } from '../support/issuer.js';

/** The public origin of the service every fixed-origin gate protects. */
export const ORIGIN = 'https://api.example.com';
/** The resource the rows call. */
export const PATH = '/orders/7';
/** The request target rows send by default: the path with a query, which `htu` never includes (RFC 9449 4.2). */
export const TARGET = `${PATH}?page=2`;
/** Header a TLS-terminating proxy puts the client certificate in, for the `proxy-cert` gate. */
export const CERT_HEADER = 'x-client-cert';
/** Shared secret of the `nonce` gate's server nonces (RFC 9449 section 9). */
export const NONCE_SECRET = 'dpop-conformance-nonce-secret-0123456789';

/** Gate configurations the rows run under. Every gate shares the fixture's verifier and frozen clock, and has its own replay store. */
export const PROFILES = {
  /** DPoP off: Bearer only. */
  off: {},
  /** Bearer and DPoP, `htu` origin fixed. */
  allowed: { dpop: { mode: 'allowed', origin: ORIGIN } },
  /** DPoP only. */
  required: { dpop: { mode: 'required', origin: ORIGIN } },
  /** Bearer and DPoP, proofs must carry a server nonce. */
  nonce: { dpop: { mode: 'allowed', origin: ORIGIN, nonce: { secret: NONCE_SECRET, stepSec: 60 } } },
  /** Proofs signed with ES256 only. */
  'es256-only': { dpop: { mode: 'allowed', origin: ORIGIN, proof: { algorithms: ['ES256'] } } },
  /** `htu` origin from the Host header (no proxy in front). */
  host: { dpop: { mode: 'allowed', origin: { fromRequest: 'host' } } },
  /** `htu` origin from X-Forwarded-Proto/-Host (behind a proxy that overwrites them). */
  forwarded: { dpop: { mode: 'allowed', origin: { fromRequest: 'forwarded' } } },
  /** Client certificates passed by a TLS-terminating proxy in a header. */
  'proxy-cert': { dpop: { mode: 'allowed', origin: ORIGIN }, mtls: { certificateHeader: CERT_HEADER } },
  /** A replay store that cannot answer (throws). */
  'store-throws': {
    dpop: {
      mode: 'allowed',
      origin: ORIGIN,
      replayStore: {
        useOnce: () => {
          throw new Error('replay store offline');
        },
      },
    },
  },
  /** An asynchronous replay store that cannot answer (rejects). */
  'store-rejects': {
    dpop: {
      mode: 'allowed',
      origin: ORIGIN,
      replayStore: { useOnce: () => Promise.reject(new Error('replay store offline')) },
    },
  },
} as const;
export type Profile = keyof typeof PROFILES;

/** Where the gate reads its options from in messages. */
const ADAPTER = {
  where: 'the DPoP conformance gate',
  onErrorSignature: null,
  verifierOptionsGo: 'to createVerifier()',
} as const;

export interface ProofKey {
  /** JWS `alg` the key signs proofs with. */
  readonly alg: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public JWK as a proof embeds it. */
  readonly jwk: Readonly<Record<string, unknown>>;
  /** Its private JWK (for the row that embeds private material). */
  readonly privateJwk: Readonly<Record<string, unknown>>;
  /** RFC 7638 thumbprint, computed by jose. */
  readonly jkt: string;
}

export type ProofKeyName = 'es256' | 'es256b' | 'es384' | 'es512' | 'rs256' | 'ps256' | 'ed25519' | 'rsa1024';

/** A request as an adapter would describe it to the gate. */
export interface DpopRequest {
  readonly method: string;
  /** Request target: path and query. */
  readonly url: string;
  /** Lower-case names; a list sends the header once per entry. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** DER of the client certificate on the TLS connection, if any. */
  readonly clientCertificate?: Buffer | undefined;
  /** Whether this process terminated TLS (read for `{ fromRequest }` origins). Default true. */
  readonly encrypted?: boolean | undefined;
  /** Per-route override, e.g. Nest's `@Dpop('required')`. */
  readonly route?: RouteOptions | undefined;
}

/** What a request got: the gate's verdict and the HTTP answer built from it. */
export type Answer =
  | {
      readonly kind: 'accepted';
      readonly auth: RequestAuth | undefined;
      readonly headers: Readonly<Record<string, string>> | undefined;
    }
  | { readonly kind: 'refused'; readonly error: unknown; readonly response: ReturnType<Gate['respond']> | undefined };

export interface DpopFixture {
  /** The frozen clock of the issuer, the verifier and every gate, in ms and in s. */
  readonly nowMs: number;
  readonly nowSec: number;
  readonly issuer: TestIssuer;
  readonly keys: Readonly<Record<ProofKeyName, ProofKey>>;
  readonly ca: TestCertificateAuthority;
  /** alice and bob from the CA; mallory self-signed. */
  readonly certs: {
    readonly alice: IssuedCertificate;
    readonly bob: IssuedCertificate;
    readonly mallory: IssuedCertificate;
  };
  /** A token minted by the issuer with `claims` (cached per claims, so rows can resend it). */
  token(claims?: JwtClaims): Promise<string>;
  /** A token bound to a proof key (`cnf.jkt`). */
  bound(key?: ProofKeyName, extra?: JwtClaims): Promise<string>;
  /** A token bound to a client certificate (`cnf["x5t#S256"]`). */
  certBound(cert?: IssuedCertificate, extra?: JwtClaims): Promise<string>;
  /** A nonce as the `nonce` gate (or any server with `secret`) issues it at `atMs`. */
  nonceAt(atMs: number, secret?: string): string;
  readonly gates: Readonly<Record<Profile, Gate>>;
  /** Sends `request` through the profile's gate and builds the answer, never throwing. */
  send(profile: Profile, request: DpopRequest): Promise<Answer>;
  readonly verifier: Verifier;
  close(): Promise<void>;
}

/** base64url(SHA-256(token)): `ath` as RFC 9449 section 4.2 defines it, computed here independently of the core. */
export const ath = (token: string): string => createHash('sha256').update(token, 'ascii').digest('base64url');

export const newJti = (): string => randomUUID();

async function proofKey(alg: string, pair: { privateKey: KeyObject; publicKey: KeyObject }): Promise<ProofKey> {
  const jwk = pair.publicKey.export({ format: 'jwk' });
  return {
    alg,
    ...pair,
    jwk: { ...jwk },
    privateJwk: { ...pair.privateKey.export({ format: 'jwk' }) },
    jkt: await calculateJwkThumbprint(jwk),
  };
}

/** Facts of a request as `nodeRequestFacts` would give them. */
export function requestFacts(request: DpopRequest): RequestFacts {
  return {
    method: request.method,
    url: request.url,
    header: (name) => request.headers[name],
    encrypted: request.encrypted ?? true,
    clientCertificate: () => request.clientCertificate,
  };
}

/** Starts the issuer, builds the keys, certificates, verifier and gates. The caller closes it. */
export async function createDpopFixture(): Promise<DpopFixture> {
  const clock: TestClock = createTestClock(Math.floor(Date.now() / 1000) * 1000);
  const nowMs = clock.now();
  const issuer = await startIssuer({ clock });
  // ES256 tokens too, so the verifier's first JWKS fetch already holds both of the issuer's keys.
  await issuer.mintToken({}, { alg: 'ES256' });
  const verifier = createVerifier({
    issuer: issuer.issuerUrl,
    audience: issuer.audience,
    algorithms: ['RS256', 'ES256'],
    clock: () => clock.now(),
  });
  await verifier.ready();

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys: Record<ProofKeyName, ProofKey> = {
    es256: await proofKey('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    es256b: await proofKey('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    es384: await proofKey('ES384', generateKeyPairSync('ec', { namedCurve: 'P-384' })),
    es512: await proofKey('ES512', generateKeyPairSync('ec', { namedCurve: 'P-521' })),
    rs256: await proofKey('RS256', rsa),
    ps256: await proofKey('PS256', rsa),
    ed25519: await proofKey('EdDSA', generateKeyPairSync('ed25519')),
    rsa1024: await proofKey('RS256', generateKeyPairSync('rsa', { modulusLength: 1024 })),
  };
  const ca = createCertificateAuthority('DPoP conformance CA');
  const certs = {
    alice: ca.issueClient('alice'),
    bob: ca.issueClient('bob'),
    mallory: selfSignedClientCertificate('mallory'),
  };

  const tokens = new Map<string, Promise<string>>();
  const token = (claims: JwtClaims = {}) => {
    const key = JSON.stringify(claims);
    let minted = tokens.get(key);
    if (minted === undefined) {
      minted = issuer.mintToken(claims);
      tokens.set(key, minted);
    }
    return minted;
  };
  const gates = Object.fromEntries(
    Object.entries(PROFILES).map(([name, options]) => [name, createGate(verifier, options, ADAPTER)]),
  ) as Record<Profile, Gate>;
  const nonceIssuers = new Map<string, DpopNonces>();

  const send = async (profile: Profile, request: DpopRequest): Promise<Answer> => {
    const gate = gates[profile];
    try {
      const auth = await gate.authenticate(requestFacts(request), request.route);
      return { kind: 'accepted', auth, headers: gate.successHeaders(auth) };
    } catch (error) {
      let response: ReturnType<Gate['respond']> | undefined;
      try {
        response = gate.respond(error as never, { route: request.route });
      } catch {
        response = undefined;
      }
      return { kind: 'refused', error, response };
    }
  };

  return {
    nowMs,
    nowSec: nowMs / 1000,
    issuer,
    keys,
    ca,
    certs,
    token,
    bound: (key = 'es256', extra = {}) => token({ ...extra, cnf: { jkt: keys[key].jkt } }),
    certBound: (cert = certs.alice, extra = {}) => token({ ...extra, cnf: { 'x5t#S256': cert.thumbprint } }),
    nonceAt: (atMs, secret = NONCE_SECRET) => {
      let nonces = nonceIssuers.get(secret);
      if (nonces === undefined) {
        nonces = new DpopNonces({ secret, stepSec: 60 });
        nonceIssuers.set(secret, nonces);
      }
      return nonces.issue(atMs);
    },
    gates,
    send,
    verifier,
    close: async () => {
      await verifier.close();
      await issuer.close();
    },
  };
}
