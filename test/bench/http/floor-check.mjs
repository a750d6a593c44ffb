// The hand-written floor for HTTP: the in-process floor (node:crypto verify on a
// prebuilt KeyObject, payload decode, exp/iss/aud) behind a plain Bearer split.
// No RFC 6750 challenge details, no error classes: the least a middleware can do.
import { floorVerifier } from '../contenders/floor.mjs';

export function floorCheck(ctx) {
  const verify = floorVerifier(ctx);
  /** Returns the claims, or undefined when the request must get a 401. */
  return (authorization) => {
    if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return undefined;
    try {
      return verify(authorization.slice(7));
    } catch {
      return undefined;
    }
  };
}
