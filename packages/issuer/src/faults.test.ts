// Fault timing runs on a test fault timer that each test moves itself, so nothing here waits in real time.
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestFaultTimer } from './fault-timer.js';
import type { Issuer } from './issuer.js';
import { basic, form, startIssuer, startSharedIssuer, withTimeout } from './test-support.js';

const timer = createTestFaultTimer();
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startSharedIssuer({ faultTimer: timer });
});
afterAll(() => issuer?.close());
afterEach(() => {
  issuer.faults.clear();
  issuer.resetStats();
});

const status = async (url: string) => (await fetch(url)).status;

describe('fault injection', () => {
  it('status500 for a number of requests, then normal again', async () => {
    const fault = issuer.faults.inject({ endpoint: 'jwks', kind: 'status500', count: 2 });
    const first = await fetch(issuer.jwksUri);
    expect(first.status).toBe(500);
    expect(await first.json()).toEqual({ error: 'server_error', error_description: 'injected fault' });
    expect(await status(issuer.jwksUri)).toBe(500);
    expect(await status(issuer.jwksUri)).toBe(200);
    expect(fault.hits).toBe(2);
    expect(fault.active).toBe(false);
    expect(issuer.faults.active()).toEqual([]);
    expect(issuer.stats()).toMatchObject({ byEndpoint: { jwks: 3 }, faulted: 2 });
  });

  it('status500 for a duration on the fault timer', async () => {
    const fault = issuer.faults.inject({ endpoint: 'discovery', kind: 'status500', forMs: 300 });
    expect(await status(issuer.discoveryUrl)).toBe(500);
    expect(await status(issuer.discoveryUrl)).toBe(500);
    expect(await status(issuer.jwksUri)).toBe(200); // other endpoints are unaffected
    timer.advance(299);
    expect([await status(issuer.discoveryUrl), fault.active]).toEqual([500, true]);
    timer.advance(1);
    expect([fault.active, await status(issuer.discoveryUrl), fault.hits]).toEqual([false, 200, 3]);
  });

  it('invalid-json answers 200 application/json with a body that does not parse', async () => {
    issuer.faults.inject({ endpoint: 'jwks', kind: 'invalid-json', count: 1 });
    const res = await fetch(issuer.jwksUri);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    await expect(res.json()).rejects.toThrow(SyntaxError);
    expect(((await (await fetch(issuer.jwksUri)).json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });

  it('drop closes the connection without a response', async () => {
    issuer.faults.inject({ endpoint: 'all', kind: 'drop', count: 1 });
    await expect(fetch(issuer.discoveryUrl)).rejects.toThrow(/fetch failed/);
    expect(await status(issuer.discoveryUrl)).toBe(200);
    expect(issuer.stats()).toMatchObject({ byEndpoint: { discovery: 2 }, faulted: 1 });
  });

  it('slow holds the response headers until its delay has passed', async () => {
    issuer.faults.inject({ endpoint: 'jwks', kind: 'slow', delayMs: 300, count: 1 });
    let answered = false;
    const slow = fetch(issuer.jwksUri).then((res) => {
      answered = true;
      return res.status;
    });
    await timer.whenPending(1);
    timer.advance(299);
    // Another request goes through meanwhile, giving the stalled one every chance to be answered early.
    expect(await status(issuer.discoveryUrl)).toBe(200);
    expect([answered, timer.pending]).toEqual([false, 1]);
    timer.advance(1);
    expect(await slow).toBe(200);
    // The fault was for one request: the next is answered without the timer moving.
    expect(await status(issuer.jwksUri)).toBe(200);
    expect(issuer.stats()).toMatchObject({ byEndpoint: { jwks: 2 }, faulted: 1 });
  });

  it('slow with phase "body" sends the headers at once and stalls the body', async () => {
    issuer.faults.inject({ endpoint: 'jwks', kind: 'slow', delayMs: 300, phase: 'body', count: 1 });
    const res = await fetch(issuer.jwksUri);
    expect([res.status, timer.pending]).toEqual([200, 1]);
    const body = res.json() as Promise<{ keys: unknown[] }>;
    timer.advance(300);
    expect((await body).keys).toHaveLength(1);
  });

  it('combines a slow fault with a failing one, and counts each', async () => {
    const slow = issuer.faults.inject({ endpoint: 'all', kind: 'slow', delayMs: 100, count: 1 });
    const failing = issuer.faults.inject({ endpoint: 'jwks', kind: 'status500', count: 1 });
    const answer = status(issuer.jwksUri);
    await timer.whenPending(1);
    expect([slow.hits, failing.hits]).toEqual([1, 1]);
    timer.advance(100);
    expect(await answer).toBe(500);
  });

  it('applies to the token endpoint and to one tenant only when asked', async () => {
    const multi = await startIssuer({ tenants: [{ name: 'a', clients: [{ id: 'c', secret: 's' }] }, { name: 'b' }] });
    multi.faults.inject({ endpoint: 'token', kind: 'status500', tenant: 'a' });
    const res = await fetch(multi.tenant('a').tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('c', 's') },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(500);
    multi.faults.inject({ endpoint: 'jwks', kind: 'drop', tenant: 'b' });
    expect(await status(multi.tenant('a').jwksUri)).toBe(200);
    await expect(fetch(multi.tenant('b').jwksUri)).rejects.toThrow();
    expect(() => multi.faults.inject({ endpoint: 'jwks', kind: 'drop', tenant: 'nobody' })).toThrow(
      /unknown tenant "nobody"/,
    );
  });

  it('is removed by its handle or by clear()', async () => {
    const one = issuer.faults.inject({ endpoint: 'jwks', kind: 'status500' });
    issuer.faults.inject({ endpoint: 'discovery', kind: 'status500' });
    expect(issuer.faults.active().map((f) => f.spec.endpoint)).toEqual(['jwks', 'discovery']);
    one.clear();
    expect(await status(issuer.jwksUri)).toBe(200);
    expect(await status(issuer.discoveryUrl)).toBe(500);
    issuer.faults.clear();
    expect(await status(issuer.discoveryUrl)).toBe(200);
  });

  it('validates fault specs', () => {
    expect(() => issuer.faults.inject({ endpoint: 'jwks', kind: 'boom' as 'drop' })).toThrow(
      /fault kind must be one of slow, status500, invalid-json, drop/,
    );
    expect(() => issuer.faults.inject({ endpoint: 'userinfo' as 'jwks', kind: 'drop' })).toThrow(
      /fault endpoint must be one of/,
    );
    expect(() => issuer.faults.inject({ endpoint: 'jwks', kind: 'drop', count: 0 })).toThrow(
      /count must be a positive whole number/,
    );
    expect(() => issuer.faults.inject({ endpoint: 'jwks', kind: 'drop', delayMs: 5 })).toThrow(
      /apply only to kind "slow"/,
    );
    expect(() => issuer.faults.inject({ endpoint: 'jwks', kind: 'slow', forMs: -1 })).toThrow(
      /forMs must be a non-negative/,
    );
  });

  it('does not hold up close() while a request is stalled, and cancels the stall', async () => {
    const localTimer = createTestFaultTimer();
    const local = await startIssuer({ faultTimer: localTimer });
    local.faults.inject({ endpoint: 'jwks', kind: 'slow', delayMs: 30_000 });
    const pending = fetch(local.jwksUri).then(
      (res) => res.status,
      (err: unknown) => err,
    );
    await localTimer.whenPending(1);
    // The manual timer never reaches 30 s: close() can only finish by cancelling the stall.
    await withTimeout(local.close(), 5000, 'close() with a stalled request');
    expect(localTimer.pending).toBe(0);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('request counters', () => {
  it('count every request per endpoint and tenant, including 404s', async () => {
    await fetch(issuer.discoveryUrl);
    await fetch(issuer.jwksUri);
    await fetch(issuer.jwksUri, { method: 'HEAD' });
    await fetch(`${issuer.baseUrl}/missing`);
    await fetch(issuer.tokenEndpoint, { method: 'POST' });
    expect(issuer.stats()).toEqual({
      total: 5,
      byEndpoint: { discovery: 1, jwks: 2, token: 1, other: 1 },
      byTenant: { default: { discovery: 1, jwks: 2, token: 1, other: 0 } },
      notModified: 0,
      faulted: 0,
    });
    issuer.resetStats();
    expect(issuer.stats().total).toBe(0);
  });

  it('are snapshots, not live views', async () => {
    const snapshot = issuer.stats();
    await fetch(issuer.jwksUri);
    expect(snapshot.byEndpoint.jwks).toBe(0);
    expect(issuer.stats().byEndpoint.jwks).toBe(1);
  });

  it('count a request whose client gives up during a slow fault, whose stall then ends', async () => {
    issuer.faults.inject({ endpoint: 'jwks', kind: 'slow', delayMs: 5_000, count: 1 });
    const req = request(issuer.jwksUri);
    const failed = new Promise<void>((resolve) => req.on('error', () => resolve()));
    req.end();
    await timer.whenPending(1);
    req.destroy();
    await failed;
    await timer.whenPending(0); // the issuer stops waiting for a client that is gone
    expect(issuer.stats()).toMatchObject({ byEndpoint: { jwks: 1 }, faulted: 1 });
    expect(await status(issuer.jwksUri)).toBe(200);
  });
});

describe('createTestFaultTimer', () => {
  it('runs due callbacks in time order on advance, never cancelled ones, and reports what is pending', async () => {
    const manual = createTestFaultTimer();
    const ran: string[] = [];
    manual.schedule(() => ran.push('b at 20'), 20);
    const cancel = manual.schedule(() => ran.push('cancelled'), 5);
    manual.schedule(() => ran.push('a at 10'), 10);
    await manual.whenPending(3);
    cancel();
    cancel(); // twice is harmless
    const none = manual.whenPending(0);
    manual.advance(9);
    expect([manual.now(), ran, manual.pending]).toEqual([9, [], 2]);
    manual.advance(11);
    expect([manual.now(), ran, manual.pending]).toEqual([20, ['a at 10', 'b at 20'], 0]);
    await none;
    expect(() => manual.advance(-1)).toThrow(/non-negative finite number/);
  });
});
