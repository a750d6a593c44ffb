import type { TenantRuntime } from '../tenant-runtime.js';
import { cacheableJson, type Reply } from './reply.js';

/** The JWKS (RFC 7517 §5) of one tenant: public signing keys only, newest first. */
export async function jwksEndpoint(
  tenant: TenantRuntime,
  opts: { cacheControl: string | undefined; etag: boolean; ifNoneMatch: string | undefined },
): Promise<Reply> {
  // The refresh is what makes rotation and grace expiry happen when the clock moves.
  await tenant.ring.refresh();
  return cacheableJson({ keys: tenant.ring.publicKeys() }, opts);
}
