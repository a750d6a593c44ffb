/**
 * Test support (not exported): what the adapters' unit tests share. They test the adapter's own
 * work (extract, attach, map errors) against a stand-in verifier; the real verifier against the
 * real issuer is covered by the cross-package tests in test/integration.
 */
import type { VerifiedToken, Verifier } from '../index.js';

/** A verified token as the core hands it to an adapter: subject `alice`, scope `orders:read`. */
export const TOKEN: VerifiedToken = {
  claims: { sub: 'alice', scope: 'orders:read' },
  header: { alg: 'RS256' },
  alg: 'RS256',
  kid: 'k1',
  keySource: 'jwks',
  issuer: 'https://issuer.test',
  cached: false,
};

/** A verifier whose `verify()` is the given function; every other method throws if an adapter calls it. */
export function fakeVerifier(verify: (token: string) => Promise<VerifiedToken>): Verifier {
  const notUsed = () => {
    throw new Error('not used');
  };
  return {
    verify,
    stats: notUsed,
    ready: notUsed,
    health: notUsed,
    on: notUsed,
    off: notUsed,
    close: () => Promise.resolve(),
  } as unknown as Verifier;
}

/** `rawHeaders` of a request with these Authorization headers (none, one, or repeated). */
export function rawAuthorization(authorization?: string | string[]): string[] {
  const list = authorization === undefined ? [] : [authorization].flat();
  return list.flatMap((value) => ['Authorization', value]);
}
