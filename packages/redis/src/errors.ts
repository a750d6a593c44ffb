/** What tollgate was doing on Redis when it failed. */
export type RedisOperation =
  | 'replay check'
  | 'revocation sync'
  | 'revocation write'
  | 'revocation read'
  | 'key store read'
  | 'key store write'
  | 'key store lock';

/**
 * Redis could not answer in time: not connected, slower than the operation's timeout, or it
 * failed the command. The replay store throws it so the core fails closed (503
 * `ERR_REPLAY_STORE_UNAVAILABLE`, `Retry-After`); the revocation mirror records it in `state()`;
 * the issuer key store rejects with it (the issuer then cannot sign or serve its JWKS until Redis is back).
 * The message names no key, token or credential.
 */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
  /** Stable; test this rather than the message. */
  readonly code = 'ERR_REDIS_UNAVAILABLE' as const;
  readonly operation: RedisOperation;
  /** `not-connected`: the command was not sent; `timeout`: no answer in time; `error`: Redis or the client failed it. */
  readonly reason: 'not-connected' | 'timeout' | 'error';
  /** Seconds after which a retry has a chance; for `Retry-After`. */
  readonly retryAfterSec = 1;

  constructor(
    operation: RedisOperation,
    reason: RedisUnavailableError['reason'],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.operation = operation;
    this.reason = reason;
  }
}

/** True for a `RedisUnavailableError`, including one from another copy of this package. */
export function isRedisUnavailableError(value: unknown): value is RedisUnavailableError {
  return value instanceof Error && (value as { code?: unknown }).code === 'ERR_REDIS_UNAVAILABLE';
}
