// @ts-check
// Tokens an attacker can make without the issuer: node:crypto and some JSON are all it takes.
import { createHmac, generateKeyPair, sign } from 'node:crypto';
import { promisify } from 'node:util';

const encode = (/** @type {object} */ part) => Buffer.from(JSON.stringify(part)).toString('base64url');

/**
 * Claims that would pass every check except the signature: the right `iss` and `aud` (both are
 * public), a fresh `iat`/`exp`, and the scopes the attacker wants.
 * @param {{ issuer: string, audience: string, nowSec: number }} target
 */
export function attackerClaims({ issuer, audience, nowSec }) {
  return {
    iss: issuer,
    aud: audience,
    sub: 'mallory',
    scope: 'orders:read orders:write',
    iat: nowSec,
    exp: nowSec + 900,
  };
}

/** An HS256 token signed with a shared secret: whoever holds the secret can make one. */
export function hs256Token(/** @type {object} */ claims, /** @type {string} */ secret) {
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The attacker's own RSA key pair (generated off the main thread: traffic keeps flowing). */
export async function attackerKey() {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return privateKey;
}

/**
 * An RS256 token signed with the attacker's own RSA key, under any `kid` it likes.
 * @param {object} claims
 * @param {string} kid
 * @param {import('node:crypto').KeyObject} privateKey
 */
export function attackerRs256Token(claims, kid, privateKey) {
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

/** An `alg: none` token: with an empty signature as RFC 7519 defines it, or with `signature` appended. */
export function unsignedToken(/** @type {object} */ claims, signature = '') {
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.${signature}`;
}
