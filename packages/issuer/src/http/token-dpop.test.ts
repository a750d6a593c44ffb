import { describe, expect, it } from 'vitest';
import { createTestClock } from '../clock.js';
import { createDpopKey } from '../dpop-key.js';
import { resolveOptions } from '../options.js';
import { prepareTenants } from '../tenant-runtime.js';
import { TokenEndpointDpop } from './token-dpop.js';

describe('TokenEndpointDpop replay store', () => {
  it('refuses with 503 when full instead of forgetting an id early, and takes proofs again once ids expire', async () => {
    const clock = createTestClock('2026-01-05T10:00:00Z');
    const { tenants } = await prepareTenants(await resolveOptions({ clock, algorithm: 'ES256' }));
    const tenant = tenants[0]!;
    tenant.setBaseUrl('http://127.0.0.1:4010');
    const client = tenant.config.clients[0]!;
    const url = tenant.info().tokenEndpoint;
    const key = createDpopKey({ clock });
    const dpop = new TokenEndpointDpop(clock, 2);
    const bind = (proof: string) => dpop.bind([proof], tenant, client, clock.now());

    const first = key.proof({ method: 'POST', url });
    expect(bind(first)).toEqual({ jkt: key.jkt, headers: {} });
    expect(bind(key.proof({ method: 'POST', url }))).toEqual({ jkt: key.jkt, headers: {} });
    const full = bind(key.proof({ method: 'POST', url }));
    expect(full).toMatchObject({ reply: { status: 503, headers: { 'retry-after': '1' } } });
    const body = JSON.parse((full as { reply: { body: string } }).reply.body) as {
      error: string;
      error_description: string;
    };
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toMatch(/holds 2 unexpired proof ids/);
    // Still remembered while full: a replay is a replay, not a 503.
    expect(bind(first)).toMatchObject({ reply: { status: 400 } });

    // An id lives for the proof's 300 s window plus 5 s of skew, on the issuer's clock.
    clock.advance(305_000);
    expect(bind(key.proof({ method: 'POST', url }))).toMatchObject({ reply: { status: 503 } });
    clock.advance(1_000);
    expect(bind(key.proof({ method: 'POST', url }))).toEqual({ jkt: key.jkt, headers: {} });
  });
});
