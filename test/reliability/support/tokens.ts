// Tokens for the load: a rolling pool of legitimate tokens minted while the load runs, and the
// attacker's repertoire (random kids, forged signatures, `alg: none`, key confusion, oversized).
//
// Time: the issuer may run on an accelerated clock (key ages, rotation), while the services
// verify `iat`/`exp` against real time. Every legitimate token is therefore minted with a
// real-time `iat` (and `exp` = `iat` + the tenant lifetime), so its validity window is real.
import {
  createHmac,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Issuer, SignOptions } from '@tollgate/issuer';
import type { Shot } from './load.js';

export const realNowSec = (): number => Math.floor(Date.now() / 1000);

/** A token from the issuer's current signing key with a real-time `iat` (see the file header). */
export function mintLegit(
  issuer: Issuer,
  options: SignOptions = {},
  claims: Record<string, unknown> = {},
): Promise<string> {
  return issuer.sign({ iat: realNowSec(), ...claims }, options);
}

/** The protected header of a compact JWS. */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * The most recent tokens from `mint`, refilled in the background while the load runs, so tokens
 * follow the issuer (a rotation shows up within one refill) and never outlive `maxAgeMs`.
 */
export class TokenPool {
  private tokens: { token: string; kid: string; at: number }[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  /** Every `kid` (or `alg` for kid-less HS256) the pool has minted with, in order of first use. */
  readonly kids: string[] = [];
  minted = 0;

  constructor(
    private readonly mint: () => Promise<string>,
    private readonly options: { size: number; refillMs: number; maxAgeMs: number },
  ) {}

  /** Mints the first tokens, then keeps refilling until `stop()`. */
  async start(): Promise<void> {
    for (let i = 0; i < Math.min(4, this.options.size); i++) await this.add();
    this.running = true;
    this.loop = this.refill();
  }

  /** Stops refilling (the pool keeps serving what it has); rethrows a minting error. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * A random token minted within `maxAgeMs`, or `undefined` when the refill has fallen that far
   * behind (a starved machine): an older token may be signed by a key that has since left the
   * JWKS, which a legitimate client would not hold, so that request slot is skipped instead.
   */
  pick(): { readonly token: string; readonly kid: string } | undefined {
    const cutoff = Date.now() - this.options.maxAgeMs;
    const fresh = this.tokens.filter((t) => t.at >= cutoff);
    return fresh[Math.floor(Math.random() * fresh.length)];
  }

  /** Any token, however old: for requests that must be refused anyway. */
  any(): string {
    const chosen = this.tokens[Math.floor(Math.random() * this.tokens.length)];
    if (chosen === undefined) throw new Error('token pool is empty; start() it first');
    return chosen.token;
  }

  private async refill(): Promise<void> {
    while (this.running) {
      // Unref'd: a pool nobody stopped cannot keep the test process alive.
      await sleep(this.options.refillMs, undefined, { ref: false });
      if (this.running) await this.add();
    }
  }

  private async add(): Promise<void> {
    const token = await this.mint();
    this.minted++;
    const header = headerOf(token);
    const kid = typeof header.kid === 'string' ? header.kid : String(header.alg);
    if (!this.kids.includes(kid)) this.kids.push(kid);
    this.tokens.push({ token, kid, at: Date.now() });
    if (this.tokens.length > this.options.size) this.tokens.shift();
  }
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The kinds of hostile request the attacker sends; every one must be refused. */
export const HOSTILE_KINDS = [
  'random-kid',
  'tampered-payload',
  'attacker-key',
  'bit-flipped-signature',
  'alg-none',
  'hs256-key-confusion',
  'alg-key-mismatch',
  'oversized-token',
  'oversized-header',
  'garbage',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/**
 * The order `next()` cycles through: every kind, with random kids three times per cycle — they
 * are the kind that could make a verifier hammer the JWKS endpoint, so the flood leans on them.
 */
const FLOOD_MIX: readonly HostileKind[] = [...HOSTILE_KINDS, 'random-kid', 'random-kid'];

const NONE_CASINGS = ['none', 'None', 'NONE', 'nOnE'];

/**
 * The attacker. Knows the public JWKS and has seen legitimate tokens; holds its own RSA key.
 * Every hostile token carries current, correct claims (`iss`, `aud`, `exp`), so a refusal can
 * only come from the forgery itself.
 */
export class Attacker {
  private readonly pem: string;
  private counter = 0;

  private constructor(
    private readonly realKid: string,
    publicKey: KeyObject,
    private readonly attackerKey: KeyObject,
    private readonly sample: string,
    private readonly claims: Record<string, unknown>,
  ) {
    this.pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Prepares an attacker against the issuer's current RS256 key, from one legitimate token. */
  static async against(issuer: Issuer): Promise<Attacker> {
    const sample = await mintLegit(issuer, { alg: 'RS256' });
    const kid = headerOf(sample).kid as string;
    const jwk = (await issuer.jwks()).keys.find((key) => key.kid === kid);
    if (jwk === undefined) throw new Error(`kid ${kid} is not in the JWKS`);
    const claims = JSON.parse(Buffer.from(sample.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    // Generated off the event loop: a synchronous RSA key generation would stall the services.
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    return new Attacker(kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), privateKey, sample, claims);
  }

  /** The next hostile request, cycling through every kind. */
  next(): Shot {
    const kind = FLOOD_MIX[this.counter++ % FLOOD_MIX.length] as HostileKind;
    return { kind, expect: 'refuse', authorization: `Bearer ${this.token(kind)}` };
  }

  /** A token of `kind` (for `oversized-header`, about 50 KB: over Node's 16 KB header limit). */
  token(kind: HostileKind): string {
    const [h, p, s] = this.sample.split('.') as [string, string, string];
    const header = { alg: 'RS256', typ: 'JWT', kid: this.realKid };
    switch (kind) {
      case 'random-kid':
        // A fresh kid every time: each one misses the key cache and asks for a JWKS refetch.
        return `${b64({ ...header, kid: randomBytes(12).toString('hex') })}.${p}.${s}`;
      case 'tampered-payload':
        return `${h}.${b64({ ...this.claims, sub: 'admin', scope: 'orders:read orders:write admin' })}.${s}`;
      case 'attacker-key':
        return this.signed(header, this.claims, (input) => sign('sha256', input, this.attackerKey));
      case 'bit-flipped-signature': {
        const signature = Buffer.from(s, 'base64url');
        signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 1;
        return `${h}.${p}.${signature.toString('base64url')}`;
      }
      case 'alg-none':
        return `${b64({ alg: NONE_CASINGS[this.counter % NONE_CASINGS.length], typ: 'JWT' })}.${p}.`;
      case 'hs256-key-confusion':
        // The classic attack: HMAC keyed with the issuer's public RSA key, kid of that key.
        return this.signed({ ...header, alg: 'HS256' }, this.claims, (input) =>
          createHmac('sha256', this.pem).update(input).digest(),
        );
      case 'alg-key-mismatch':
        return `${b64({ ...header, alg: 'ES256' })}.${p}.${randomBytes(64).toString('base64url')}`;
      case 'oversized-token':
        // ~10 KB: under Node's header limit, over the verifier's 8 KB token cap.
        return this.signed(header, { ...this.claims, pad: 'x'.repeat(10_000) }, (input) =>
          sign('sha256', input, this.attackerKey),
        );
      case 'oversized-header':
        return `${h}.${b64({ ...this.claims, pad: 'x'.repeat(50_000) })}.${s}`;
      case 'garbage':
        return randomBytes(48).toString('base64url');
    }
  }

  private signed(
    header: Record<string, unknown>,
    claims: Record<string, unknown>,
    signer: (input: Buffer) => Buffer,
  ): string {
    const input = `${b64(header)}.${b64(claims)}`;
    return `${input}.${signer(Buffer.from(input)).toString('base64url')}`;
  }
}
