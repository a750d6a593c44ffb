import { createHash, timingSafeEqual } from 'node:crypto';
import type { ResolvedClient } from '../tenants.js';

/** Client credentials as presented, before they are checked. */
export type PresentedCredentials =
  | { method: 'client_secret_basic'; id: string; secret: string }
  | { method: 'client_secret_post'; id: string; secret: string }
  | { method: 'none'; id: string | undefined }
  | { method: 'invalid'; basic: boolean; reason: string };

/**
 * Extracts client credentials from the Authorization header or the form (RFC 6749 §2.3.1).
 * A request may use one method only.
 */
export function presentedCredentials(authorization: string | undefined, form: URLSearchParams): PresentedCredentials {
  const formId = form.get('client_id') ?? undefined;
  const formSecret = form.get('client_secret') ?? undefined;
  if (authorization !== undefined) {
    const basic = parseBasic(authorization);
    if ('reason' in basic) return { method: 'invalid', basic: true, reason: basic.reason };
    if (formSecret !== undefined)
      return {
        method: 'invalid',
        basic: false,
        reason: 'use one client authentication method, not Basic and client_secret together',
      };
    if (formId !== undefined && formId !== basic.id)
      return { method: 'invalid', basic: false, reason: 'client_id in the body differs from the Basic credentials' };
    return { method: 'client_secret_basic', ...basic };
  }
  if (formId !== undefined && formSecret !== undefined)
    return { method: 'client_secret_post', id: formId, secret: formSecret };
  return { method: 'none', id: formId };
}

function parseBasic(header: string): { id: string; secret: string } | { reason: string } {
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match?.[1]) return { reason: 'Authorization must be "Basic <base64(client_id:client_secret)>"' };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { reason: 'Basic credentials must be client_id:client_secret' };
  // RFC 6749 §2.3.1: both parts are form-urlencoded before base64 encoding.
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (id === undefined || secret === undefined) return { reason: 'Basic credentials are not properly form-urlencoded' };
  return { id, secret };
}

function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Finds the client and checks its secret in constant time; unknown ids cost the same as wrong secrets. */
export function authenticate(
  clients: readonly ResolvedClient[],
  id: string,
  secret: string,
): ResolvedClient | undefined {
  const client = clients.find((c) => c.id === id);
  const ok = timingSafeEqual(digest(secret), digest(client?.secret ?? '\u0000unknown client'));
  return client && ok ? client : undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
