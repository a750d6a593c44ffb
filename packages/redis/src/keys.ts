import { ConfigError } from '@tollgate/core';

/** Default prefix of every key and channel; give each fleet sharing one Redis its own. */
export const DEFAULT_KEY_PREFIX = 'tollgate:';

/**
 * Every key and channel tollgate uses under `prefix`. The revocation keys share the hash tag
 * `{revocation}`, so on a Cluster they live in one slot and one Lua script can update them
 * together; the issuer key store's keys of one tenant share `{issuer:<tenant>}`; replay keys
 * carry no tag and spread over all slots.
 */
export interface KeyLayout {
  /** `<prefix>dpop:<id>`: one string per DPoP proof, `SET NX PX`. */
  replay(id: string): string;
  /** `<prefix>{revocation}:rules`: hash, rule id → rule JSON. */
  readonly rules: string;
  /** `<prefix>{revocation}:expiry`: sorted set, rule id scored by its expiry (epoch ms). */
  readonly expiry: string;
  /** `<prefix>{revocation}:meta`: hash with `epoch` (changes if Redis lost the list) and `version` (one per write). */
  readonly meta: string;
  /** `<prefix>{revocation}:events`: pub/sub channel, one message per write. */
  readonly channel: string;
  /** `<prefix>{issuer:<tenant>}:keys`: hash with `revision` and `keys` (the issuer's key pairs, JSON or encrypted). */
  issuerKeys(tenant: string): string;
  /** `<prefix>{issuer:<tenant>}:lock`: string holding the lock holder's fence, `SET NX PX`. */
  issuerLock(tenant: string): string;
}

export function keyLayout(prefix: string): KeyLayout {
  return {
    replay: (id) => `${prefix}dpop:${id}`,
    rules: `${prefix}{revocation}:rules`,
    expiry: `${prefix}{revocation}:expiry`,
    meta: `${prefix}{revocation}:meta`,
    channel: `${prefix}{revocation}:events`,
    issuerKeys: (tenant) => `${prefix}{issuer:${tenant}}:keys`,
    issuerLock: (tenant) => `${prefix}{issuer:${tenant}}:lock`,
  };
}

/** One bad option: its name and a sentence saying what it must be. */
export type Problem = readonly [option: string, message: string];

/** Problems with a `keyPrefix` option. */
export function prefixProblems(prefix: unknown, option = 'keyPrefix'): Problem[] {
  if (prefix === undefined) return [];
  if (typeof prefix !== 'string' || prefix.length > 128)
    return [[option, `${option} must be a string of at most 128 characters.`]];
  // A brace in the prefix would become the Cluster hash tag and split the revocation keys over slots.
  if (/[{}]/.test(prefix))
    return [[option, `${option} must not contain "{" or "}": tollgate places its own hash tags.`]];
  return [];
}

/** Problems with a millisecond option. */
export function durationProblems(value: unknown, option: string, { min = 1, max = 86_400_000 } = {}): Problem[] {
  if (value === undefined) return [];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    return [[option, `${option} must be a number of milliseconds from ${min} to ${max}.`]];
  return [];
}

/** Problems with the `client` option: it must be a node-redis connection. */
export function clientProblems(client: unknown): Problem[] {
  const ok =
    typeof client === 'object' &&
    client !== null &&
    ['set', 'eval', 'duplicate', 'subscribe'].every(
      (m) => typeof (client as Record<string, unknown>)[m] === 'function',
    );
  return ok
    ? []
    : [
        [
          'client',
          'client must be a node-redis connection (createClient, createCluster or createSentinel from "redis" 5.12 or later).',
        ],
      ];
}

/** Throws one `ConfigError` listing every problem, or returns. */
export function throwProblems(where: string, problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  throw new ConfigError(
    `${where}: ${problems.map(([, message]) => message).join(' ')}`,
    problems.map(([option]) => option),
  );
}
