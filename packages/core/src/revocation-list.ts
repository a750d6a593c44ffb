import type { JwtClaims } from './compact-jws.js';
import {
  REVOCATION_DEFAULTS,
  selectorParts,
  toRevocationRule,
  type RevocationCheck,
  type RevocationRequest,
  type RevocationRule,
  type RevocationRuleOptions,
  type RevocationSelector,
  type RevocationState,
} from './revocation.js';

export interface RevocationListOptions extends RevocationRuleOptions {
  /**
   * Most rules held at once. A revocation past it is refused with a `RangeError` (after dropping
   * expired rules) rather than evicting a rule, which would silently let tokens back in.
   * Default `100_000` (a few tens of MB at most).
   */
  readonly maxRules?: number | undefined;
  /** Clock in epoch ms, for rule creation and pruning; inject one in tests. Default `Date.now`. */
  readonly clock?: (() => number) | undefined;
}

/** Rules for one value (one `jti`, `sub` or client id): the unscoped one and those per issuer. */
interface Slot {
  any: RevocationRule | undefined;
  byIssuer: Map<string, RevocationRule> | undefined;
}

type Kind = RevocationRule['kind'];

/**
 * The in-memory revocation list: the default for one process, and the local mirror behind shared
 * sources such as `@tollgate/redis`. `revoked()` is a few `Map.get`s and returns at once when the
 * list is empty; expired rules match nothing and are dropped when the next one falls due.
 *
 * @example
 * const revocations = new RevocationList({ ruleLifetimeMs: 3_600_000 }); // tokens live ≤ 1 h
 * revocations.revoke({ sub: 'alice' });                 // alice's tokens issued until now
 * revocations.revoke({ jti: leaked.jti, exp: leaked.exp });
 * revocations.revoked(claims, Date.now());               // the matching rule, or undefined
 */
export class RevocationList implements RevocationCheck {
  private readonly maps: Record<Kind, Map<string, Slot>> = { jti: new Map(), sub: new Map(), client: new Map() };
  private count = 0;
  /** Earliest `expiresAtMs` of any rule held; pruning before it would find nothing. */
  private nextExpiryMs = Infinity;
  private readonly clock: () => number;
  private readonly maxRules: number;
  private readonly ruleOptions: RevocationRuleOptions;

  constructor(options: RevocationListOptions = {}) {
    const maxRules = options.maxRules ?? REVOCATION_DEFAULTS.maxRules;
    if (!Number.isInteger(maxRules) || maxRules < 1)
      throw new TypeError('RevocationList "maxRules" must be a positive integer.');
    this.maxRules = maxRules;
    this.clock = options.clock ?? Date.now;
    for (const name of ['ruleLifetimeMs', 'expiryMarginMs'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isFinite(value) || value < 0))
        throw new TypeError(`RevocationList "${name}" must be a finite number of milliseconds >= 0.`);
    }
    this.ruleOptions = { ruleLifetimeMs: options.ruleLifetimeMs, expiryMarginMs: options.expiryMarginMs };
  }

  /** Rules in force (expired ones not yet dropped included until the next prune). */
  get size(): number {
    return this.count;
  }

  /** Adds a revocation and returns the rule now in force (merged with an earlier one of the same id). */
  revoke(request: RevocationRequest): RevocationRule {
    return this.add(toRevocationRule(request, this.clock(), this.ruleOptions));
  }

  /**
   * Adds a complete rule (a mirror applies rules made elsewhere this way). A rule with the id of
   * one already held extends it: the later expiry and, for subject and client rules, the later
   * `issuedBeforeMs` win, so a repeated revocation never narrows an earlier one.
   */
  add(input: RevocationRule): RevocationRule {
    const rule = cleanRule(input);
    const { kind, value, iss } = selectorParts(rule);
    const map = this.maps[kind];
    let slot = map.get(value);
    const existing = slot === undefined ? undefined : iss === undefined ? slot.any : slot.byIssuer?.get(iss);
    if (existing === undefined && this.count >= this.maxRules && (this.prune() === 0 || this.count >= this.maxRules)) {
      throw new RangeError(
        `The revocation list holds its maximum of ${this.maxRules} rules; raise maxRules or wait for rules to expire.`,
      );
    }
    const merged = existing === undefined ? rule : mergeRules(existing, rule);
    if (slot === undefined) {
      slot = { any: undefined, byIssuer: undefined };
      map.set(value, slot);
    }
    if (iss === undefined) slot.any = merged;
    else (slot.byIssuer ??= new Map()).set(iss, merged);
    if (existing === undefined) this.count++;
    if (merged.expiresAtMs < this.nextExpiryMs) this.nextExpiryMs = merged.expiresAtMs;
    return merged;
  }

  /** Removes the rule the selector names (its `iss` scope included). True when there was one. */
  unrevoke(selector: RevocationSelector): boolean {
    const { kind, value, iss } = selectorParts(selector);
    const map = this.maps[kind];
    const slot = map.get(value);
    if (slot === undefined) return false;
    let removed = false;
    if (iss === undefined) {
      removed = slot.any !== undefined;
      slot.any = undefined;
    } else if (slot.byIssuer !== undefined) {
      removed = slot.byIssuer.delete(iss);
      if (slot.byIssuer.size === 0) slot.byIssuer = undefined;
    }
    if (slot.any === undefined && slot.byIssuer === undefined) map.delete(value);
    if (removed) this.count--;
    return removed;
  }

  /** The rules in force, expired ones dropped first. */
  list(): RevocationRule[] {
    this.prune();
    const rules: RevocationRule[] = [];
    for (const map of Object.values(this.maps)) {
      for (const slot of map.values()) {
        if (slot.any !== undefined) rules.push(slot.any);
        if (slot.byIssuer !== undefined) rules.push(...slot.byIssuer.values());
      }
    }
    return rules;
  }

  /** Drops rules expired at `nowMs` (default: the clock) and returns how many. Free until one falls due. */
  prune(nowMs: number = this.clock()): number {
    if (nowMs < this.nextExpiryMs) return 0;
    let dropped = 0;
    let next = Infinity;
    for (const map of Object.values(this.maps)) {
      for (const [value, slot] of map) {
        if (slot.any !== undefined) {
          if (slot.any.expiresAtMs <= nowMs) {
            slot.any = undefined;
            dropped++;
          } else next = Math.min(next, slot.any.expiresAtMs);
        }
        if (slot.byIssuer !== undefined) {
          for (const [iss, rule] of slot.byIssuer) {
            if (rule.expiresAtMs <= nowMs) {
              slot.byIssuer.delete(iss);
              dropped++;
            } else next = Math.min(next, rule.expiresAtMs);
          }
          if (slot.byIssuer.size === 0) slot.byIssuer = undefined;
        }
        if (slot.any === undefined && slot.byIssuer === undefined) map.delete(value);
      }
    }
    this.count -= dropped;
    this.nextExpiryMs = next;
    return dropped;
  }

  /**
   * The hot-path check: the rule refusing these verified claims at `nowMs`, or undefined. No
   * allocation; returns at once when the list is empty.
   */
  revoked(claims: JwtClaims, nowMs: number): RevocationRule | undefined {
    if (this.count === 0) return undefined;
    const iss = claims.iss;
    const { jti, sub, client } = this.maps;
    if (jti.size > 0 && typeof claims.jti === 'string') {
      const rule = matchSlot(jti.get(claims.jti), iss, undefined, nowMs);
      if (rule !== undefined) return rule;
    }
    if (sub.size > 0 && typeof claims.sub === 'string') {
      const rule = matchSlot(sub.get(claims.sub), iss, claims.iat, nowMs);
      if (rule !== undefined) return rule;
    }
    if (client.size > 0) {
      const clientId = claims.client_id;
      if (typeof clientId === 'string') {
        const rule = matchSlot(client.get(clientId), iss, claims.iat, nowMs);
        if (rule !== undefined) return rule;
      }
      const azp = claims.azp;
      if (typeof azp === 'string' && azp !== clientId) {
        const rule = matchSlot(client.get(azp), iss, claims.iat, nowMs);
        if (rule !== undefined) return rule;
      }
    }
    return undefined;
  }

  /** A local list is always current. */
  state(): RevocationState {
    this.prune();
    return { status: 'ok', rules: this.count, syncedAt: null, degradedSince: null, lastError: undefined };
  }
}

function matchSlot(slot: Slot | undefined, iss: unknown, iat: unknown, nowMs: number): RevocationRule | undefined {
  if (slot === undefined) return undefined;
  if (slot.any !== undefined && matches(slot.any, iat, nowMs)) return slot.any;
  if (slot.byIssuer !== undefined && typeof iss === 'string') {
    const rule = slot.byIssuer.get(iss);
    if (rule !== undefined && matches(rule, iat, nowMs)) return rule;
  }
  return undefined;
}

function matches(rule: RevocationRule, iat: unknown, nowMs: number): boolean {
  if (rule.expiresAtMs <= nowMs) return false;
  if (rule.kind === 'jti') return true;
  // A token without a usable `iat` cannot show it was issued after the cut-off.
  return typeof iat !== 'number' || !Number.isFinite(iat) || iat * 1000 < rule.issuedBeforeMs;
}

function mergeRules(a: RevocationRule, b: RevocationRule): RevocationRule {
  const expiresAtMs = Math.max(a.expiresAtMs, b.expiresAtMs);
  if (a.kind === 'jti' || b.kind === 'jti') return { ...b, expiresAtMs };
  return { ...b, issuedBeforeMs: Math.max(a.issuedBeforeMs, b.issuedBeforeMs), expiresAtMs };
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const text = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= REVOCATION_DEFAULTS.maxValueLength;

/** True when `value` is a well-formed {@link RevocationRule} (e.g. one read back from a shared store). */
export function isRevocationRule(value: unknown): value is RevocationRule {
  if (typeof value !== 'object' || value === null) return false;
  const rule = value as Record<string, unknown>;
  if (!finite(rule.expiresAtMs) || (rule.iss !== undefined && !text(rule.iss))) return false;
  switch (rule.kind) {
    case 'jti':
      return text(rule.jti);
    case 'sub':
      return text(rule.sub) && finite(rule.issuedBeforeMs);
    case 'client':
      return text(rule.clientId) && finite(rule.issuedBeforeMs);
    default:
      return false;
  }
}

/** A validated copy holding only the rule's own fields (input may come from JSON with extras). */
function cleanRule(rule: RevocationRule): RevocationRule {
  if (!isRevocationRule(rule))
    throw new TypeError(
      'Not a revocation rule: expected { kind: "jti" | "sub" | "client", its value, expiresAtMs, and issuedBeforeMs for "sub" and "client" }.',
    );
  const iss = rule.iss === undefined ? {} : { iss: rule.iss };
  switch (rule.kind) {
    case 'jti':
      return { kind: 'jti', jti: rule.jti, ...iss, expiresAtMs: rule.expiresAtMs };
    case 'sub':
      return { kind: 'sub', sub: rule.sub, ...iss, issuedBeforeMs: rule.issuedBeforeMs, expiresAtMs: rule.expiresAtMs };
    case 'client':
      return {
        kind: 'client',
        clientId: rule.clientId,
        ...iss,
        issuedBeforeMs: rule.issuedBeforeMs,
        expiresAtMs: rule.expiresAtMs,
      };
  }
}
