// Keys and pre-signed tokens shared by every benchmark child.
//
// Keys come from node:crypto generateKeyPairSync and are exported as JWK/PEM by
// KeyObject.export — never WebCrypto generate/export, which hung at start-up on
// Node 20 about once in fifteen starts. Tokens are signed
// with node:crypto once, written to test/bench/results/fixtures/ (git-ignored)
// and reused by later runs while they stay valid for long enough.
import { constants, createHmac, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const RESULTS_DIR = join(here, '..', 'results');
export const FIXTURE_DIR = join(RESULTS_DIR, 'fixtures');
const FIXTURE_VERSION = 3;

export const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'];
/** Not a URL anyone fetches: verifiers get the JWKS URI separately (the partner-service set-up). */
export const ISSUER = 'https://auth.bench.tollgate.example';
export const AUDIENCE = 'orders-api';
/** More than tollgate's default token cache (10 000 entries), so cycling them never hits an LRU cache. */
export const DISTINCT_TOKENS = 20_000;

/**
 * Options of the JWKS server the in-process, HTTP and memory sections verify against (the
 * repository's one test JWKS server; the fetch-discipline section uses the real @tollgate/issuer,
 * whose counters and fault injection fit it). Keys are cached for an hour and connections stay
 * open for a minute, so the server is not part of what is measured.
 *
 * @param {object[]} keys public JWKs
 */
export const benchJwksOptions = (keys) => ({
  keys,
  jwksPath: '/.well-known/jwks.json',
  cacheControl: 'public, max-age=3600',
  keepAliveTimeoutMs: 60_000,
});
/** Tokens stay valid this long after signing; a fixture set is re-signed when less than MIN_LEFT_SEC remain. */
const LIFETIME_SEC = 36 * 3600;
const MIN_LEFT_SEC = 6 * 3600;

const b64u = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function generateKeys() {
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const pairs = {
    RS256: rsa(),
    PS256: rsa(),
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    EdDSA: generateKeyPairSync('ed25519'),
  };
  const stamp = new Date().toISOString().slice(0, 10);
  const keys = {};
  for (const [alg, { publicKey, privateKey }] of Object.entries(pairs)) {
    const kid = `${stamp}-${alg.toLowerCase()}`;
    keys[alg] = {
      kid,
      publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
      publicPem: publicKey.export({ format: 'pem', type: 'spki' }),
      privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    };
  }
  // A string secret, as users configure one; 48 random bytes, base64url (64 characters).
  const hsSecret = randomBytes(48).toString('base64url');
  return { keys, hsSecret };
}

/** A signer for one algorithm: (header, payload) => compact JWS. */
export function signerFor(alg, material) {
  let signBytes;
  if (alg === 'HS256') {
    signBytes = (input) => createHmac('sha256', material.hsSecret).update(input).digest();
  } else {
    const key = createPrivateKey(material.keys[alg].privatePem);
    if (alg === 'RS256') signBytes = (input) => sign('sha256', input, key);
    else if (alg === 'PS256')
      signBytes = (input) =>
        sign('sha256', input, {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        });
    else if (alg === 'ES256') signBytes = (input) => sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
    else signBytes = (input) => sign(null, input, key);
  }
  const kid = alg === 'HS256' ? undefined : material.keys[alg].kid;
  return (payload, header = {}) => {
    const h = { alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }), ...header };
    const input = `${b64u(h)}.${b64u(payload)}`;
    return `${input}.${signBytes(Buffer.from(input)).toString('base64url')}`;
  };
}

/** Claims of a typical access token (~350 characters of payload). */
export function claims(i, nowSec, overrides = {}) {
  return {
    iss: ISSUER,
    sub: `user-${i}`,
    aud: AUDIENCE,
    iat: nowSec,
    exp: nowSec + LIFETIME_SEC,
    jti: `${i.toString(36)}-${randomBytes(6).toString('hex')}`,
    scope: 'orders:read orders:write',
    client_id: 'bench-client',
    ...overrides,
  };
}

function signTokens(alg, material, count, nowSec) {
  const signToken = signerFor(alg, material);
  const distinct = new Array(count);
  for (let i = 0; i < count; i++) distinct[i] = signToken(claims(i, nowSec));
  const valid = distinct[0];
  // Negative cases every contender must refuse (checked in each child before timing).
  const lastDot = valid.lastIndexOf('.');
  const tampered = signToken(claims(count + 1, nowSec));
  const invalid = {
    wrongAudience: signToken(claims(count + 2, nowSec, { aud: 'someone-else' })),
    wrongIssuer: signToken(claims(count + 3, nowSec, { iss: 'https://evil.example' })),
    expired: signToken(claims(count + 4, nowSec - 7200, { exp: nowSec - 3600 })),
    badSignature: `${tampered.slice(0, tampered.lastIndexOf('.'))}.${valid.slice(lastDot + 1)}`,
  };
  return { alg, signedAtSec: nowSec, expSec: nowSec + LIFETIME_SEC, distinct, invalid };
}

const materialPath = () => join(FIXTURE_DIR, 'keys.json');
const tokensPath = (alg) => join(FIXTURE_DIR, `tokens-${alg}.json`);

export function loadMaterial() {
  return JSON.parse(readFileSync(materialPath(), 'utf8'));
}

export function loadTokens(alg) {
  return JSON.parse(readFileSync(tokensPath(alg), 'utf8'));
}

function usable(nowSec) {
  if (!existsSync(materialPath())) return false;
  try {
    const material = loadMaterial();
    if (material.version !== FIXTURE_VERSION || material.count !== DISTINCT_TOKENS) return false;
    return material.expSec - nowSec > MIN_LEFT_SEC && ALGS.every((alg) => existsSync(tokensPath(alg)));
  } catch {
    return false;
  }
}

/**
 * Makes sure keys and tokens exist: reuses the previous run's set when its tokens
 * are valid for at least 6 more hours, otherwise generates keys and signs
 * in two child processes (RSA signing is ~1.7k/s per core).
 */
export async function ensureFixtures({ fresh = false, log = console.log } = {}) {
  const nowSec = Math.floor(Date.now() / 1000);
  if (!fresh && usable(nowSec)) {
    const material = loadMaterial();
    log(
      `fixtures: reusing keys and tokens signed ${new Date(material.signedAtSec * 1000).toISOString()} (--fresh-fixtures to re-sign)`,
    );
    return { material, reused: true, seconds: 0 };
  }
  const started = performance.now();
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const material = {
    version: FIXTURE_VERSION,
    count: DISTINCT_TOKENS,
    signedAtSec: nowSec,
    expSec: nowSec + LIFETIME_SEC,
    ...generateKeys(),
  };
  writeFileSync(materialPath(), JSON.stringify(material));
  const jobs = [
    ['RS256', 'ES256', 'HS256'],
    ['PS256', 'EdDSA'],
  ];
  await Promise.all(
    jobs.map(
      (algs) =>
        new Promise((resolve, reject) => {
          const child = fork(fileURLToPath(import.meta.url), ['--sign', String(nowSec), ...algs], { stdio: 'inherit' });
          child.on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`fixture signer for ${algs} exited with ${code}`)),
          );
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  log(`fixtures: generated keys and signed ${DISTINCT_TOKENS} tokens per algorithm in ${seconds.toFixed(1)} s`);
  return { material, reused: false, seconds };
}

// Child mode: node fixtures.mjs --sign <nowSec> ALG...
if (process.argv[2] === '--sign') {
  const nowSec = Number(process.argv[3]);
  const material = loadMaterial();
  for (const alg of process.argv.slice(4)) {
    writeFileSync(tokensPath(alg), JSON.stringify(signTokens(alg, material, DISTINCT_TOKENS, nowSec)));
  }
}
