// aws-jwt-verify JwtVerifier with its JwksCache (no max age; penalty box after an unknown kid).
// It fetches only over https; the bench gives it an http fetcher that behaves like its
// SimpleFetcher (non-200 is final, one immediate retry on network errors). No PS256, no HS256.
import { get } from 'node:http';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

export const info = {
  label: 'aws-jwt-verify',
  algs: ['RS256', 'ES256', 'EdDSA'],
  kind: 'peer',
  remote: true,
  checks: 'signature, exp (required), nbf, iss, aud, alg must match the JWK alg (no separate allowlist option)',
};

function fetchOnce(uri) {
  return new Promise((resolve, reject) => {
    const req = get(uri, { timeout: 1500 }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(Object.assign(new Error(`Status code is ${res.statusCode}, expected 200`), { final: true }));
        return;
      }
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export const httpFetcher = {
  async fetch(uri) {
    try {
      return await fetchOnce(uri);
    } catch (error) {
      if (error.final) throw error;
      return fetchOnce(uri);
    }
  },
};

export async function setup({ issuer, audience, jwksUri }, { warm = true } = {}) {
  const verifier = JwtVerifier.create(
    { issuer, audience, jwksUri },
    { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) },
  );
  if (warm) await verifier.hydrate();
  return { verify: (token) => verifier.verify(token) };
}
