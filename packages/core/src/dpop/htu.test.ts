import { describe, expect, it } from 'vitest';
import { ConfigError, DpopError } from '../errors.js';
import { normalizeHtu, requestHtu, resolveHtuOrigin, type HtuRequestParts } from './htu.js';

describe('normalizeHtu', () => {
  it.each([
    ['scheme and host case', 'HTTPS://API.Example.COM/orders', 'https://api.example.com/orders'],
    ['the https default port', 'https://api.example.com:443/orders', 'https://api.example.com/orders'],
    ['the http default port', 'http://api.example.com:80/orders', 'http://api.example.com/orders'],
    ['an empty port', 'https://api.example.com:/orders', 'https://api.example.com/orders'],
    ['a port with leading zeros', 'https://api.example.com:00443/orders', 'https://api.example.com/orders'],
    ['a non-default port (kept)', 'https://api.example.com:8443/orders', 'https://api.example.com:8443/orders'],
    ['the http port on https (kept)', 'https://api.example.com:80/orders', 'https://api.example.com:80/orders'],
    ['an empty path', 'https://api.example.com', 'https://api.example.com/'],
    ['an empty path with a query', 'https://api.example.com?x=1', 'https://api.example.com/'],
    ['query and fragment', 'https://api.example.com/orders?x=1&y=2#frag', 'https://api.example.com/orders'],
    ['percent-encoding hex case', 'https://api.example.com/a%2fb%c3%a9', 'https://api.example.com/a%2Fb%C3%A9'],
    [
      'percent-encoded unreserved characters',
      'https://api.example.com/%7Euser/%41%2D%5F%2E',
      'https://api.example.com/~user/A-_.',
    ],
    ['dot segments', 'https://api.example.com/a/./b/../c', 'https://api.example.com/a/c'],
    ['a trailing dot segment', 'https://api.example.com/a/b/..', 'https://api.example.com/a/'],
    ['dot segments above the root', 'https://api.example.com/../../a', 'https://api.example.com/a'],
    ['encoded dot segments', 'https://api.example.com/a/%2E%2E/b', 'https://api.example.com/b'],
    ['dots inside a segment (kept)', 'https://api.example.com/a..b/.c', 'https://api.example.com/a..b/.c'],
    ['empty segments (kept)', 'https://api.example.com//a//b', 'https://api.example.com//a//b'],
    [
      'sub-delims and : @ in the path (kept)',
      "https://api.example.com/a:b@c!$&'()*+,;=",
      "https://api.example.com/a:b@c!$&'()*+,;=",
    ],
    [
      'characters a path may not carry raw',
      'https://api.example.com/a|b^c[d]{e}`"<>\\',
      'https://api.example.com/a%7Cb%5Ec%5Bd%5D%7Be%7D%60%22%3C%3E%5C',
    ],
    ['an IPv6 host', 'http://[0:0:0:0:0:0:0:1]:8080/x', 'http://[::1]:8080/x'],
    ['an upper-case IPv6 host', 'https://[2001:DB8::1]/x', 'https://[2001:db8::1]/x'],
  ])('normalizes %s', (_name, input, output) => {
    expect(normalizeHtu(input)).toBe(output);
    expect(normalizeHtu(output)).toBe(output);
  });

  it.each([
    ['a relative reference', '/orders'],
    ['a scheme-relative reference', '//api.example.com/orders'],
    ['another scheme', 'ftp://api.example.com/orders'],
    ['a URN', 'urn:example:orders'],
    ['http: without authority', 'https:/api.example.com/orders'],
    ['userinfo', 'https://user:pass@api.example.com/orders'],
    ['an empty userinfo', 'https://@api.example.com/orders'],
    ['an empty host', 'https:///orders'],
    ['a port that is not a number', 'https://api.example.com:https/orders'],
    ['a port over 65535', 'https://api.example.com:65536/orders'],
    ['two ports', 'https://api.example.com:1:2/orders'],
    ['a percent-encoded host', 'https://api%2Eexample.com/orders'],
    ['an IPv6 zone', 'https://[fe80::1%25eth0]/orders'],
    ['an unclosed IPv6 literal', 'https://[::1/orders'],
    ['an invalid IPv6 literal', 'https://[::g]/orders'],
    ['a bad percent-encoding', 'https://api.example.com/a%2'],
    ['a non-hex percent-encoding', 'https://api.example.com/a%zz'],
    ['CR/LF', 'https://api.example.com/orders\r\nSet-Cookie: a=b'],
    ['a tab', 'https://api.example.com/or\tders'],
    ['a space', 'https://api.example.com/my orders'],
    ['a NUL', 'https://api.example.com/orders\u0000'],
    ['non-ASCII in the path', 'https://api.example.com/caf\u00e9'],
    ['a non-ASCII host', 'https://b\u00fccher.example/orders'],
    ['leading whitespace', ' https://api.example.com/orders'],
    ['a backslash instead of the slashes', 'https:\\\\api.example.com/orders'],
  ])('refuses %s with ERR_DPOP_PROOF_INVALID', (_name, input) => {
    expect(() => normalizeHtu(input)).toThrow(
      expect.objectContaining({ code: 'ERR_DPOP_PROOF_INVALID', reason: 'htu' }),
    );
  });

  it('never echoes the refused value', () => {
    try {
      normalizeHtu('https://u@evil.example/\r\nX-Injected: 1');
    } catch (error) {
      expect((error as DpopError).message).not.toMatch(/evil|Injected|\r|\n/);
    }
    expect.assertions(1);
  });
});

describe('resolveHtuOrigin', () => {
  it('accepts an origin, with or without a trailing slash, and normalizes it', () => {
    expect(resolveHtuOrigin('HTTPS://API.example.com:443/')).toEqual({
      kind: 'fixed',
      origin: 'https://api.example.com',
    });
    expect(resolveHtuOrigin('http://127.0.0.1:3000')).toEqual({ kind: 'fixed', origin: 'http://127.0.0.1:3000' });
    expect(resolveHtuOrigin({ fromRequest: 'host' })).toEqual({ kind: 'request', forwarded: false });
    expect(resolveHtuOrigin({ fromRequest: 'forwarded' })).toEqual({ kind: 'request', forwarded: true });
  });

  it.each([
    ['a path', 'https://api.example.com/v1'],
    ['a query', 'https://api.example.com/?x=1'],
    ['a fragment', 'https://api.example.com#x'],
    ['userinfo', 'https://me@api.example.com'],
    ['another scheme', 'wss://api.example.com'],
    ['a bare host', 'api.example.com'],
    ['an unknown object', { fromRequest: 'always' }],
    ['a number', 443],
  ])('refuses %s at start-up with a ConfigError naming the option', (_name, value) => {
    expect(() => resolveHtuOrigin(value as never, 'dpop.origin')).toThrow(ConfigError);
    expect(() => resolveHtuOrigin(value as never, 'dpop.origin')).toThrow(
      expect.objectContaining({ options: ['dpop.origin'] }),
    );
  });
});

describe('requestHtu', () => {
  const fixed = resolveHtuOrigin('https://api.example.com');
  const host = resolveHtuOrigin({ fromRequest: 'host' });
  const forwarded = resolveHtuOrigin({ fromRequest: 'forwarded' });
  const parts = (overrides: Partial<HtuRequestParts> = {}): HtuRequestParts => ({
    target: '/orders/7?expand=items',
    host: 'internal:8080',
    ...overrides,
  });

  it('takes a configured origin and ignores every header', () => {
    const spoofed = parts({
      host: 'evil.example',
      forwardedHost: 'evil.example',
      forwardedProto: 'http',
      encrypted: false,
    });
    expect(requestHtu(fixed, spoofed)).toBe('https://api.example.com/orders/7');
  });

  it('normalizes the path like a proof htu, so both sides meet', () => {
    expect(requestHtu(fixed, parts({ target: '/a/./b/../%7euser/x%2fy|z' }))).toBe(
      'https://api.example.com/a/~user/x%2Fy%7Cz',
    );
    expect(requestHtu(fixed, parts({ target: '/' }))).toBe('https://api.example.com/');
    expect(requestHtu(fixed, parts({ target: '//double/slash' }))).toBe('https://api.example.com//double/slash');
  });

  it('uses only the path of an absolute-form target', () => {
    expect(requestHtu(fixed, parts({ target: 'http://elsewhere.example:81/orders/7?x' }))).toBe(
      'https://api.example.com/orders/7',
    );
  });

  it('ignores whatever the query holds', () => {
    expect(requestHtu(fixed, parts({ target: '/orders?q=\r\n\u00e9 x' }))).toBe('https://api.example.com/orders');
  });

  it("builds from Host and the socket's TLS when told to", () => {
    expect(requestHtu(host, parts())).toBe('http://internal:8080/orders/7');
    expect(requestHtu(host, parts({ host: 'API.example.com:443', encrypted: true }))).toBe(
      'https://api.example.com/orders/7',
    );
    expect(requestHtu(host, parts({ host: '[::1]:3000' }))).toBe('http://[::1]:3000/orders/7');
    // Without 'forwarded', X-Forwarded-* are never read.
    expect(requestHtu(host, parts({ forwardedHost: 'evil.example', forwardedProto: 'https' }))).toBe(
      'http://internal:8080/orders/7',
    );
  });

  it('builds from X-Forwarded-Proto/-Host when trusted, else from Host', () => {
    expect(requestHtu(forwarded, parts({ forwardedProto: 'HTTPS', forwardedHost: 'api.example.com' }))).toBe(
      'https://api.example.com/orders/7',
    );
    expect(requestHtu(forwarded, parts({ forwardedProto: 'https' }))).toBe('https://internal:8080/orders/7');
    expect(requestHtu(forwarded, parts({ forwardedHost: ['api.example.com:8443'], encrypted: true }))).toBe(
      'https://api.example.com:8443/orders/7',
    );
  });

  it.each<[string, HtuRequestParts, 'fixed' | 'host' | 'forwarded']>([
    ['a target with CR/LF in the path', { target: '/orders\r\nSet-Cookie: a=b' }, 'fixed'],
    ['a target with a space', { target: '/my orders' }, 'fixed'],
    ['a target with non-ASCII', { target: '/caf\u00e9' }, 'fixed'],
    ['an asterisk-form target', { target: '*' }, 'fixed'],
    ['an authority-form target', { target: 'api.example.com:443' }, 'fixed'],
    ['a bad percent-encoding', { target: '/a%G1' }, 'fixed'],
    ['no Host', { target: '/x' }, 'host'],
    ['two Host headers', { target: '/x', host: ['a.example', 'b.example'] }, 'host'],
    ['a Host with CR/LF', { target: '/x', host: 'a.example\r\nX: y' }, 'host'],
    ['a Host with userinfo', { target: '/x', host: 'user@a.example' }, 'host'],
    ['a Host with a path', { target: '/x', host: 'a.example/evil' }, 'host'],
    ['a Host with a bad port', { target: '/x', host: 'a.example:99999' }, 'host'],
    [
      'a list in X-Forwarded-Host',
      { target: '/x', host: 'a.example', forwardedHost: 'evil.example, a.example' },
      'forwarded',
    ],
    ['a list in X-Forwarded-Proto', { target: '/x', host: 'a.example', forwardedProto: 'http,https' }, 'forwarded'],
    [
      'two X-Forwarded-Proto headers',
      { target: '/x', host: 'a.example', forwardedProto: ['https', 'http'] },
      'forwarded',
    ],
    ['another X-Forwarded-Proto', { target: '/x', host: 'a.example', forwardedProto: 'wss' }, 'forwarded'],
  ])('refuses %s with 400 ERR_DPOP_REQUEST_INVALID', (_name, request, kind) => {
    const origin = kind === 'fixed' ? fixed : kind === 'host' ? host : forwarded;
    let caught: unknown;
    try {
      requestHtu(origin, request);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DpopError);
    expect([(caught as DpopError).code, (caught as DpopError).status, (caught as DpopError).reason]).toEqual([
      'ERR_DPOP_REQUEST_INVALID',
      400,
      'request',
    ]);
    expect((caught as DpopError).message).not.toMatch(/evil|Set-Cookie|\r|\n/);
  });

  it('gives a value normalizeHtu leaves unchanged', () => {
    for (const target of ['/a/../b/%7e', '/x|y', '/', '/A%2fB']) {
      const htu = requestHtu(fixed, { target });
      expect(normalizeHtu(htu)).toBe(htu);
    }
  });
});
