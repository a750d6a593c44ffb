import type { JwtClaims } from './compact-jws.js';
import { TokenError } from './errors.js';

/**
 * A revocation rule as stored and mirrored. Every rule expires on its own: past `expiresAtMs` it
 * matches nothing and is pruned, because every token it could refuse has expired by then.
 * `iss`, when set, limits the rule to tokens from that issuer; absent, it applies to all.
 */
export type RevocationRule = JtiRevocation | SubjectRevocation | ClientRevocation;

/** Refuses the one token whose `jti` this is; kept until that token's `exp` (plus a margin). */
export interface JtiRevocation {
  readonly kind: 'jti';
  readonly jti: string;
  readonly iss?: string;
  /** Epoch ms after which the rule is dropped: the token's `exp` plus the expiry margin. */
  readonly expiresAtMs: number;
}

/**
 * Refuses tokens of subject `sub` issued before `issuedBeforeMs` (`iat` × 1000 < it), and any token
 * of that subject without a usable `iat`, since its age cannot be known.
 */
export interface SubjectRevocation {
  readonly kind: 'sub';
  readonly sub: string;
  readonly iss?: string;
  readonly issuedBeforeMs: number;
  /** Epoch ms after which the rule is dropped: `issuedBeforeMs` + rule lifetime + margin. */
  readonly expiresAtMs: number;
}

/** Like {@link SubjectRevocation}, for the client: matches `client_id` (RFC 9068) or `azp`. */
export interface ClientRevocation {
  readonly kind: 'client';
  readonly clientId: string;
  readonly iss?: string;
  readonly issuedBeforeMs: number;
  readonly expiresAtMs: number;
}

/**
 * What an operator asks for; {@link toRevocationRule} turns it into a {@link RevocationRule}.
 * - `{ jti, exp }`: one token; `exp` is the token's own `exp` claim (NumericDate, seconds).
 * - `{ sub, before? }` / `{ clientId, before? }`: every token of that subject or client issued
 *   before `before` (default: now). `lifetimeMs` overrides how long the rule lives.
 */
export type RevocationRequest =
  | { readonly jti: string; readonly exp: number; readonly iss?: string | undefined }
  | {
      readonly sub: string;
      readonly before?: Date | undefined;
      readonly iss?: string | undefined;
      readonly lifetimeMs?: number | undefined;
    }
  | {
      readonly clientId: string;
      readonly before?: Date | undefined;
      readonly iss?: string | undefined;
      readonly lifetimeMs?: number | undefined;
    };

/** Names one rule, for `unrevoke`: its kind and value, and the `iss` it was scoped to (if any). */
export type RevocationSelector =
  | { readonly jti: string; readonly iss?: string | undefined }
  | { readonly sub: string; readonly iss?: string | undefined }
  | { readonly clientId: string; readonly iss?: string | undefined };

/**
 * Where the revocation list stands. `ok`: current. `degraded`: its source (e.g. Redis) cannot be
 * reached, so the last known list keeps serving; `degradedSince` and `lastError` say since when
 * and why.
 */
export interface RevocationState {
  readonly status: 'ok' | 'degraded';
  /** Rules in force. */
  readonly rules: number;
  /** Epoch ms of the last full synchronisation with the source; null for a purely local list. */
  readonly syncedAt: number | null;
  /** Epoch ms since which the list is degraded; null when `ok`. */
  readonly degradedSince: number | null;
  readonly lastError: string | undefined;
}

/**
 * The check a verifier runs on every verification, token-cache hits included. Synchronous and
 * local by contract: a few map lookups, never a network round trip, so a revocation source that
 * lives elsewhere (Redis) is mirrored in memory and `revoked()` reads the mirror.
 */
export interface RevocationCheck {
  /** The rule that refuses these (already verified) claims at `nowMs`, or undefined. */
  revoked(claims: JwtClaims, nowMs: number): RevocationRule | undefined;
  /** For `health()`: whether the list is current. */
  state?(): RevocationState;
}

export interface RevocationRuleOptions {
  /**
   * How long a subject or client rule lives after its `before` time, in ms. It only has to outlive
   * every token issued before that time, so set it to the longest access-token lifetime your
   * issuers grant; longer costs memory only, shorter lets old tokens back in once the rule lapses.
   * Default `86_400_000` (24 h).
   */
  readonly ruleLifetimeMs?: number | undefined;
  /**
   * Added to every rule's expiry, in ms, so that clock skew between replicas and the verifier's
   * `clockToleranceSec` cannot let a token outlive the rule that refuses it. Raise it if you
   * allow more than 5 minutes of clock tolerance. Default `300_000` (5 min).
   */
  readonly expiryMarginMs?: number | undefined;
}

export const REVOCATION_DEFAULTS = Object.freeze({
  ruleLifetimeMs: 86_400_000,
  expiryMarginMs: 300_000,
  maxRules: 100_000,
  /** Longest `jti`, `sub`, client id or `iss` a rule may name, in characters. */
  maxValueLength: 2048,
});

function checkValue(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > REVOCATION_DEFAULTS.maxValueLength) {
    throw new TypeError(
      `Revocation "${name}" must be a non-empty string of at most ${REVOCATION_DEFAULTS.maxValueLength} characters.`,
    );
  }
  return value;
}

function checkDuration(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new TypeError(`Revocation "${name}" must be a finite number of milliseconds >= 0.`);
  return value;
}

function optionalIss(iss: unknown): { iss?: string } {
  return iss === undefined ? {} : { iss: checkValue('iss', iss) };
}

/**
 * Turns an operator's request into a rule with its own expiry, validating every field (a
 * `TypeError` names the first bad one).
 *
 * @example
 * toRevocationRule({ sub: 'alice' }, Date.now());
 * // { kind: 'sub', sub: 'alice', issuedBeforeMs: now, expiresAtMs: now + 24 h + 5 min }
 */
export function toRevocationRule(
  request: RevocationRequest,
  nowMs: number,
  options: RevocationRuleOptions = {},
): RevocationRule {
  if (typeof request !== 'object' || request === null)
    throw new TypeError('A revocation request must be an object with "jti", "sub" or "clientId".');
  const margin = checkDuration('expiryMarginMs', options.expiryMarginMs, REVOCATION_DEFAULTS.expiryMarginMs);
  const kinds = (['jti', 'sub', 'clientId'] as const).filter(
    (k) => k in request && (request as Record<string, unknown>)[k] !== undefined,
  );
  if (kinds.length !== 1) throw new TypeError('A revocation request names exactly one of "jti", "sub" or "clientId".');
  if ('jti' in request && request.jti !== undefined) {
    const exp = request.exp;
    if (typeof exp !== 'number' || !Number.isFinite(exp))
      throw new TypeError(
        'A "jti" revocation needs the token\'s "exp" (seconds since the epoch), to know how long to keep it.',
      );
    return {
      kind: 'jti',
      jti: checkValue('jti', request.jti),
      ...optionalIss(request.iss),
      expiresAtMs: Math.ceil(exp * 1000 + margin),
    };
  }
  const subject = 'sub' in request ? request : undefined;
  const client = 'clientId' in request ? request : undefined;
  const { before, lifetimeMs, iss } = (subject ?? client)!;
  if (before !== undefined && (!(before instanceof Date) || !Number.isFinite(before.getTime())))
    throw new TypeError('Revocation "before" must be a valid Date.');
  const issuedBeforeMs = Math.ceil(before === undefined ? nowMs : before.getTime());
  const expiresAtMs = Math.ceil(
    issuedBeforeMs +
      checkDuration(
        'lifetimeMs',
        lifetimeMs,
        checkDuration('ruleLifetimeMs', options.ruleLifetimeMs, REVOCATION_DEFAULTS.ruleLifetimeMs),
      ) +
      margin,
  );
  if (subject !== undefined)
    return { kind: 'sub', sub: checkValue('sub', subject.sub), ...optionalIss(iss), issuedBeforeMs, expiresAtMs };
  return {
    kind: 'client',
    clientId: checkValue('clientId', client!.clientId),
    ...optionalIss(iss),
    issuedBeforeMs,
    expiresAtMs,
  };
}

/** The kind and value a selector or rule names. */
export function selectorParts(selector: RevocationSelector | RevocationRule): {
  kind: RevocationRule['kind'];
  value: string;
  iss: string | undefined;
} {
  if ('jti' in selector && selector.jti !== undefined) return { kind: 'jti', value: selector.jti, iss: selector.iss };
  if ('sub' in selector && selector.sub !== undefined) return { kind: 'sub', value: selector.sub, iss: selector.iss };
  if ('clientId' in selector && selector.clientId !== undefined)
    return { kind: 'client', value: selector.clientId, iss: selector.iss };
  throw new TypeError('A revocation selector names one of "jti", "sub" or "clientId".');
}

/**
 * A stable, unambiguous id for a rule or selector: `<kind>:<iss>:<value>`, with `iss` and value
 * percent-encoded and `iss` empty when the rule applies to every issuer. Two rules with the same
 * id are the same rule (a later one extends it).
 */
export function revocationRuleId(selector: RevocationSelector | RevocationRule): string {
  const { kind, value, iss } = selectorParts(selector);
  return `${kind}:${iss === undefined ? '' : encodeURIComponent(iss)}:${encodeURIComponent(value)}`;
}

const KIND_TEXT = {
  jti: 'this token was revoked by its "jti"',
  sub: 'tokens of its subject issued before a set time were revoked',
  client: 'tokens of its client issued before a set time were revoked',
} as const;

/**
 * The error a verifier throws for a revoked token: `ERR_TOKEN_REVOKED`, 401 `invalid_token`. The
 * message says what was revoked, never the token or the matched values.
 */
export function revokedError(rule: RevocationRule): TokenError {
  return new TokenError('ERR_TOKEN_REVOKED', `Token has been revoked: ${KIND_TEXT[rule.kind]}.`);
}
