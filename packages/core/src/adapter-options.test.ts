import { describe, expect, it } from 'vitest';
import { resolveAdapterOptions } from './adapter-options.js';
import { ConfigError } from './errors.js';

const resolve = (options: unknown) => resolveAdapterOptions<() => void>(options, 'verify()', '(err, req, res, next)');

function problemOf(options: unknown): ConfigError {
  try {
    resolve(options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveAdapterOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolve({})).toEqual({ credentialsOptional: false, locations: {}, realm: 'api', passErrors: false, onError: undefined });
  });

  it('keeps what is given, frozen so a later change to the caller object cannot alter a running middleware', () => {
    const onError = () => undefined;
    const given = { credentialsOptional: true, locations: { cookie: 'at', query: 'access_token' }, realm: 'orders', onError };
    const resolved = resolve(given);
    given.locations.cookie = 'other';
    expect(resolved).toEqual({ credentialsOptional: true, locations: { cookie: 'at', query: 'access_token' }, realm: 'orders', passErrors: false, onError });
    expect(Object.isFrozen(resolved) && Object.isFrozen(resolved.locations)).toBe(true);
  });

  it('lists every problem in one error, naming the options', () => {
    const error = problemOf({ credentialsOptional: 1, realm: 42, locations: { cookie: 5, query: '' }, passErrors: 'yes', onError: 'log' });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.options).toEqual(['credentialsOptional', 'realm', 'locations.cookie', 'locations.query', 'passErrors', 'onError']);
    expect(error.message).toMatch(/^Invalid verify\(\) options:\n/);
    expect(error.message).toContain('onError: must be a function (err, req, res, next).');
  });

  it('refuses onError together with passErrors, naming both', () => {
    const error = problemOf({ passErrors: true, onError: () => undefined });
    expect(error.options).toEqual(['onError', 'passErrors']);
    expect(error.message).toContain('onError, passErrors: and passErrors are both set');
  });

  it.each([null, 'realm', 3, undefined])('refuses options that are not an object (%s)', (options) => {
    expect(problemOf(options).options).toEqual(['options']);
  });

  it('refuses locations that are not an object', () => {
    expect(problemOf({ locations: 'cookie' }).options).toEqual(['locations']);
  });
});
