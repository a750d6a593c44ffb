// The DPoP and certificate-binding corpus: one row per request (or short sequence of requests),
// with the gate configuration it runs under, the exact answer expected, why, and the section of
// RFC 9449 (DPoP) or RFC 8705 (certificate-bound tokens) it comes from. Tokens come from the real
// mini-issuer; every proof is built by hand (jws.ts, node:crypto signatures), so nothing on the way
// sanitizes it.
import { createHmac, randomUUID } from 'node:crypto';
import type { DpopFailureReason, TollgateErrorCode } from '@tollgate/core';
import type { RequestAuth } from '@tollgate/core/adapter';
import {
  ath,
  CERT_HEADER,
  ORIGIN,
  PATH,
  TARGET,
  type Answer,
  type DpopFixture,
  type DpopRequest,
  type Profile,
  type ProofKeyName,
} from './dpop-fixture.js';
import { withOverrides } from './fixture.js';
import { b64u, compact, fixedSignature, flipByte, parts, signer, withPart, type Part, type Signer } from './jws.js';

/** Which check refused a proof (`DpopError#reason`), when a row pins it: the core's own type, not a copy of it. */
export type DpopReason = DpopFailureReason;

export type DpopExpected =
  | {
      /** How the token must be bound in the accepted request. */
      readonly accept: RequestAuth['binding'];
      /** The DPoP key thumbprint `auth.jkt` must hold. */
      readonly jkt?: (f: DpopFixture) => string;
      /** The certificate thumbprint `auth.x5t` must hold. */
      readonly x5t?: (f: DpopFixture) => string;
    }
  | {
      readonly status: 400 | 401 | 503;
      readonly code: TollgateErrorCode;
      /** The body's `error` (and the challenge's, for 400/401). */
      readonly error: string;
      readonly reason?: DpopReason;
    };

export interface DpopStep {
  readonly request: (f: DpopFixture, earlier: readonly Answer[]) => DpopRequest | Promise<DpopRequest>;
  readonly expected: DpopExpected;
}

export interface DpopCase {
  /** Stable, unique id, e.g. `htu/host`. */
  readonly id: string;
  readonly group: string;
  readonly description: string;
  /** RFC section the row comes from. */
  readonly ref: string;
  readonly profile: Profile;
  /** Sent in order through one gate; each must get its own expected answer. */
  readonly steps: readonly DpopStep[];
  /** Why this outcome is the right one. */
  readonly reason: string;
  /** Set while the gate has a bug this row exposes: the runner marks the row `it.fails`. */
  readonly knownBug?: string;
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

export interface ProofSpec {
  /** Key whose public JWK the header embeds, and (unless `signWith`) signs. Default `es256`. */
  readonly key?: ProofKeyName;
  /** Key that signs, when another than the embedded one. */
  readonly signWith?: ProofKeyName;
  /** Header `alg`. Default: the key's. */
  readonly alg?: string;
  /** Header members over `{ typ: 'dpop+jwt', alg, jwk }`; `undefined` removes one. */
  readonly header?: Record<string, unknown>;
  /** Claims over `{ jti, htm: 'GET', htu, iat: now, ath }`; `undefined` removes one. */
  readonly claims?: Record<string, unknown>;
  /** Raw header part, used byte for byte instead of `header`. */
  readonly rawHeader?: Part;
  readonly sign?: Signer;
}

/** A proof for `token` (a GET of ORIGIN + PATH, now, with a fresh jti), as a careful client makes it, with `spec`'s changes. */
export function proof(f: DpopFixture, token: string | undefined, spec: ProofSpec = {}): string {
  const key = f.keys[spec.key ?? 'es256'];
  const alg = spec.alg ?? key.alg;
  const header = spec.rawHeader ?? withOverrides({ typ: 'dpop+jwt', alg, jwk: key.jwk }, spec.header);
  const base: Record<string, unknown> = { jti: randomUUID(), htm: 'GET', htu: `${ORIGIN}${PATH}`, iat: f.nowSec };
  if (token !== undefined) base.ath = ath(token);
  const claims = withOverrides(base, spec.claims);
  return compact(header, claims, spec.sign ?? signer(alg, f.keys[spec.signWith ?? spec.key ?? 'es256'].privateKey));
}

/** `Authorization: DPoP <token>` with `DPoP: <proof>` (omitted when undefined), GET TARGET. */
export function dpopRequest(
  token: string,
  proofValue: string | readonly string[] | undefined,
  more: Partial<DpopRequest> = {},
): DpopRequest {
  return {
    method: 'GET',
    url: TARGET,
    ...more,
    headers: {
      authorization: `DPoP ${token}`,
      ...(proofValue === undefined ? {} : { dpop: proofValue }),
      ...more.headers,
    },
  };
}

export function bearerRequest(token: string, more: Partial<DpopRequest> = {}): DpopRequest {
  return { method: 'GET', url: TARGET, ...more, headers: { authorization: `Bearer ${token}`, ...more.headers } };
}

/** A valid DPoP request with a token bound to `key`, and proof changes. */
const signed =
  (spec: ProofSpec = {}, more: Partial<DpopRequest> = {}) =>
  async (f: DpopFixture): Promise<DpopRequest> => {
    const token = await f.bound(spec.key ?? 'es256');
    return dpopRequest(token, proof(f, token, spec), more);
  };

const ACCEPT_BEARER: DpopExpected = { accept: 'bearer' };
const acceptDpop = (key: ProofKeyName = 'es256'): DpopExpected => ({ accept: 'dpop', jkt: (f) => f.keys[key].jkt });
const acceptMtls = (cert: 'alice' | 'bob' = 'alice'): DpopExpected => ({
  accept: 'mtls',
  x5t: (f) => f.certs[cert].thumbprint,
});
const badProof = (reason?: DpopReason): DpopExpected => ({
  status: 401,
  code: 'ERR_DPOP_PROOF_INVALID',
  error: 'invalid_dpop_proof',
  ...(reason === undefined ? {} : { reason }),
});
const REPLAYED: DpopExpected = {
  status: 401,
  code: 'ERR_DPOP_PROOF_REPLAYED',
  error: 'invalid_dpop_proof',
  reason: 'replayed',
};
const NONCE: DpopExpected = { status: 401, code: 'ERR_DPOP_NONCE_REQUIRED', error: 'use_dpop_nonce', reason: 'nonce' };
const BINDING: DpopExpected = {
  status: 401,
  code: 'ERR_DPOP_BINDING_MISMATCH',
  error: 'invalid_token',
  reason: 'binding',
};
const DOWNGRADE: DpopExpected = {
  status: 401,
  code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
  error: 'invalid_token',
  reason: 'downgrade',
};
const REQUIRED: DpopExpected = { status: 401, code: 'ERR_DPOP_REQUIRED', error: 'invalid_token', reason: 'required' };
const BAD_REQUEST: DpopExpected = {
  status: 400,
  code: 'ERR_DPOP_REQUEST_INVALID',
  error: 'invalid_request',
  reason: 'request',
};
const TOKEN_REQUEST_INVALID: DpopExpected = {
  status: 400,
  code: 'ERR_TOKEN_REQUEST_INVALID',
  error: 'invalid_request',
};
const MISSING: DpopExpected = { status: 401, code: 'ERR_TOKEN_MISSING', error: 'unauthorized' };
const CERT_MISMATCH: DpopExpected = { status: 401, code: 'ERR_TOKEN_CERTIFICATE_MISMATCH', error: 'invalid_token' };
const STORE_DOWN: DpopExpected = {
  status: 503,
  code: 'ERR_REPLAY_STORE_UNAVAILABLE',
  error: 'temporarily_unavailable',
};

type RowInput = Omit<DpopCase, 'steps' | 'profile'> & {
  readonly profile?: Profile;
  readonly request: DpopStep['request'];
  readonly expected: DpopExpected;
};

/** A one-request row, on the `allowed` gate unless it says otherwise. */
function row(input: RowInput): DpopCase {
  const { request, expected, profile = 'allowed', ...rest } = input;
  return { ...rest, profile, steps: [{ request, expected }] };
}

/** The same request twice: the first accepted, the second refused as a replay. */
function replayRow(input: Omit<RowInput, 'expected'> & { readonly first?: DpopExpected }): DpopCase {
  const { request, first = acceptDpop(), profile = 'allowed', ...rest } = input;
  let sent: DpopRequest | undefined;
  return {
    ...rest,
    profile,
    steps: [
      { request: async (f, earlier) => (sent = await request(f, earlier)), expected: first },
      { request: () => sent as DpopRequest, expected: REPLAYED },
    ],
  };
}

/** URL-encoded PEM, as nginx's `$ssl_client_escaped_cert` and AWS ALB pass a client certificate. */
const escapedPem = (pem: string) => encodeURIComponent(pem);

const nonceOf = (answer: Answer | undefined): string => {
  const nonce = answer?.kind === 'refused' ? answer.response?.headers['dpop-nonce'] : answer?.headers?.['dpop-nonce'];
  if (typeof nonce !== 'string') throw new Error('the earlier answer carried no DPoP-Nonce header');
  return nonce;
};

const RS = 'RFC 9449';

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

const baseline: DpopCase[] = [
  row({
    id: 'valid/es256',
    group: 'valid',
    description: 'ES256 proof for a token bound to its key',
    ref: `${RS} 4.3, 7.1`,
    request: signed(),
    expected: acceptDpop(),
    reason: "Every check of section 4.3 passes and cnf.jkt is the proof key's thumbprint.",
  }),
  row({
    id: 'valid/es384',
    group: 'valid',
    description: 'ES384 proof (P-384 key)',
    ref: `${RS} 4.3`,
    request: signed({ key: 'es384' }),
    expected: acceptDpop('es384'),
    reason: 'Any asymmetric algorithm on the allowlist is accepted.',
  }),
  row({
    id: 'valid/es512',
    group: 'valid',
    description: 'ES512 proof (P-521 key)',
    ref: `${RS} 4.3`,
    request: signed({ key: 'es512' }),
    expected: acceptDpop('es512'),
    reason: 'P-521 coordinates are 66 bytes; the key is imported and verifies.',
  }),
  row({
    id: 'valid/rs256',
    group: 'valid',
    description: 'RS256 proof (RSA 2048)',
    ref: `${RS} 4.3`,
    request: signed({ key: 'rs256' }),
    expected: acceptDpop('rs256'),
    reason: 'RSA keys of at least 2048 bits are accepted.',
  }),
  row({
    id: 'valid/ps256',
    group: 'valid',
    description: 'PS256 proof (same RSA key)',
    ref: `${RS} 4.3`,
    request: signed({ key: 'ps256' }),
    expected: acceptDpop('ps256'),
    reason: 'One RSA key may sign PKCS#1 v1.5 or PSS proofs.',
  }),
  row({
    id: 'valid/eddsa',
    group: 'valid',
    description: 'EdDSA proof (Ed25519)',
    ref: `${RS} 4.3`,
    request: signed({ key: 'ed25519' }),
    expected: acceptDpop('ed25519'),
    reason: 'Ed25519 is an asymmetric algorithm tollgate verifies.',
  }),
  row({
    id: 'valid/scheme-case',
    group: 'valid',
    description: 'Authorization scheme written "dpop"',
    ref: 'RFC 9110 11.1; RFC 9449 7.1',
    request: async (f) => {
      const t = await f.bound();
      return dpopRequest(t, proof(f, t), { headers: { authorization: `dpop ${t}` } });
    },
    expected: acceptDpop(),
    reason: 'Authentication schemes are case-insensitive.',
  }),
  row({
    id: 'valid/bearer-allowed',
    group: 'valid',
    description: 'an unbound token as Bearer in allowed mode',
    ref: `${RS} 7.2`,
    request: async (f) => bearerRequest(await f.token()),
    expected: ACCEPT_BEARER,
    reason: 'allowed mode accepts Bearer tokens that carry no cnf.',
  }),
  row({
    id: 'valid/post',
    group: 'valid',
    description: 'POST with htm POST',
    ref: `${RS} 4.3 (8)`,
    request: signed({ claims: { htm: 'POST' } }, { method: 'POST' }),
    expected: acceptDpop(),
    reason: 'htm equals the request method.',
  }),
  row({
    id: 'valid/extra-claims',
    group: 'valid',
    description: 'proof with extra claims and a kid header',
    ref: `${RS} 4.2`,
    request: signed({ header: { kid: 'ignored-kid' }, claims: { purpose: 'test', nested: { a: 1 } } }),
    expected: acceptDpop(),
    reason: 'Unknown claims are ignored; kid is never used to look a key up, so its presence changes nothing.',
  }),
  row({
    id: 'valid/proof-exp-nbf',
    group: 'valid',
    description: 'proof with exp 60 s ahead and nbf now',
    ref: `${RS} 4.3 (11)`,
    request: (f) => signed({ claims: { exp: f.nowSec + 60, nbf: f.nowSec } })(f),
    expected: acceptDpop(),
    reason: 'A proof may carry exp/nbf; within them it is valid.',
  }),
];

const replay: DpopCase[] = [
  replayRow({
    id: 'replay/same-request',
    group: 'replay',
    description: 'the same request (same proof, same token) sent twice',
    ref: `${RS} 11.1`,
    request: signed(),
    reason: 'A captured request replayed within the proof window: the jti was used.',
  }),
  (() => {
    let jti = '';
    return {
      id: 'replay/jti-resigned',
      group: 'replay',
      description: 'a second proof reusing the jti with a new iat and a new signature',
      ref: `${RS} 11.1`,
      profile: 'allowed' as const,
      steps: [
        {
          request: async (f: DpopFixture) => {
            jti = randomUUID();
            return signed({ claims: { jti } })(f);
          },
          expected: acceptDpop(),
        },
        { request: async (f: DpopFixture) => signed({ claims: { jti, iat: f.nowSec - 1 } })(f), expected: REPLAYED },
      ],
      reason: 'Replay detection is by (key, jti), not by the proof bytes: re-signing does not make a jti new.',
    } satisfies DpopCase;
  })(),
  (() => {
    let jti = '';
    return {
      id: 'replay/jti-other-key',
      group: 'replay',
      description: 'the same jti used by two different keys',
      ref: `${RS} 11.1`,
      profile: 'allowed' as const,
      steps: [
        {
          request: async (f: DpopFixture) => {
            jti = randomUUID();
            return signed({ claims: { jti } })(f);
          },
          expected: acceptDpop(),
        },
        {
          request: async (f: DpopFixture) => signed({ key: 'es256b', claims: { jti } })(f),
          expected: acceptDpop('es256b'),
        },
      ],
      reason: "Ids are remembered per key thumbprint: one client cannot burn another client's jti.",
    } satisfies DpopCase;
  })(),
  (() => {
    let sent: DpopRequest | undefined;
    return {
      id: 'replay/respelled',
      group: 'replay',
      description: 'the same request replayed with the scheme in lower case and the query changed',
      ref: `${RS} 11.1`,
      profile: 'allowed' as const,
      steps: [
        { request: async (f: DpopFixture) => (sent = await signed()(f)), expected: acceptDpop() },
        {
          request: () => ({
            ...sent!,
            url: `${PATH}?page=3`,
            headers: { ...sent!.headers, authorization: String(sent!.headers.authorization).replace('DPoP ', 'dpop ') },
          }),
          expected: REPLAYED,
        },
      ],
      reason: 'Spelling the same request differently does not make a used proof new.',
    } satisfies DpopCase;
  })(),
  replayRow({
    id: 'replay/mtls-and-dpop',
    group: 'replay',
    description: 'a token bound to a key and a certificate, replayed with the certificate',
    ref: `${RS} 11.1; RFC 8705 3`,
    first: { accept: 'dpop', jkt: (f) => f.keys.es256.jkt, x5t: (f) => f.certs.alice.thumbprint },
    request: async (f) => {
      const t = await f.token({ cnf: { jkt: f.keys.es256.jkt, 'x5t#S256': f.certs.alice.thumbprint } });
      return dpopRequest(t, proof(f, t), { clientCertificate: f.certs.alice.der });
    },
    reason: 'The certificate does not stand in for a fresh proof.',
  }),
];

const htu: DpopCase[] = [
  row({
    id: 'htu/scheme',
    group: 'htu',
    description: 'htu with http instead of https',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `http://api.example.com${PATH}` } }),
    expected: badProof('htu'),
    reason: 'The scheme is part of the URI: a proof for http is not one for https.',
  }),
  row({
    id: 'htu/host',
    group: 'htu',
    description: 'htu naming another host',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `https://api.example.org${PATH}` } }),
    expected: badProof('htu'),
    reason: 'A proof made for another service must not work here.',
  }),
  row({
    id: 'htu/subdomain',
    group: 'htu',
    description: 'htu naming a subdomain',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `https://eu.api.example.com${PATH}` } }),
    expected: badProof('htu'),
    reason: 'Hosts compare exactly (after lower-casing).',
  }),
  row({
    id: 'htu/port',
    group: 'htu',
    description: 'htu with port 8443',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `https://api.example.com:8443${PATH}` } }),
    expected: badProof('htu'),
    reason: 'Another port is another origin.',
  }),
  row({
    id: 'htu/path',
    group: 'htu',
    description: 'htu naming another path',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `${ORIGIN}/orders/8` } }),
    expected: badProof('htu'),
    reason: 'A proof for one resource must not open another.',
  }),
  row({
    id: 'htu/path-prefix',
    group: 'htu',
    description: 'htu naming a parent path',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `${ORIGIN}/orders` } }),
    expected: badProof('htu'),
    reason: 'Paths compare exactly, not by prefix.',
  }),
  row({
    id: 'htu/trailing-slash',
    group: 'htu',
    description: 'htu with a trailing slash',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `${ORIGIN}${PATH}/` } }),
    expected: badProof('htu'),
    reason: '/orders/7/ is another path than /orders/7.',
  }),
  row({
    id: 'htu/path-case',
    group: 'htu',
    description: 'htu path in another case',
    ref: `${RS} 4.3 (9); RFC 3986 6.2.2.1`,
    request: signed({ claims: { htu: `${ORIGIN}/Orders/7` } }),
    expected: badProof('htu'),
    reason: 'Paths are case-sensitive; only scheme and host are not.',
  }),
  row({
    id: 'htu/userinfo',
    group: 'htu',
    description: 'htu with userinfo (user@host)',
    ref: `${RS} 4.3 (9); RFC 9110 4.2.4`,
    request: signed({ claims: { htu: `https://user@api.example.com${PATH}` } }),
    expected: badProof('htu'),
    reason: 'http(s) URIs must not carry userinfo; it is refused, never stripped.',
  }),
  row({
    id: 'htu/userinfo-password',
    group: 'htu',
    description: 'htu with user:password@ before the right host',
    ref: `${RS} 4.3 (9); RFC 9110 4.2.4`,
    request: signed({ claims: { htu: `https://api.example.com:443@evil.example${PATH}` } }),
    expected: badProof('htu'),
    reason: 'A parser that reads the host before "@" would see api.example.com.',
  }),
  row({
    id: 'htu/relative',
    group: 'htu',
    description: 'htu as a path only',
    ref: `${RS} 4.2`,
    request: signed({ claims: { htu: PATH } }),
    expected: badProof('htu'),
    reason: 'htu is an absolute URI.',
  }),
  row({
    id: 'htu/missing',
    group: 'htu',
    description: 'no htu',
    ref: `${RS} 4.3 (3)`,
    request: signed({ claims: { htu: undefined } }),
    expected: badProof('htu'),
    reason: 'htu is a required claim.',
  }),
  row({
    id: 'htu/number',
    group: 'htu',
    description: 'htu as a number',
    ref: `${RS} 4.2`,
    request: signed({ claims: { htu: 443 } }),
    expected: badProof('htu'),
    reason: 'htu is a string.',
  }),
  row({
    id: 'htu/crlf',
    group: 'htu',
    description: 'htu with CR LF and a header after the path',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `${ORIGIN}${PATH}\r\nSet-Cookie: session=stolen` } }),
    expected: badProof('htu'),
    reason: 'Control characters are refused outright, never compared or echoed.',
  }),
  row({
    id: 'htu/ws-scheme',
    group: 'htu',
    description: 'htu with a wss scheme',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `wss://api.example.com${PATH}` } }),
    expected: badProof('htu'),
    reason: 'Only http and https URIs are request URIs here.',
  }),
  row({
    id: 'htu/case-default-port',
    group: 'htu',
    description: 'HTTPS://API.EXAMPLE.COM:443/orders/7',
    ref: 'RFC 3986 6.2.2.1, 6.2.3',
    request: signed({ claims: { htu: `HTTPS://API.EXAMPLE.COM:443${PATH}` } }),
    expected: acceptDpop(),
    reason: 'Scheme and host are case-insensitive; the default port is the same as none.',
  }),
  row({
    id: 'htu/percent-unreserved',
    group: 'htu',
    description: 'htu with %37 for "7" and %2f kept encoded',
    ref: 'RFC 3986 6.2.2.2',
    request: signed({ claims: { htu: `${ORIGIN}/orders/%37` } }),
    expected: acceptDpop(),
    reason: 'Percent-encoded unreserved characters equal their decoded form.',
  }),
  row({
    id: 'htu/dot-segment',
    group: 'htu',
    description: 'htu with a ./ segment',
    ref: 'RFC 3986 6.2.2.3',
    request: signed({ claims: { htu: `${ORIGIN}/orders/./7` } }),
    expected: acceptDpop(),
    reason: 'Dot segments are removed before comparison.',
  }),
  row({
    id: 'htu/query',
    group: 'htu',
    description: 'htu carrying the query',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `${ORIGIN}${TARGET}` } }),
    expected: acceptDpop(),
    reason: 'Query and fragment parts are ignored on both sides.',
  }),
  row({
    id: 'htu/fragment',
    group: 'htu',
    description: 'htu with a fragment',
    ref: `${RS} 4.3 (9)`,
    request: signed({ claims: { htu: `${ORIGIN}${PATH}#top` } }),
    expected: acceptDpop(),
    reason: 'Query and fragment parts are ignored on both sides.',
  }),
  row({
    id: 'htu/host-header-forged',
    group: 'htu',
    description: 'fixed origin: Host: evil.example and a proof for https://evil.example/orders/7',
    ref: `${RS} 4.3 (9); issue 13 (proxies)`,
    request: signed({ claims: { htu: `https://evil.example${PATH}` } }, { headers: { host: 'evil.example' } }),
    expected: badProof('htu'),
    reason:
      'With a configured origin the Host header is never read, so a client cannot choose the URI its proof is checked against.',
  }),
  row({
    id: 'htu/target-crlf',
    group: 'htu',
    description: 'request target with CR LF and a header after the path',
    ref: 'RFC 9112 3.2; RFC 9110 5.5',
    request: signed({}, { url: `${PATH}\r\nSet-Cookie: session=stolen` }),
    expected: BAD_REQUEST,
    reason: 'A target no URI can carry is a malformed request; nothing of it reaches a header.',
  }),
  row({
    id: 'htu/target-non-ascii',
    group: 'htu',
    description: 'request target with a raw non-ASCII character',
    ref: 'RFC 3986 2',
    request: signed({}, { url: '/orders/7é' }),
    expected: BAD_REQUEST,
    reason: 'Raw non-ASCII is not a URI character.',
  }),
  row({
    id: 'htu/target-absolute-form',
    group: 'htu',
    description: 'absolute-form target naming another host',
    ref: 'RFC 9112 3.2.2',
    request: signed({}, { url: `https://evil.example${PATH}` }),
    expected: acceptDpop(),
    reason:
      'Only the path of an absolute-form target is used; the origin still comes from the configuration, and the proof names that origin.',
  }),
  row({
    id: 'host/match',
    group: 'htu',
    profile: 'host',
    description: 'origin from Host: http://api.internal:8080',
    ref: `${RS} 4.3 (9)`,
    request: signed(
      { claims: { htu: `http://api.internal:8080${PATH}` } },
      { headers: { host: 'api.internal:8080' }, encrypted: false },
    ),
    expected: acceptDpop(),
    reason: 'With { fromRequest: "host" } the Host header and the connection\'s TLS state make the origin.',
  }),
  row({
    id: 'host/tls-state',
    group: 'htu',
    profile: 'host',
    description: 'origin from Host, proof says https but the connection is plain',
    ref: `${RS} 4.3 (9)`,
    request: signed(
      { claims: { htu: `https://api.internal:8080${PATH}` } },
      { headers: { host: 'api.internal:8080' }, encrypted: false },
    ),
    expected: badProof('htu'),
    reason: 'The scheme comes from the connection, not from the proof.',
  }),
  row({
    id: 'host/two-hosts',
    group: 'htu',
    profile: 'host',
    description: 'two Host headers',
    ref: 'RFC 9112 3.2',
    request: signed(
      { claims: { htu: `http://a.example${PATH}` } },
      { headers: { host: ['a.example', 'b.example'] }, encrypted: false },
    ),
    expected: BAD_REQUEST,
    reason: 'A request with two Host headers has no single URI.',
  }),
  row({
    id: 'host/crlf',
    group: 'htu',
    profile: 'host',
    description: 'Host header with CR LF',
    ref: 'RFC 9110 5.5',
    request: signed(
      { claims: { htu: `http://a.example${PATH}` } },
      { headers: { host: 'a.example\r\nX-Injected: 1' }, encrypted: false },
    ),
    expected: BAD_REQUEST,
    reason: 'Only DNS-like host names are taken from headers.',
  }),
  row({
    id: 'forwarded/match',
    group: 'htu',
    profile: 'forwarded',
    description: 'origin from X-Forwarded-Proto/-Host behind a proxy',
    ref: `${RS} 4.3 (9)`,
    request: signed(
      {},
      {
        headers: { host: 'internal:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' },
        encrypted: false,
      },
    ),
    expected: acceptDpop(),
    reason: 'The proxy says which URI the client called.',
  }),
  row({
    id: 'forwarded/absent',
    group: 'htu',
    profile: 'forwarded',
    description: 'no X-Forwarded-* headers: falls back to Host',
    ref: `${RS} 4.3 (9)`,
    request: signed({}, { headers: { host: 'internal:8080' }, encrypted: false }),
    expected: badProof('htu'),
    reason: 'Without the proxy headers the URI is http://internal:8080/orders/7, not the one the proof names.',
  }),
  row({
    id: 'forwarded/list',
    group: 'htu',
    profile: 'forwarded',
    description: 'X-Forwarded-Host holding a list',
    ref: 'issue 13 (proxies)',
    request: signed(
      {},
      {
        headers: {
          host: 'internal:8080',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'api.example.com, evil.example',
        },
        encrypted: false,
      },
    ),
    expected: BAD_REQUEST,
    reason: 'A list means the proxy appended instead of overwriting; which entry the client set is unknown.',
  }),
  row({
    id: 'forwarded/proto',
    group: 'htu',
    profile: 'forwarded',
    description: 'X-Forwarded-Proto: ftp',
    ref: 'issue 13 (proxies)',
    request: signed(
      {},
      {
        headers: { host: 'internal:8080', 'x-forwarded-proto': 'ftp', 'x-forwarded-host': 'api.example.com' },
        encrypted: false,
      },
    ),
    expected: BAD_REQUEST,
    reason: 'Only http and https are request schemes.',
  }),
];

const htm: DpopCase[] = [
  row({
    id: 'htm/lower-case',
    group: 'htm',
    description: 'htm "get" for a GET request',
    ref: `${RS} 4.3 (8); RFC 9110 9.1`,
    request: signed({ claims: { htm: 'get' } }),
    expected: badProof('htm'),
    reason: 'Methods are case-sensitive: "get" is not GET.',
  }),
  row({
    id: 'htm/other-method',
    group: 'htm',
    description: 'htm POST for a GET request',
    ref: `${RS} 4.3 (8)`,
    request: signed({ claims: { htm: 'POST' } }),
    expected: badProof('htm'),
    reason: 'A proof for one method must not authorize another.',
  }),
  row({
    id: 'htm/missing',
    group: 'htm',
    description: 'no htm',
    ref: `${RS} 4.3 (3)`,
    request: signed({ claims: { htm: undefined } }),
    expected: badProof('htm'),
    reason: 'htm is a required claim.',
  }),
  row({
    id: 'htm/array',
    group: 'htm',
    description: 'htm ["GET"]',
    ref: `${RS} 4.2`,
    request: signed({ claims: { htm: ['GET'] } }),
    expected: badProof('htm'),
    reason: 'htm is a string.',
  }),
  row({
    id: 'htm/method-crlf',
    group: 'htm',
    description: 'a request method with CR LF (as a broken adapter could report it)',
    ref: 'RFC 9110 9.1',
    request: signed({}, { method: 'GET\r\nX-Injected: 1' }),
    expected: badProof('htm'),
    reason: 'The method does not match, and the message naming it is escaped before it reaches the challenge.',
  }),
];

const iat: DpopCase[] = [
  row({
    id: 'iat/too-old',
    group: 'iat',
    description: 'iat 301 s ago (window 300 s)',
    ref: `${RS} 4.3 (11), 11.1`,
    request: async (f) => signed({ claims: { iat: f.nowSec - 301 } })(f),
    expected: badProof('iat'),
    reason: 'Older proofs are outside the window the replay store covers.',
  }),
  row({
    id: 'iat/oldest-accepted',
    group: 'iat',
    description: 'iat exactly 300 s ago',
    ref: `${RS} 4.3 (11)`,
    request: async (f) => signed({ claims: { iat: f.nowSec - 300 } })(f),
    expected: acceptDpop(),
    reason: 'The window includes its edge.',
  }),
  row({
    id: 'iat/ahead',
    group: 'iat',
    description: 'iat 6 s ahead (skew 5 s)',
    ref: `${RS} 4.3 (11), 11.2`,
    request: async (f) => signed({ claims: { iat: f.nowSec + 6 } })(f),
    expected: badProof('iat'),
    reason: 'Proofs made for the future are pre-generated proofs.',
  }),
  row({
    id: 'iat/far-ahead',
    group: 'iat',
    description: 'iat a day ahead',
    ref: `${RS} 11.2`,
    request: async (f) => signed({ claims: { iat: f.nowSec + 86_400 } })(f),
    expected: badProof('iat'),
    reason: 'A stolen pre-generated proof would stay usable for a day.',
  }),
  row({
    id: 'iat/skew-accepted',
    group: 'iat',
    description: 'iat 5 s ahead',
    ref: `${RS} 4.3 (11)`,
    request: async (f) => signed({ claims: { iat: f.nowSec + 5 } })(f),
    expected: acceptDpop(),
    reason: 'A client clock slightly ahead is tolerated.',
  }),
  row({
    id: 'iat/missing',
    group: 'iat',
    description: 'no iat',
    ref: `${RS} 4.3 (3)`,
    request: signed({ claims: { iat: undefined } }),
    expected: badProof('iat'),
    reason: 'iat is a required claim.',
  }),
  row({
    id: 'iat/string',
    group: 'iat',
    description: 'iat as a string',
    ref: `${RS} 4.2; RFC 7519 2`,
    request: async (f) => signed({ claims: { iat: String(f.nowSec) } })(f),
    expected: badProof('iat'),
    reason: 'iat is a NumericDate.',
  }),
  row({
    id: 'exp/past',
    group: 'iat',
    description: 'proof exp 10 s ago',
    ref: `${RS} 4.3 (11)`,
    request: async (f) => signed({ claims: { exp: f.nowSec - 10 } })(f),
    expected: badProof('exp'),
    reason: "A proof's own exp is honoured.",
  }),
  row({
    id: 'nbf/future',
    group: 'iat',
    description: 'proof nbf 60 s ahead',
    ref: `${RS} 4.3 (11)`,
    request: async (f) => signed({ claims: { nbf: f.nowSec + 60 } })(f),
    expected: badProof('nbf'),
    reason: "A proof's own nbf is honoured.",
  }),
];

const jti: DpopCase[] = [
  row({
    id: 'jti/missing',
    group: 'jti',
    description: 'no jti',
    ref: `${RS} 4.3 (3)`,
    request: signed({ claims: { jti: undefined } }),
    expected: badProof('jti'),
    reason: 'Without a jti a proof cannot be used only once.',
  }),
  row({
    id: 'jti/empty',
    group: 'jti',
    description: 'jti ""',
    ref: `${RS} 4.2`,
    request: signed({ claims: { jti: '' } }),
    expected: badProof('jti'),
    reason: 'An empty id identifies nothing.',
  }),
  row({
    id: 'jti/too-long',
    group: 'jti',
    description: 'jti of 257 characters',
    ref: `${RS} 11.1`,
    request: signed({ claims: { jti: 'j'.repeat(257) } }),
    expected: badProof('jti'),
    reason: "Bounded so the replay store's memory is bounded.",
  }),
  row({
    id: 'jti/number',
    group: 'jti',
    description: 'jti as a number',
    ref: `${RS} 4.2`,
    request: signed({ claims: { jti: 12345 } }),
    expected: badProof('jti'),
    reason: 'jti is a string.',
  }),
];

const athRows: DpopCase[] = [
  row({
    id: 'ath/other-token',
    group: 'ath',
    description: 'ath of another token bound to the same key',
    ref: `${RS} 4.3 (12), 11.7`,
    request: async (f) => {
      const t = await f.bound();
      const other = await f.bound('es256', { sub: 'someone-else' });
      return dpopRequest(t, proof(f, other));
    },
    expected: badProof('ath'),
    reason: 'A proof made for one token must not carry another.',
  }),
  row({
    id: 'ath/missing',
    group: 'ath',
    description: 'no ath',
    ref: `${RS} 4.3 (12)`,
    request: signed({ claims: { ath: undefined } }),
    expected: badProof('ath'),
    reason: 'With an access token, ath is required.',
  }),
  row({
    id: 'ath/padded',
    group: 'ath',
    description: 'ath with base64 padding',
    ref: `${RS} 4.2`,
    request: async (f) => {
      const t = await f.bound();
      return dpopRequest(t, proof(f, t, { claims: { ath: `${ath(t)}=` } }));
    },
    expected: badProof('ath'),
    reason: 'ath is unpadded base64url; another spelling is another value.',
  }),
  row({
    id: 'ath/hex',
    group: 'ath',
    description: 'ath as hex SHA-256',
    ref: `${RS} 4.2`,
    request: async (f) => {
      const t = await f.bound();
      return dpopRequest(t, proof(f, t, { claims: { ath: Buffer.from(ath(t), 'base64url').toString('hex') } }));
    },
    expected: badProof('ath'),
    reason: 'Only base64url is accepted.',
  }),
];

const typ: DpopCase[] = [
  row({
    id: 'typ/jwt',
    group: 'typ',
    description: 'typ "JWT"',
    ref: `${RS} 4.3 (4)`,
    request: signed({ header: { typ: 'JWT' } }),
    expected: badProof('typ'),
    reason: 'Explicit typing keeps other JWTs (an ID token, an access token) from passing as proofs.',
  }),
  row({
    id: 'typ/at-jwt',
    group: 'typ',
    description: 'typ "at+jwt"',
    ref: `${RS} 4.3 (4); RFC 8725 3.11`,
    request: signed({ header: { typ: 'at+jwt' } }),
    expected: badProof('typ'),
    reason: 'An access token is not a proof.',
  }),
  row({
    id: 'typ/missing',
    group: 'typ',
    description: 'no typ',
    ref: `${RS} 4.3 (4)`,
    request: signed({ header: { typ: undefined } }),
    expected: badProof('typ'),
    reason: 'typ is required.',
  }),
];

/** HS256 over the proof with `secret`, and the header claiming HS256. */
const hmacProof = (f: DpopFixture, token: string, jwk: Readonly<Record<string, unknown>>, secret: Buffer | string) =>
  proof(f, token, {
    alg: 'HS256',
    header: { jwk },
    sign: (input) => createHmac('sha256', secret).update(input).digest(),
  });

const alg: DpopCase[] = [
  row({
    id: 'alg/none',
    group: 'alg',
    description: 'alg "none" with an empty signature',
    ref: `${RS} 4.3 (5)`,
    request: signed({ alg: 'none', sign: fixedSignature(Buffer.alloc(0)) }),
    expected: badProof(),
    reason: 'Unsigned proofs prove nothing.',
  }),
  row({
    id: 'alg/hs256-oct',
    group: 'alg',
    description: 'HS256 with an embedded symmetric jwk',
    ref: `${RS} 4.3 (5), 11.6`,
    request: async (f) => {
      const t = await f.bound();
      const k = Buffer.alloc(32, 7);
      return dpopRequest(t, hmacProof(f, t, { kty: 'oct', k: k.toString('base64url') }, k));
    },
    expected: badProof('alg'),
    reason: 'MAC algorithms are refused: anyone who sees the key can make proofs.',
  }),
  row({
    id: 'alg/hs256-public-key',
    group: 'alg',
    description: 'HS256 keyed with the public EC jwk (key confusion)',
    ref: `${RS} 11.6; RFC 8725 2.1`,
    request: async (f) => {
      const t = await f.bound();
      return dpopRequest(t, hmacProof(f, t, f.keys.es256.jwk, JSON.stringify(f.keys.es256.jwk)));
    },
    expected: badProof('alg'),
    reason: 'The classic confusion: the public key used as an HMAC secret.',
  }),
  row({
    id: 'alg/es256-rsa-key',
    group: 'alg',
    description: 'alg ES256 with an RSA jwk',
    ref: `${RS} 4.3 (5)`,
    request: signed({ key: 'rs256', alg: 'ES256', sign: fixedSignature(Buffer.alloc(64, 1)) }),
    expected: badProof('alg'),
    reason: 'alg must fit the key type.',
  }),
  row({
    id: 'alg/rs256-ec-key',
    group: 'alg',
    description: 'alg RS256 with an EC jwk',
    ref: `${RS} 4.3 (5)`,
    request: signed({ alg: 'RS256', sign: fixedSignature(Buffer.alloc(256, 1)) }),
    expected: badProof('alg'),
    reason: 'alg must fit the key type.',
  }),
  row({
    id: 'alg/es384-p256-key',
    group: 'alg',
    description: 'alg ES384 with a P-256 jwk',
    ref: `${RS} 4.3 (5); RFC 7518 3.4`,
    request: signed({ alg: 'ES384' }),
    expected: badProof('alg'),
    reason: 'Each ECDSA algorithm has one curve.',
  }),
  row({
    id: 'alg/eddsa-ec-key',
    group: 'alg',
    description: 'alg EdDSA with an EC jwk',
    ref: `${RS} 4.3 (5)`,
    request: signed({ alg: 'EdDSA', sign: fixedSignature(Buffer.alloc(64, 1)) }),
    expected: badProof('alg'),
    reason: 'alg must fit the key type.',
  }),
  row({
    id: 'alg/jwk-alg-member',
    group: 'alg',
    description: 'jwk with its own "alg": "ES384" under an ES256 proof',
    ref: `${RS} 4.3 (5); RFC 7517 4.4`,
    request: async (f) => signed({ header: { jwk: { ...f.keys.es256.jwk, alg: 'ES384' } } })(f),
    expected: badProof('alg'),
    reason: 'A key restricted to one algorithm is used for no other.',
  }),
  row({
    id: 'alg/not-configured',
    group: 'alg',
    profile: 'es256-only',
    description: 'a PS256 proof where only ES256 is configured',
    ref: `${RS} 4.3 (5), 7.1`,
    request: signed({ key: 'ps256' }),
    expected: badProof('alg'),
    reason: "The allowlist is the operator's, and the challenge advertises exactly it.",
  }),
  row({
    id: 'alg/missing',
    group: 'alg',
    description: 'no alg',
    ref: 'RFC 7515 4.1.1',
    request: signed({ header: { alg: undefined } }),
    expected: badProof(),
    reason: 'A JWS without alg is malformed.',
  }),
];

const key: DpopCase[] = [
  row({
    id: 'key/other-signer',
    group: 'key',
    description: "jwk of the client's key, signature by another key",
    ref: `${RS} 4.3 (6)`,
    request: signed({ signWith: 'es256b' }),
    expected: badProof('signature'),
    reason: "The thief embeds the victim's public key but cannot sign with it.",
  }),
  row({
    id: 'key/flipped-signature',
    group: 'key',
    description: 'one bit of the signature flipped',
    ref: `${RS} 4.3 (6)`,
    request: async (f) => {
      const t = await f.bound();
      const p = proof(f, t);
      return dpopRequest(t, withPart(p, 2, flipByte(Buffer.from(parts(p)[2], 'base64url'), 5).toString('base64url')));
    },
    expected: badProof('signature'),
    reason: 'The signature covers every byte.',
  }),
  row({
    id: 'key/changed-claim',
    group: 'key',
    description: 'payload changed after signing (htm POST→GET)',
    ref: `${RS} 4.3 (6)`,
    request: async (f) => {
      const t = await f.bound();
      const p = proof(f, t, { claims: { htm: 'POST' } });
      const payload = JSON.parse(Buffer.from(parts(p)[1], 'base64url').toString()) as Record<string, unknown>;
      return dpopRequest(t, withPart(p, 1, b64u({ ...payload, htm: 'GET' })));
    },
    expected: badProof('signature'),
    reason: 'A proof made for another request cannot be edited into this one.',
  }),
  row({
    id: 'key/der-ecdsa',
    group: 'key',
    description: 'ES256 signature in DER instead of r||s',
    ref: 'RFC 7518 3.4',
    request: async (f) => signed({ sign: signer('ES256', f.keys.es256.privateKey, { dsaEncoding: 'der' }) })(f),
    expected: badProof('signature'),
    reason: 'JWS ECDSA signatures are the fixed-size concatenation.',
  }),
  row({
    id: 'key/empty-signature',
    group: 'key',
    description: 'empty signature',
    ref: `${RS} 4.3 (6)`,
    request: signed({ sign: fixedSignature(Buffer.alloc(0)) }),
    expected: badProof(),
    reason: 'No signature, no proof.',
  }),
  row({
    id: 'key/private-jwk',
    group: 'key',
    description: 'jwk carrying the private key (d)',
    ref: `${RS} 4.3 (7)`,
    request: async (f) => signed({ header: { jwk: f.keys.es256.privateJwk } })(f),
    expected: badProof('jwk'),
    reason: 'A proof must never carry private key material.',
  }),
  row({
    id: 'key/private-rsa',
    group: 'key',
    description: 'RSA jwk carrying p and q',
    ref: `${RS} 4.3 (7)`,
    request: async (f) => signed({ key: 'rs256', header: { jwk: f.keys.rs256.privateJwk } })(f),
    expected: badProof('jwk'),
    reason: 'A proof must never carry private key material.',
  }),
  row({
    id: 'key/oct-jwk',
    group: 'key',
    description: 'symmetric jwk under ES256',
    ref: `${RS} 4.3 (7)`,
    request: signed({ header: { jwk: { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' } } }),
    expected: badProof(),
    reason: 'Symmetric keys are never proof keys.',
  }),
  row({
    id: 'key/no-jwk',
    group: 'key',
    description: 'no jwk header',
    ref: `${RS} 4.2, 4.3 (7)`,
    request: signed({ header: { jwk: undefined } }),
    expected: badProof('jwk'),
    reason: 'The embedded jwk is the only key a proof can name.',
  }),
  row({
    id: 'key/jku',
    group: 'key',
    description: 'jku instead of jwk',
    ref: `${RS} 4.2`,
    request: signed({ header: { jwk: undefined, jku: 'https://evil.example/jwks.json' } }),
    expected: badProof('key-reference'),
    reason: 'No key is ever fetched for a proof.',
  }),
  row({
    id: 'key/x5c',
    group: 'key',
    description: 'x5c next to jwk',
    ref: `${RS} 4.2`,
    request: async (f) => signed({ header: { x5c: [f.certs.alice.der.toString('base64')] } })(f),
    expected: badProof('key-reference'),
    reason: 'Certificate chains are not a proof-key source.',
  }),
  row({
    id: 'key/x5u',
    group: 'key',
    description: 'x5u instead of jwk',
    ref: `${RS} 4.2`,
    request: signed({ header: { jwk: undefined, x5u: 'https://evil.example/cert.pem' } }),
    expected: badProof('key-reference'),
    reason: 'No key is ever fetched for a proof.',
  }),
  row({
    id: 'key/kid-only',
    group: 'key',
    description: "kid naming one of the issuer's keys, no jwk",
    ref: `${RS} 4.2`,
    request: async (f) => signed({ header: { jwk: undefined, kid: (await f.issuer.issuer.keys())[0]?.kid } })(f),
    expected: badProof('jwk'),
    reason: 'kid never selects a proof key.',
  }),
  row({
    id: 'key/rsa-1024',
    group: 'key',
    description: 'RS256 proof with a 1024-bit RSA key',
    ref: `${RS} 11.6; RFC 7518 3.3`,
    request: async (f) => {
      const t = await f.bound('rsa1024');
      return dpopRequest(t, proof(f, t, { key: 'rsa1024' }));
    },
    expected: badProof('jwk'),
    reason: 'RSA keys under 2048 bits are refused, as for access tokens.',
  }),
  row({
    id: 'key/rsa-oversized',
    group: 'key',
    description: 'RSA jwk with a 4104-bit modulus',
    ref: 'issue 13 (cost)',
    request: async (f) =>
      signed({
        key: 'rs256',
        header: { jwk: { kty: 'RSA', e: 'AQAB', n: Buffer.alloc(513, 0xc5).toString('base64url') } },
      })(f),
    expected: badProof('jwk'),
    reason: 'Verification cost grows with the modulus; proof keys stop at 4096 bits.',
  }),
  row({
    id: 'key/ec-short-coordinate',
    group: 'key',
    description: 'EC jwk with a 31-byte x coordinate',
    ref: 'RFC 7518 6.2.1.2',
    request: async (f) =>
      signed({
        header: {
          jwk: {
            ...f.keys.es256.jwk,
            x: Buffer.from(String(f.keys.es256.jwk.x), 'base64url').subarray(1).toString('base64url'),
          },
        },
      })(f),
    expected: badProof('jwk'),
    reason: "Coordinates have exactly the curve's size; another encoding is another thumbprint.",
  }),
  row({
    id: 'key/use-enc',
    group: 'key',
    description: 'jwk marked "use": "enc"',
    ref: 'RFC 7517 4.2',
    request: async (f) => signed({ header: { jwk: { ...f.keys.es256.jwk, use: 'enc' } } })(f),
    expected: badProof('jwk'),
    reason: 'An encryption key does not sign.',
  }),
];

const structure: DpopCase[] = [
  row({
    id: 'header/missing',
    group: 'structure',
    description: 'Authorization: DPoP without a DPoP header',
    ref: `${RS} 4.3 (1), 7.1`,
    request: async (f) => dpopRequest(await f.bound(), undefined),
    expected: badProof('missing'),
    reason: 'The DPoP scheme needs a proof.',
  }),
  row({
    id: 'header/two',
    group: 'structure',
    description: 'two DPoP headers',
    ref: `${RS} 4.3 (1)`,
    request: async (f) => {
      const t = await f.bound();
      return dpopRequest(t, [proof(f, t), proof(f, t)]);
    },
    expected: BAD_REQUEST,
    reason: 'Exactly one DPoP header; which of two to check is not ours to guess.',
  }),
  row({
    id: 'header/two-in-one',
    group: 'structure',
    description: 'two proofs folded into one header with a comma',
    ref: `${RS} 4.3 (1); RFC 9110 5.3`,
    request: async (f) => {
      const t = await f.bound();
      return dpopRequest(t, `${proof(f, t)}, ${proof(f, t)}`);
    },
    expected: BAD_REQUEST,
    reason: 'A folded header is two headers.',
  }),
  row({
    id: 'header/empty',
    group: 'structure',
    description: 'empty DPoP header',
    ref: `${RS} 4.3 (2)`,
    request: async (f) => dpopRequest(await f.bound(), ''),
    expected: badProof(),
    reason: 'An empty value is not a JWT.',
  }),
  row({
    id: 'header/not-jws',
    group: 'structure',
    description: 'DPoP: not-a-jwt',
    ref: `${RS} 4.3 (2)`,
    request: async (f) => dpopRequest(await f.bound(), 'not-a-jwt'),
    expected: badProof('malformed'),
    reason: 'A proof is a compact JWS.',
  }),
  row({
    id: 'header/crlf',
    group: 'structure',
    description: 'DPoP header holding a proof, CR LF and another header',
    ref: `${RS} 4.3 (2)`,
    request: async (f) => {
      const t = await f.bound();
      return dpopRequest(t, `${proof(f, t)}\r\nX-Injected: 1`);
    },
    expected: badProof('malformed'),
    reason: 'Nothing after the JWS is tolerated, and nothing of it is echoed.',
  }),
  row({
    id: 'header/oversized',
    group: 'structure',
    description: 'a signed proof of about 9 KB',
    ref: `${RS} 4.3 (2); issue 13 (cost)`,
    request: signed({ claims: { pad: 'x'.repeat(9000) } }),
    expected: badProof('too-large'),
    reason: 'Refused before parsing: the size of what we parse is bounded (default 8192 bytes).',
  }),
  row({
    id: 'header/crit',
    group: 'structure',
    description: 'proof header with "crit"',
    ref: 'RFC 7515 4.1.11',
    request: signed({ header: { crit: ['exp'] } }),
    expected: badProof('malformed'),
    reason: 'Extensions we do not understand are refused.',
  }),
  row({
    id: 'header/json-duplicate',
    group: 'structure',
    description: 'proof header JSON with alg twice: ES256 first, "none" last, signed ES256',
    ref: 'RFC 7515 5.2; RFC 8725 3.1',
    request: async (f) => {
      const t = await f.bound();
      return dpopRequest(
        t,
        proof(f, t, {
          alg: 'ES256',
          rawHeader: `{"typ":"dpop+jwt","alg":"ES256","jwk":${JSON.stringify(f.keys.es256.jwk)},"alg":"none"}`,
        }),
      );
    },
    expected: badProof(),
    reason:
      'RFC 7515 allows a parser to refuse duplicate members or to take the last one; either way "none" decides and is refused. Only a first-wins parser would accept.',
  }),
  row({
    id: 'authz/two',
    group: 'structure',
    description: 'Authorization: Bearer and Authorization: DPoP',
    ref: 'RFC 9110 11.6.2; RFC 6750 2',
    request: async (f) => {
      const t = await f.bound();
      return dpopRequest(t, proof(f, t), { headers: { authorization: [`Bearer ${t}`, `DPoP ${t}`] } });
    },
    expected: TOKEN_REQUEST_INVALID,
    reason: 'One request, one credential.',
  }),
  row({
    id: 'authz/missing',
    group: 'structure',
    description: 'no credentials at all (allowed mode)',
    ref: `${RS} 7.1; RFC 6750 3`,
    request: () => ({ method: 'GET', url: TARGET, headers: {} }),
    expected: MISSING,
    reason: 'Both schemes are offered, neither with an error code.',
  }),
];

const binding: DpopCase[] = [
  row({
    id: 'binding/other-key',
    group: 'binding',
    description: 'valid proof by key B for a token bound to key A',
    ref: `${RS} 4.3 (12), 6.1`,
    request: async (f) => {
      const t = await f.bound('es256');
      return dpopRequest(t, proof(f, t, { key: 'es256b' }));
    },
    expected: BINDING,
    reason: 'The thief has a key, but not the one the token is bound to.',
  }),
  row({
    id: 'binding/unbound-token',
    group: 'binding',
    description: 'valid proof for a token without cnf',
    ref: `${RS} 7.1`,
    request: async (f) => {
      const t = await f.token();
      return dpopRequest(t, proof(f, t));
    },
    expected: BINDING,
    reason: 'The DPoP scheme is for DPoP-bound tokens.',
  }),
  row({
    id: 'binding/cnf-jkt-not-string',
    group: 'binding',
    description: 'token with cnf.jkt as an object',
    ref: `${RS} 6.1`,
    request: async (f) => {
      const t = await f.token({ cnf: { jkt: { value: f.keys.es256.jkt } } as never });
      return dpopRequest(t, proof(f, t));
    },
    expected: BINDING,
    reason: 'cnf.jkt is a string thumbprint.',
  }),
  row({
    id: 'binding/expired-token',
    group: 'binding',
    description: 'valid proof, expired bound token',
    ref: `${RS} 7.1; RFC 7519 4.1.4`,
    request: async (f) => {
      const t = await f.bound('es256', { iat: f.nowSec - 3600, exp: f.nowSec - 60 });
      return dpopRequest(t, proof(f, t));
    },
    expected: { status: 401, code: 'ERR_CLAIM_EXPIRED', error: 'invalid_token' },
    reason: 'A proof does not make an expired token valid.',
  }),
  row({
    id: 'binding/forged-token',
    group: 'binding',
    description: "valid proof, token signed by the client's own key",
    ref: `${RS} 7.1`,
    request: (f) => {
      const claims = {
        iss: f.issuer.issuerUrl,
        aud: f.issuer.audience,
        sub: 'me',
        iat: f.nowSec,
        exp: f.nowSec + 600,
        cnf: { jkt: f.keys.es256.jkt },
      };
      const t = compact(
        { alg: 'ES256', typ: 'JWT', kid: 'self-made' },
        claims,
        signer('ES256', f.keys.es256.privateKey),
      );
      return dpopRequest(t, proof(f, t));
    },
    expected: { status: 401, code: 'ERR_KEY_NOT_FOUND', error: 'invalid_token' },
    reason: 'Possession of a key proves nothing about a token the issuer did not sign.',
  }),
  row({
    id: 'binding/bad-proof-first',
    group: 'binding',
    description: 'bad proof and a token nobody signed',
    ref: `${RS} 7.1`,
    request: () => dpopRequest('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'not-a-jwt'),
    expected: badProof('malformed'),
    reason: 'The proof is checked first, without I/O, so a bad proof never costs a key lookup.',
  }),
  row({
    id: 'downgrade/bearer',
    group: 'downgrade',
    description: 'DPoP-bound token sent as Bearer',
    ref: `${RS} 7.2`,
    request: async (f) => bearerRequest(await f.bound()),
    expected: DOWNGRADE,
    reason: 'A stolen bound token tried without its key.',
  }),
  row({
    id: 'downgrade/bearer-with-proof',
    group: 'downgrade',
    description: 'DPoP-bound token as Bearer, with a valid DPoP header',
    ref: `${RS} 7.2`,
    request: async (f) => {
      const t = await f.bound();
      return bearerRequest(t, { headers: { dpop: proof(f, t) } });
    },
    expected: DOWNGRADE,
    reason: 'The Bearer scheme never checks proofs; a bound token must use the DPoP scheme.',
  }),
  row({
    id: 'downgrade/off-mode',
    group: 'downgrade',
    profile: 'off',
    description: 'DPoP-bound token as Bearer where DPoP is off',
    ref: `${RS} 7.2`,
    request: async (f) => bearerRequest(await f.bound()),
    expected: DOWNGRADE,
    reason: 'Even a service that does not speak DPoP refuses a bound token as a bearer token.',
  }),
  row({
    id: 'downgrade/required-mode',
    group: 'downgrade',
    profile: 'required',
    description: 'DPoP-bound token as Bearer in required mode',
    ref: `${RS} 7.2`,
    request: async (f) => bearerRequest(await f.bound()),
    expected: REQUIRED,
    reason: 'required mode refuses every Bearer request before looking at the token.',
  }),
];

const modes: DpopCase[] = [
  row({
    id: 'mode/required-dpop',
    group: 'mode',
    profile: 'required',
    description: 'valid DPoP request in required mode',
    ref: `${RS} 7.1`,
    request: signed(),
    expected: acceptDpop(),
    reason: 'required mode accepts DPoP.',
  }),
  row({
    id: 'mode/required-bearer',
    group: 'mode',
    profile: 'required',
    description: 'unbound token as Bearer in required mode',
    ref: `${RS} 7.1`,
    request: async (f) => bearerRequest(await f.token()),
    expected: REQUIRED,
    reason: 'required mode accepts DPoP only.',
  }),
  row({
    id: 'mode/required-missing',
    group: 'mode',
    profile: 'required',
    description: 'no credentials in required mode',
    ref: `${RS} 7.1`,
    request: () => ({ method: 'GET', url: TARGET, headers: {} }),
    expected: MISSING,
    reason: 'Only the DPoP scheme is offered.',
  }),
  row({
    id: 'mode/off-dpop-scheme',
    group: 'mode',
    profile: 'off',
    description: 'valid DPoP request where DPoP is off',
    ref: 'RFC 6750 3',
    request: signed(),
    expected: MISSING,
    reason: 'Where DPoP is off, the DPoP scheme is a scheme this service does not take: no credentials were sent.',
  }),
  row({
    id: 'mode/off-bearer',
    group: 'mode',
    profile: 'off',
    description: 'unbound token as Bearer where DPoP is off',
    ref: 'RFC 6750 2.1',
    request: async (f) => bearerRequest(await f.token()),
    expected: ACCEPT_BEARER,
    reason: 'Plain Bearer as before.',
  }),
  row({
    id: 'mode/route-required',
    group: 'mode',
    description: 'route override to required: Bearer refused',
    ref: 'issue 13 §3 (per-route override)',
    request: async (f) => bearerRequest(await f.token(), { route: { dpop: 'required' } }),
    expected: REQUIRED,
    reason: 'A route may require DPoP where the service allows both.',
  }),
  row({
    id: 'mode/route-off',
    group: 'mode',
    description: 'route override to off: DPoP scheme not read',
    ref: 'issue 13 §3 (per-route override)',
    request: signed({}, { route: { dpop: 'off' } }),
    expected: MISSING,
    reason: 'A route may switch DPoP off.',
  }),
];

const nonce: DpopCase[] = [
  {
    id: 'nonce/flow',
    group: 'nonce',
    description: 'no nonce → 401 use_dpop_nonce with DPoP-Nonce; retry with it → 200 with a DPoP-Nonce',
    ref: `${RS} 8, 9`,
    profile: 'nonce',
    steps: [
      { request: signed(), expected: NONCE },
      { request: async (f, earlier) => signed({ claims: { nonce: nonceOf(earlier[0]) } })(f), expected: acceptDpop() },
    ],
    reason: 'The server hands out a nonce; a proof carrying it is accepted, and the answer carries the current nonce.',
  },
  row({
    id: 'nonce/stale',
    group: 'nonce',
    profile: 'nonce',
    description: 'a nonce from three steps ago',
    ref: `${RS} 9`,
    request: async (f) => signed({ claims: { nonce: f.nonceAt(f.nowMs - 180_000) } })(f),
    expected: NONCE,
    reason: 'Nonces expire; the client is told to retry with a fresh one.',
  }),
  row({
    id: 'nonce/previous-step',
    group: 'nonce',
    profile: 'nonce',
    description: 'the nonce of the previous step',
    ref: `${RS} 9`,
    request: async (f) => signed({ claims: { nonce: f.nonceAt(f.nowMs - 60_000) } })(f),
    expected: acceptDpop(),
    reason: 'A nonce handed out just before a step change stays good for one more step.',
  }),
  row({
    id: 'nonce/current',
    group: 'nonce',
    profile: 'nonce',
    description: 'the current nonce',
    ref: `${RS} 9`,
    request: async (f) => signed({ claims: { nonce: f.nonceAt(f.nowMs) } })(f),
    expected: acceptDpop(),
    reason: 'Nonces are stateless: any replica with the secret accepts them.',
  }),
  row({
    id: 'nonce/other-server',
    group: 'nonce',
    profile: 'nonce',
    description: 'a nonce made with another secret',
    ref: `${RS} 9`,
    request: async (f) =>
      signed({ claims: { nonce: f.nonceAt(f.nowMs, 'another-servers-nonce-secret-0123456789') } })(f),
    expected: NONCE,
    reason: "Only this fleet's nonces count.",
  }),
  row({
    id: 'nonce/not-string',
    group: 'nonce',
    profile: 'nonce',
    description: 'nonce as a number',
    ref: `${RS} 4.2`,
    request: signed({ claims: { nonce: 42 } }),
    expected: NONCE,
    reason: 'A nonce is a string.',
  }),
  row({
    id: 'nonce/bad-proof-no-nonce',
    group: 'nonce',
    profile: 'nonce',
    description: 'a bad signature and no nonce',
    ref: `${RS} 8`,
    request: signed({ signWith: 'es256b' }),
    expected: badProof('signature'),
    reason: 'Nonces go only to clients whose proof is otherwise good: a forger learns nothing new.',
  }),
  row({
    id: 'nonce/bearer-unaffected',
    group: 'nonce',
    profile: 'nonce',
    description: 'unbound token as Bearer on a nonce gate',
    ref: `${RS} 8`,
    request: async (f) => bearerRequest(await f.token()),
    expected: ACCEPT_BEARER,
    reason: 'Nonces concern DPoP proofs only.',
  }),
  row({
    id: 'nonce/unsupported-elsewhere',
    group: 'nonce',
    description: 'a proof with a nonce where nonces are off',
    ref: `${RS} 8`,
    request: signed({ claims: { nonce: 'some-nonce' } }),
    expected: acceptDpop(),
    reason: 'Without server nonces the claim is not checked.',
  }),
];

const mtls: DpopCase[] = [
  row({
    id: 'mtls/right-cert',
    group: 'mtls',
    description: 'x5t#S256-bound token over TLS with that certificate',
    ref: 'RFC 8705 3, 3.1',
    request: async (f) => bearerRequest(await f.certBound(), { clientCertificate: f.certs.alice.der }),
    expected: acceptMtls(),
    reason: 'The client shows the certificate the token is bound to.',
  }),
  row({
    id: 'mtls/other-cert',
    group: 'mtls',
    description: "bound to alice, bob's certificate presented",
    ref: 'RFC 8705 3',
    request: async (f) => bearerRequest(await f.certBound(), { clientCertificate: f.certs.bob.der }),
    expected: CERT_MISMATCH,
    reason: 'A token stolen by another (even CA-issued) client does not work.',
  }),
  row({
    id: 'mtls/self-signed',
    group: 'mtls',
    description: 'bound to alice, a self-signed certificate presented',
    ref: 'RFC 8705 3',
    request: async (f) => bearerRequest(await f.certBound(), { clientCertificate: f.certs.mallory.der }),
    expected: CERT_MISMATCH,
    reason: 'Only the exact certificate counts.',
  }),
  row({
    id: 'mtls/no-cert',
    group: 'mtls',
    description: 'bound token without a client certificate',
    ref: 'RFC 8705 3',
    request: async (f) => bearerRequest(await f.certBound()),
    expected: CERT_MISMATCH,
    reason: 'A bound token without its certificate is worthless.',
  }),
  row({
    id: 'mtls/header-not-trusted',
    group: 'mtls',
    description: 'no TLS certificate, the right one in x-client-cert, header not configured',
    ref: 'RFC 8705 3; issue 13 §2',
    request: async (f) =>
      bearerRequest(await f.certBound(), { headers: { [CERT_HEADER]: escapedPem(f.certs.alice.pem) } }),
    expected: CERT_MISMATCH,
    reason: 'Unless configured, a certificate header is client input and never read.',
  }),
  row({
    id: 'mtls/unbound-with-cert',
    group: 'mtls',
    description: 'unbound token with a client certificate',
    ref: 'RFC 8705 3',
    request: async (f) => bearerRequest(await f.token(), { clientCertificate: f.certs.alice.der }),
    expected: ACCEPT_BEARER,
    reason: 'A certificate binds only tokens that say so.',
  }),
  row({
    id: 'mtls/not-string',
    group: 'mtls',
    description: 'cnf["x5t#S256"] as a number',
    ref: 'RFC 8705 3.1',
    request: async (f) =>
      bearerRequest(await f.token({ cnf: { 'x5t#S256': 42 } as never }), { clientCertificate: f.certs.alice.der }),
    expected: CERT_MISMATCH,
    reason: 'The thumbprint is a base64url string.',
  }),
  row({
    id: 'mtls/off-mode',
    group: 'mtls',
    profile: 'off',
    description: 'certificate-bound token where DPoP is off, with the certificate',
    ref: 'RFC 8705 3',
    request: async (f) => bearerRequest(await f.certBound(), { clientCertificate: f.certs.alice.der }),
    expected: acceptMtls(),
    reason: 'Certificate binding does not depend on DPoP.',
  }),
  row({
    id: 'mtls/off-mode-other',
    group: 'mtls',
    profile: 'off',
    description: 'certificate-bound token where DPoP is off, other certificate',
    ref: 'RFC 8705 3',
    request: async (f) => bearerRequest(await f.certBound(), { clientCertificate: f.certs.bob.der }),
    expected: CERT_MISMATCH,
    reason: 'Certificate binding does not depend on DPoP.',
  }),
  row({
    id: 'mtls/dpop-and-cert',
    group: 'mtls',
    description: 'token bound to a key and a certificate: DPoP with the certificate',
    ref: `RFC 8705 3; ${RS} 6.1`,
    request: async (f) => {
      const t = await f.token({ cnf: { jkt: f.keys.es256.jkt, 'x5t#S256': f.certs.alice.thumbprint } });
      return dpopRequest(t, proof(f, t), { clientCertificate: f.certs.alice.der });
    },
    expected: { accept: 'dpop', jkt: (f) => f.keys.es256.jkt, x5t: (f) => f.certs.alice.thumbprint },
    reason: 'Both bindings are checked and both thumbprints reported.',
  }),
  row({
    id: 'mtls/dpop-without-cert',
    group: 'mtls',
    description: 'token bound to a key and a certificate: DPoP without the certificate',
    ref: 'RFC 8705 3',
    request: async (f) => {
      const t = await f.token({ cnf: { jkt: f.keys.es256.jkt, 'x5t#S256': f.certs.alice.thumbprint } });
      return dpopRequest(t, proof(f, t));
    },
    expected: CERT_MISMATCH,
    reason: 'A proof does not replace the certificate.',
  }),
  row({
    id: 'proxy/escaped-pem',
    group: 'mtls-proxy',
    profile: 'proxy-cert',
    description: 'URL-encoded PEM in the configured header',
    ref: 'RFC 8705 3; issue 13 §2',
    request: async (f) =>
      bearerRequest(await f.certBound(), { headers: { [CERT_HEADER]: escapedPem(f.certs.alice.pem) } }),
    expected: acceptMtls(),
    reason: 'The proxy terminated TLS and passes the certificate (nginx $ssl_client_escaped_cert, AWS ALB).',
  }),
  row({
    id: 'proxy/base64-der',
    group: 'mtls-proxy',
    profile: 'proxy-cert',
    description: 'base64 DER in the configured header',
    ref: 'RFC 8705 3',
    request: async (f) =>
      bearerRequest(await f.certBound(), { headers: { [CERT_HEADER]: f.certs.alice.der.toString('base64') } }),
    expected: acceptMtls(),
    reason: 'The other common encoding.',
  }),
  row({
    id: 'proxy/other-cert',
    group: 'mtls-proxy',
    profile: 'proxy-cert',
    description: "bob's certificate in the configured header",
    ref: 'RFC 8705 3',
    request: async (f) =>
      bearerRequest(await f.certBound(), { headers: { [CERT_HEADER]: escapedPem(f.certs.bob.pem) } }),
    expected: CERT_MISMATCH,
    reason: 'Only the bound certificate counts.',
  }),
  row({
    id: 'proxy/socket-ignored',
    group: 'mtls-proxy',
    profile: 'proxy-cert',
    description: 'header configured but absent; the right certificate on the socket',
    ref: 'issue 13 §2',
    request: async (f) => bearerRequest(await f.certBound(), { clientCertificate: f.certs.alice.der }),
    expected: CERT_MISMATCH,
    reason: "Behind a TLS-terminating proxy the socket is the proxy's; only the header speaks for the client.",
  }),
  row({
    id: 'proxy/garbage',
    group: 'mtls-proxy',
    profile: 'proxy-cert',
    description: 'junk in the configured header',
    ref: 'RFC 8705 3',
    request: async (f) =>
      bearerRequest(await f.certBound(), { headers: { [CERT_HEADER]: '%%%not-a-certificate\r\n' } }),
    expected: CERT_MISMATCH,
    reason: 'An unreadable certificate is no certificate; nothing of it is echoed.',
  }),
  row({
    id: 'proxy/two-headers',
    group: 'mtls-proxy',
    profile: 'proxy-cert',
    description: 'the configured header twice',
    ref: 'RFC 8705 3',
    request: async (f) =>
      bearerRequest(await f.certBound(), {
        headers: { [CERT_HEADER]: [escapedPem(f.certs.alice.pem), escapedPem(f.certs.bob.pem)] },
      }),
    expected: TOKEN_REQUEST_INVALID,
    reason: 'The proxy sets it once; two mean a client added one.',
  }),
];

const store: DpopCase[] = [
  row({
    id: 'store/throws',
    group: 'replay-store',
    profile: 'store-throws',
    description: 'replay store that throws',
    ref: `${RS} 11.1`,
    request: signed(),
    expected: STORE_DOWN,
    reason: 'Fails closed: without the store a replay cannot be ruled out. 503 with Retry-After.',
  }),
  row({
    id: 'store/rejects',
    group: 'replay-store',
    profile: 'store-rejects',
    description: 'asynchronous replay store that rejects',
    ref: `${RS} 11.1`,
    request: signed(),
    expected: STORE_DOWN,
    reason: 'Fails closed, for an asynchronous store too.',
  }),
  row({
    id: 'store/refused-not-spent',
    group: 'replay-store',
    profile: 'store-throws',
    description: 'a refused proof never reaches the store',
    ref: `${RS} 11.1`,
    request: signed({ claims: { htm: 'POST' } }),
    expected: badProof('htm'),
    reason: 'The store is consulted last, so refused requests neither fill it nor depend on it.',
  }),
];

/** Every row. Ids are unique (checked by the runner). */
export const DPOP_CORPUS: readonly DpopCase[] = [
  ...baseline,
  ...replay,
  ...htu,
  ...htm,
  ...iat,
  ...jti,
  ...athRows,
  ...typ,
  ...alg,
  ...key,
  ...structure,
  ...binding,
  ...modes,
  ...nonce,
  ...mtls,
  ...store,
];
