// jsonwebtoken with jwks-rsa (defaults: cache on, 5 entries, 10 min; no rate limit) for
// asymmetric algorithms, with the shared secret for HS256. jsonwebtoken 9 has no EdDSA.
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';

export const info = {
  label: 'jsonwebtoken + jwks-rsa',
  algs: ['RS256', 'PS256', 'ES256', 'HS256'],
  kind: 'peer',
  remote: true,
  checks:
    'signature, exp (when present), nbf, iss, aud, alg allowlist; HS256 row: jsonwebtoken with the secret, synchronous',
};

export async function setup({ alg, issuer, audience, jwksUri, hsSecret }) {
  const options = { algorithms: [alg], issuer, audience };
  if (alg === 'HS256') return { verify: (token) => jwt.verify(token, hsSecret, options) };
  const client = jwksRsa({ jwksUri });
  const getKey = (header, callback) => {
    client.getSigningKey(header.kid).then(
      (key) => callback(null, key.getPublicKey()),
      (error) => callback(error),
    );
  };
  return {
    verify: (token) =>
      new Promise((resolve, reject) => {
        jwt.verify(token, getKey, options, (error, payload) => (error ? reject(error) : resolve(payload)));
      }),
  };
}
