import { describe, expect, it } from 'vitest';
import { fetchRequestFacts, nodeRequestFacts } from './request-facts.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

describe('fetchRequestFacts', () => {
  it('reads the method, the request target of the absolute URL, and whether the URL is https', () => {
    const facts = fetchRequestFacts(new Request('https://api.example.com:8443/orders/7?page=2', { method: 'DELETE' }));
    expect({ method: facts.method, url: facts.url, encrypted: facts.encrypted }).toEqual({
      method: 'DELETE',
      url: '/orders/7?page=2',
      encrypted: true,
    });
    expect(fetchRequestFacts(new Request('http://127.0.0.1:3000')).url).toBe('/');
    expect(fetchRequestFacts(new Request('http://127.0.0.1:3000/')).encrypted).toBe(false);
  });

  it('reads headers case-insensitively, undefined when absent, Host from the URL when the header is missing', () => {
    const facts = fetchRequestFacts(
      new Request('http://api.example.com:8080/x', { headers: { 'X-Forwarded-Proto': 'https' } }),
    );
    expect([facts.header('x-forwarded-proto'), facts.header('dpop'), facts.header('host')]).toEqual([
      'https',
      undefined,
      'api.example.com:8080',
    ]);
    const proxied = fetchRequestFacts(new Request('http://10.0.0.7/x', { headers: { host: 'api.example.com' } }));
    expect(proxied.header('host')).toBe('api.example.com');
  });

  it('unfolds repeated Authorization headers, which Headers joins with ", "', () => {
    const headers = new Headers();
    headers.append('authorization', `Bearer ${TOKEN}`);
    headers.append('authorization', `Bearer ${TOKEN}`);
    expect(headers.get('authorization')).toBe(`Bearer ${TOKEN}, Bearer ${TOKEN}`);
    expect(fetchRequestFacts(new Request('http://a/', { headers })).header('authorization')).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
    ]);

    const mixed = new Headers([
      ['authorization', 'Basic b3JkZXJzOnNlY3JldA=='],
      ['authorization', `DPoP ${TOKEN}`],
    ]);
    expect(fetchRequestFacts(new Request('http://a/', { headers: mixed })).header('authorization')).toEqual([
      'Basic b3JkZXJzOnNlY3JldA==',
      `DPoP ${TOKEN}`,
    ]);
  });

  it('keeps one credential whole when its comma is not followed by another credential', () => {
    const one = (value: string) =>
      fetchRequestFacts(new Request('http://a/', { headers: { authorization: value } })).header('authorization');
    // A malformed token stays one value, so the core calls it malformed rather than repeated.
    expect(one('Bearer to,ken')).toBe('Bearer to,ken');
    expect(one('Bearer to, ken')).toBe('Bearer to, ken');
    // Auth-params of another scheme (RFC 9110 11.2), with and without optional whitespace around "=".
    expect(one('Digest username="a", realm="b", nonce = "c"')).toBe('Digest username="a", realm="b", nonce = "c"');
  });

  it('reads no client certificate without a TLS socket', () => {
    expect(fetchRequestFacts(new Request('https://a/')).clientCertificate?.()).toBeUndefined();
  });
});

describe('nodeRequestFacts', () => {
  it('sees every repeat of a header in rawHeaders, and falls back to headers without them', () => {
    const facts = nodeRequestFacts({
      method: 'POST',
      url: '/a?b',
      rawHeaders: ['Authorization', 'Bearer x', 'DPoP', 'p', 'authorization', 'Bearer y'],
    });
    expect([
      facts.method,
      facts.url,
      facts.header('authorization'),
      facts.header('dpop'),
      facts.header('host'),
    ]).toEqual(['POST', '/a?b', ['Bearer x', 'Bearer y'], 'p', undefined]);
    expect(nodeRequestFacts({ headers: { authorization: 'Bearer z' } }, '/orig').header('authorization')).toBe(
      'Bearer z',
    );
    expect(nodeRequestFacts({ headers: {} }, '/orig').url).toBe('/orig');
  });

  it('reads the client certificate of the TLS socket a Fetch request came on, when the runtime gives it', () => {
    const der = Buffer.from('30820100', 'hex');
    const socket = (raw: unknown) => ({ encrypted: true, getPeerCertificate: () => raw });
    expect(fetchRequestFacts(new Request('https://a/'), socket({ raw: der })).clientCertificate?.()).toEqual(der);
    // Without a certificate Node answers an empty object; a plain socket is not TLS.
    expect(fetchRequestFacts(new Request('https://a/'), socket({})).clientCertificate?.()).toBeUndefined();
    expect(
      nodeRequestFacts({
        socket: { encrypted: false, getPeerCertificate: () => ({ raw: der }) },
      }).clientCertificate?.(),
    ).toBeUndefined();
  });
});
