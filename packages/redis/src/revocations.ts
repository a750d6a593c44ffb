import { randomUUID } from 'node:crypto';
import {
  isRevocationRule,
  revocationRuleId,
  toRevocationRule,
  type RevocationRequest,
  type RevocationRule,
  type RevocationRuleOptions,
  type RevocationSelector,
} from '@tollgate/core';
import { bounded, commands, text, type Commands, type RedisConnection } from './client.js';
import { RedisUnavailableError, type RedisOperation } from './errors.js';
import {
  clientProblems,
  DEFAULT_KEY_PREFIX,
  durationProblems,
  keyLayout,
  prefixProblems,
  throwProblems,
  type KeyLayout,
  type Problem,
} from './keys.js';
import { REVOKE_SCRIPT, SNAPSHOT_SCRIPT, UNREVOKE_SCRIPT, VERSION_SCRIPT } from './revocation-scripts.js';

export interface RedisRevocationsOptions extends RevocationRuleOptions {
  /** Your node-redis connection (single node, Sentinel or Cluster). Required. */
  readonly client: RedisConnection;
  /** Prefix of every key and channel (see the key layout in the README). No `{` or `}`. Default `'tollgate:'`. */
  readonly keyPrefix?: string | undefined;
  /**
   * Most ms one read or write may take before it fails with `RedisUnavailableError`. These calls
   * are off the request path (admin writes, mirror synchronisation), so the bound is generous.
   * Default `2000`.
   */
  readonly timeoutMs?: number | undefined;
  /** Clock in epoch ms for new rules (`before` defaults to now) and for skipping expired rules. Default `Date.now`. */
  readonly clock?: (() => number) | undefined;
}

export const REVOCATIONS_DEFAULTS = Object.freeze({ keyPrefix: DEFAULT_KEY_PREFIX, timeoutMs: 2000 });

/** Where the shared list stands: `epoch` changes when Redis lost the list, `version` with every write. */
export interface RevocationVersion {
  readonly epoch: string;
  readonly version: number;
}

/** The whole shared list, read atomically with its version. */
export interface RevocationSnapshot extends RevocationVersion {
  /** Rules not yet expired by the clock. */
  readonly rules: readonly RevocationRule[];
  /** Entries in Redis that are not well-formed rules (written by something else); skipped. */
  readonly skipped: number;
}

/** A change as published on the channel, one per write. */
export type RevocationChange =
  | (RevocationVersion & { readonly op: 'revoke'; readonly rule: RevocationRule })
  | (RevocationVersion & { readonly op: 'unrevoke'; readonly selector: RevocationSelector });

export function revocationOptionProblems(options: Partial<RedisRevocationsOptions> | undefined): Problem[] {
  const problems: Problem[] = [
    ...clientProblems(options?.client),
    ...prefixProblems(options?.keyPrefix),
    ...durationProblems(options?.timeoutMs, 'timeoutMs', { max: 60_000 }),
    ...durationProblems(options?.ruleLifetimeMs, 'ruleLifetimeMs', { min: 0, max: 366 * 86_400_000 }),
    ...durationProblems(options?.expiryMarginMs, 'expiryMarginMs', { min: 0 }),
  ];
  if (options?.clock !== undefined && typeof options.clock !== 'function')
    problems.push(['clock', 'clock must be a function returning epoch milliseconds.']);
  return problems;
}

/**
 * The shared revocation list in Redis: the admin side. Every write is one atomic Lua script that
 * stores the rule with its own expiry, prunes expired rules, bumps the list's version and
 * publishes the change, so every {@link RedisRevocationMirror} applies it within a round trip.
 *
 * @example
 * const revocations = new RedisRevocations({ client, ruleLifetimeMs: 3_600_000 });
 * await revocations.revoke({ sub: 'alice' });                  // every service refuses her current tokens
 * await revocations.revoke({ jti: leaked.jti, exp: leaked.exp });
 * await revocations.list();
 * await revocations.unrevoke({ sub: 'alice' });
 */
export class RedisRevocations {
  readonly keys: KeyLayout;
  private readonly client: Commands;
  private readonly timeoutMs: number;
  private readonly clock: () => number;
  private readonly ruleOptions: RevocationRuleOptions;

  constructor(options: RedisRevocationsOptions) {
    throwProblems('RedisRevocations options', revocationOptionProblems(options));
    this.client = commands(options.client);
    this.keys = keyLayout(options.keyPrefix ?? REVOCATIONS_DEFAULTS.keyPrefix);
    this.timeoutMs = options.timeoutMs ?? REVOCATIONS_DEFAULTS.timeoutMs;
    this.clock = options.clock ?? Date.now;
    this.ruleOptions = { ruleLifetimeMs: options.ruleLifetimeMs, expiryMarginMs: options.expiryMarginMs };
  }

  /**
   * Revokes `{ jti, exp }`, `{ sub, before? }` or `{ clientId, before? }` (each with an optional
   * `iss`) for the whole fleet. Resolves with the rule now in force (extended, never narrowed,
   * if one with the same id existed). A bad request throws a `TypeError` before Redis is asked.
   */
  async revoke(request: RevocationRequest): Promise<RevocationRule> {
    const rule = toRevocationRule(request, this.clock(), this.ruleOptions);
    const reply = await this.run(
      'revocation write',
      REVOKE_SCRIPT,
      [this.keys.rules, this.keys.expiry, this.keys.meta],
      [revocationRuleId(rule), JSON.stringify(rule), this.keys.channel, randomUUID()],
    );
    const stored = parseRule(Array.isArray(reply) ? text(reply[0]) : undefined);
    if (stored === undefined)
      throw new RedisUnavailableError(
        'revocation write',
        'error',
        'Redis answered the revocation with something other than the stored rule.',
      );
    return stored;
  }

  /** Ends the revocation the selector names (kind, value and `iss` scope). True when Redis held it. */
  async unrevoke(selector: RevocationSelector): Promise<boolean> {
    const id = revocationRuleId(selector);
    const clean =
      'jti' in selector
        ? { jti: selector.jti }
        : 'sub' in selector
          ? { sub: selector.sub }
          : { clientId: selector.clientId };
    const reply = await this.run(
      'revocation write',
      UNREVOKE_SCRIPT,
      [this.keys.rules, this.keys.expiry, this.keys.meta],
      [
        id,
        JSON.stringify(selector.iss === undefined ? clean : { ...clean, iss: selector.iss }),
        this.keys.channel,
        randomUUID(),
      ],
    );
    return Array.isArray(reply) && Number(text(reply[0])) === 1;
  }

  /** The rules in force in Redis (not yet expired by the clock). */
  async list(): Promise<RevocationRule[]> {
    return [...(await this.snapshot()).rules];
  }

  /** The whole list and its version, read atomically. */
  async snapshot(operation: RedisOperation = 'revocation read'): Promise<RevocationSnapshot> {
    const reply = await this.run(operation, SNAPSHOT_SCRIPT, [this.keys.rules, this.keys.meta], []);
    if (!Array.isArray(reply) || reply.length !== 3 || !Array.isArray(reply[2])) {
      throw new RedisUnavailableError(
        operation,
        'error',
        'Redis answered the revocation snapshot in an unexpected shape.',
      );
    }
    const now = this.clock();
    const entries = reply[2] as unknown[];
    const rules: RevocationRule[] = [];
    let skipped = 0;
    for (let i = 1; i < entries.length; i += 2) {
      const rule = parseRule(text(entries[i]));
      if (rule === undefined) skipped++;
      else if (rule.expiresAtMs > now) rules.push(rule);
    }
    return { epoch: text(reply[0]) ?? '', version: Number(text(reply[1]) ?? 0), rules, skipped };
  }

  /** The list's epoch and version only: one small read, to learn whether a mirror is current. */
  async version(operation: RedisOperation = 'revocation read'): Promise<RevocationVersion> {
    const reply = await this.run(operation, VERSION_SCRIPT, [this.keys.meta], []);
    if (!Array.isArray(reply) || reply.length !== 2)
      throw new RedisUnavailableError(
        operation,
        'error',
        'Redis answered the revocation version in an unexpected shape.',
      );
    return { epoch: text(reply[0]) ?? '', version: Number(text(reply[1]) ?? 0) };
  }

  private run(operation: RedisOperation, script: string, keys: string[], args: string[]): Promise<unknown> {
    return bounded(this.client, operation, this.timeoutMs, () => this.client.eval(script, { keys, arguments: args }));
  }
}

function parseRule(json: string | undefined): RevocationRule | undefined {
  if (json === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return isRevocationRule(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A published change, or undefined when the message is not one (never trusted blindly). */
export function parseChange(message: string): RevocationChange | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.epoch !== 'string' ||
    !Number.isSafeInteger(value.version)
  )
    return undefined;
  const version = { epoch: value.epoch, version: value.version as number };
  if (value.op === 'revoke' && isRevocationRule(value.rule)) return { ...version, op: 'revoke', rule: value.rule };
  if (value.op === 'unrevoke' && isSelector(value.selector))
    return { ...version, op: 'unrevoke', selector: value.selector };
  return undefined;
}

function isSelector(value: unknown): value is RevocationSelector {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  const named = ['jti', 'sub', 'clientId'].filter((k) => typeof s[k] === 'string' && s[k].length > 0);
  return named.length === 1 && (s.iss === undefined || typeof s.iss === 'string');
}
