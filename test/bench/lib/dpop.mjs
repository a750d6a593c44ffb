// DPoP material for the `dpop` section: a client key, access tokens bound to it (cnf.jkt), fresh
// proofs (one jti each, made before any timing), and the hand-written floor of a DPoP request.
import { createHash, createPublicKey, generateKeyPairSync, sign, verify as cryptoVerify } from 'node:crypto';
import { claims, signerFor } from './fixtures.mjs';

/** The public origin both the tollgate gate (`dpop.origin`) and the floor expect proofs to name. */
export const DPOP_ORIGIN = 'https://api.bench.tollgate.example';
export const DPOP_PATH = '/orders';
export const DPOP_HTU = `${DPOP_ORIGIN}${DPOP_PATH}`;
/** The proof acceptance window (tollgate's defaults: maxAgeSec 300, clockSkewSec 5), used by the floor too. */
const MAX_AGE_MS = 300_000;
const SKEW_MS = 5_000;

const b64u = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signing and verification inputs per proof algorithm (node:crypto). */
const PROOF_ALGS = {
  ES256: {
    generate: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    sign: (input, key) => sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }),
    verifyInput: (key) => ({ key, dsaEncoding: 'ieee-p1363' }),
    hash: 'sha256',
  },
  EdDSA: {
    generate: () => generateKeyPairSync('ed25519'),
    sign: (input, key) => sign(null, input, key),
    verifyInput: (key) => key,
    hash: null,
  },
};
export const PROOF_ALGS_SUPPORTED = Object.keys(PROOF_ALGS);

/** RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, base64url. */
export function thumbprint(jwk) {
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : jwk.kty === 'OKP'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
        : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** A DPoP client: its key pair, public JWK, thumbprint and the proof header (the same for every proof). */
export function makeClient(alg = 'ES256') {
  const spec = PROOF_ALGS[alg];
  if (!spec) throw new Error(`dpop: proof algorithm ${alg} is not set up here; use ${PROOF_ALGS_SUPPORTED.join(', ')}`);
  const { publicKey, privateKey } = spec.generate();
  const jwk = publicKey.export({ format: 'jwk' });
  return { alg, privateKey, jwk, jkt: thumbprint(jwk), header: b64u({ typ: 'dpop+jwt', alg, jwk }) };
}

/** `count` distinct RS256 access tokens bound to `jkt`, valid for the fixtures' lifetime (36 h) from now. */
export function boundTokens(material, jkt, count, alg = 'RS256') {
  const signToken = signerFor(alg, material);
  const nowSec = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => signToken(claims(i, nowSec, { cnf: { jkt } })));
}

const accessTokenHash = (token) => createHash('sha256').update(token).digest('base64url');

/**
 * Makes proofs for `tokens`: proof i goes with tokens[i % tokens.length], carries its `ath` and a
 * jti no other proof of this maker has. Returns `{ next(n) → [{ token, proof }] }`; call it right
 * before the proofs are used, since a proof is accepted for 300 s after its `iat`.
 */
export function proofMaker(client, tokens, { method = 'GET', htu = DPOP_HTU, prefix = `p${process.pid}` } = {}) {
  const sign = PROOF_ALGS[client.alg].sign;
  const aths = tokens.map(accessTokenHash);
  let counter = 0;
  return {
    next(n, overrides = {}) {
      const iat = Math.floor(Date.now() / 1000);
      const out = new Array(n);
      for (let k = 0; k < n; k++) {
        const i = counter++;
        const t = i % tokens.length;
        const payload = { jti: `${prefix}-${i.toString(36)}`, htm: method, htu, iat, ath: aths[t], ...overrides };
        const input = `${client.header}.${b64u(payload)}`;
        out[k] = {
          token: tokens[t],
          proof: `${input}.${sign(Buffer.from(input), client.privateKey).toString('base64url')}`,
        };
      }
      return out;
    },
  };
}

/**
 * The floor of a DPoP request: the cryptographic work RFC 9449 asks for and nothing else —
 * the access token's signature on a prebuilt KeyObject (with exp/iss/aud, `tokenVerify`), the
 * proof's signature with the key from its `jwk`, one SHA-256 of the token for `ath`, the RFC 7638
 * thumbprint compared with `cnf.jkt`, `htm`/`htu`/`iat`, and a Map as the jti set. Header lookup,
 * error classes, `htu` normalization and the other proof checks tollgate makes are left out.
 *
 * `importEachTime: false` (the floor the goal uses) caches the imported key and its thumbprint by
 * the proof's header segment, as tollgate caches proof keys by their canonical JWK: one client
 * signs every proof with the same key, so both import once. `true` imports the JWK and hashes the
 * thumbprint on every proof, to show what the cache saves.
 *
 * Returns `(authorization, proof, method, htu) → claims`; throws on any failure.
 */
export function dpopFloor(tokenVerify, { importEachTime = false } = {}) {
  const keys = new Map();
  const seen = new Map();
  return function floorDpop(authorization, proof, method, htu) {
    if (typeof authorization !== 'string' || !authorization.startsWith('DPoP ')) throw new Error('not DPoP');
    if (typeof proof !== 'string') throw new Error('no proof');
    const token = authorization.slice(5);
    const first = proof.indexOf('.');
    const last = proof.lastIndexOf('.');
    if (first < 1 || last <= first) throw new Error('malformed proof');
    const headerPart = proof.slice(0, first);
    let key = importEachTime ? undefined : keys.get(headerPart);
    if (key === undefined) {
      const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
      const spec = PROOF_ALGS[header.alg];
      if (header.typ !== 'dpop+jwt' || spec === undefined || typeof header.jwk !== 'object')
        throw new Error('proof header');
      key = {
        spec,
        input: spec.verifyInput(createPublicKey({ key: header.jwk, format: 'jwk' })),
        jkt: thumbprint(header.jwk),
      };
      if (!importEachTime) keys.set(headerPart, key);
    }
    if (
      !cryptoVerify(
        key.spec.hash,
        Buffer.from(proof.slice(0, last)),
        key.input,
        Buffer.from(proof.slice(last + 1), 'base64url'),
      )
    )
      throw new Error('proof signature');
    const payload = JSON.parse(Buffer.from(proof.slice(first + 1, last), 'base64url').toString('utf8'));
    if (payload.htm !== method || payload.htu !== htu) throw new Error('htm/htu');
    const now = Date.now();
    const iatMs = payload.iat * 1000;
    if (!(iatMs >= now - MAX_AGE_MS && iatMs <= now + SKEW_MS)) throw new Error('iat');
    if (payload.ath !== accessTokenHash(token)) throw new Error('ath');
    const tokenClaims = tokenVerify(token);
    if (tokenClaims.cnf?.jkt !== key.jkt) throw new Error('cnf.jkt');
    if (typeof payload.jti !== 'string') throw new Error('jti');
    const id = `${key.jkt}:${payload.jti}`;
    if (seen.has(id)) throw new Error('replayed');
    seen.set(id, iatMs + MAX_AGE_MS + SKEW_MS);
    return tokenClaims;
  };
}
