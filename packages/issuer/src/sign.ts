import { randomUUID } from 'node:crypto';
import { isAsymmetric, isSigningAlgorithm, type SigningAlgorithm } from './algorithms.js';
import { encodeJwt, type SigningMaterial } from './jwt.js';
import { withOverrides } from './overrides.js';
import type { TenantRuntime } from './tenant-runtime.js';

/**
 * Claims to put in a token: any JSON-serialisable values, with the registered ones below typed.
 * A claim set to `undefined` removes the default for it.
 */
export interface JwtClaims {
  [claim: string]: unknown;
  /**
   * Confirmation (RFC 7800) binding the token to a key the client holds: `{ jkt }` for DPoP
   * (RFC 9449 §6.1, e.g. `createDpopKey().cnf`) or `{ 'x5t#S256' }` for a client certificate
   * (RFC 8705 §3.1, see `certificateThumbprint()`). Default: none (a bearer token).
   */
  cnf?: TokenConfirmation | undefined;
  /** Authentication context class reference (OIDC Core §2, RFC 9470), e.g. `'urn:example:mfa'`. Default: none. */
  acr?: string | undefined;
  /** Authentication methods (RFC 8176), e.g. `['pwd', 'otp']`. Default: none. */
  amr?: readonly string[] | undefined;
  /** When the user authenticated, in seconds since the epoch (OIDC Core §2, RFC 9470). Default: none. */
  auth_time?: number | undefined;
}

/** The `cnf` claim of a sender-constrained token. Other confirmation members pass through unchanged. */
export interface TokenConfirmation {
  [member: string]: unknown;
  /** base64url SHA-256 JWK thumbprint (RFC 7638) of the client's DPoP key. */
  jkt?: string;
  /** base64url SHA-256 thumbprint of the client certificate's DER encoding. */
  'x5t#S256'?: string;
}

/** How `issuer.sign()` mints a token. Every field is optional. */
export interface SignOptions {
  /** Tenant whose issuer, audience and keys to use. Default: the default tenant. */
  tenant?: string;
  /**
   * Algorithm to sign with. Default: the key's algorithm when `kid` is given, else the tenant's
   * current algorithm. An asymmetric algorithm the tenant has no key for gets a new key, which is
   * then published. `none` produces an unsigned token (for rejection tests).
   */
  alg?: SigningAlgorithm | 'none';
  /** Sign with this published key (active or retired, e.g. to mint a token with the old key). */
  kid?: string;
  /** Lifetime from `iat`. Default: the tenant's `tokenLifetimeSec` (900). Ignored when `exp` is given. */
  expiresInSec?: number;
  /**
   * Header fields merged over the computed `{ alg, typ, kid }`; `undefined` removes a field.
   * Changing `alg` here only changes what the header claims, not how the token is signed.
   */
  header?: Record<string, unknown>;
  /** HS256 secret to sign with instead of the tenant's (e.g. to mint a token no verifier trusts). */
  secret?: string | Uint8Array;
}

/** Subject of tokens minted by `sign()` unless the claims say otherwise. */
export const DEFAULT_SUBJECT = 'test-user';

/** Builds header and claims with defaults, picks the key and signs. */
export async function mintToken(
  tenant: TenantRuntime,
  claims: JwtClaims,
  options: SignOptions,
  nowMs: number,
): Promise<string> {
  const { alg, material, kid } = await materialFor(tenant, options);
  const header = withOverrides({ alg, typ: tenant.config.typ, ...(kid === undefined ? {} : { kid }) }, options.header);

  const iat = typeof claims.iat === 'number' ? claims.iat : Math.floor(nowMs / 1000);
  const lifetime = options.expiresInSec ?? tenant.config.tokenLifetimeSec;
  if (!Number.isFinite(lifetime)) throw new TypeError(`expiresInSec must be a finite number, got ${String(lifetime)}`);
  const scope = tenant.config.scopes.join(' ');
  const defaults: JwtClaims = {
    iss: tenant.issuer,
    sub: DEFAULT_SUBJECT,
    aud: tenant.config.audience,
    iat,
    exp: iat + lifetime,
    jti: randomUUID(),
    ...(scope ? { scope } : {}),
  };
  return encodeJwt(header, withOverrides(defaults, claims), material);
}

async function materialFor(
  tenant: TenantRuntime,
  options: SignOptions,
): Promise<{ alg: SigningAlgorithm | 'none'; material: SigningMaterial; kid: string | undefined }> {
  if (options.kid !== undefined) {
    const entry = await tenant.ring.findKey(options.kid);
    if (!entry) {
      const known = tenant.ring.publicKeys().map((k) => k.kid);
      throw new Error(`tenant "${tenant.name}" has no key "${options.kid}"; published: ${known.join(', ') || 'none'}`);
    }
    if (options.alg !== undefined && options.alg !== entry.alg) {
      throw new Error(`key "${entry.kid}" signs ${entry.alg}, not ${options.alg}`);
    }
    return { alg: entry.alg, material: { alg: entry.alg, key: entry.privateKey }, kid: entry.kid };
  }
  const alg = options.alg ?? tenant.algorithm;
  if (alg === 'none') return { alg, material: { alg }, kid: undefined };
  if (alg === 'HS256') {
    const secret = options.secret === undefined ? tenant.config.hs256Secret : toBytes(options.secret);
    if (!secret)
      throw new Error(`tenant "${tenant.name}" has no HS256 secret; configure hs256Secret or pass options.secret`);
    // No kid: HS256 verifiers pick the secret by algorithm, and a kid would suggest a JWKS key.
    return { alg, material: { alg, secret }, kid: undefined };
  }
  if (!isSigningAlgorithm(alg) || !isAsymmetric(alg)) throw new TypeError(`unsupported alg ${JSON.stringify(alg)}`);
  const entry = await tenant.ring.signingKey(alg);
  return { alg, material: { alg, key: entry.privateKey }, kid: entry.kid };
}

function toBytes(secret: string | Uint8Array): Uint8Array {
  return typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
}
