import { describe, expect, it } from 'vitest';
import { resolveAdapterOptions, type AdapterDescription } from './adapter-options.js';
import { ConfigError } from './errors.js';

const EXPRESS: AdapterDescription = {
  where: 'verify()',
  onErrorSignature: '(err, req, res, next)',
  verifierOptionsGo: 'in the first argument: verify({ issuer, audience, algorithms }, options)',
};
const NEST: AdapterDescription = {
  where: 'TollgateModule',
  onErrorSignature: null,
  verifierOptionsGo: 'under verifier',
  ownOptions: ['verifier'],
  elsewhere: [{ names: new Set(['passErrors', 'onError']), advice: () => 'not supported here.' }],
};
/** `resourceMetadata` when not configured: on, with nothing added, whenever the verifier has a resource. */
const RESOURCE_METADATA_DEFAULT = {
  given: false,
  scopesSupported: undefined,
  resourceName: undefined,
  resourceDocumentation: undefined,
  extra: undefined,
  maxAgeSec: 3600,
};
const resolve = (options: unknown, adapter = EXPRESS) => resolveAdapterOptions<() => void>(options, adapter);

function problemOf(options: unknown, adapter = EXPRESS): ConfigError {
  try {
    resolve(options, adapter);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveAdapterOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolve({})).toEqual({
      credentialsOptional: false,
      locations: {},
      realm: 'api',
      passErrors: false,
      onError: undefined,
      warmOnStart: false,
      dpop: null,
      mtls: { certificateHeader: undefined, configured: false },
      resourceMetadata: RESOURCE_METADATA_DEFAULT,
    });
  });

  it('keeps what is given, frozen so a later change to the caller object cannot alter a running middleware', () => {
    const onError = () => undefined;
    const given = {
      credentialsOptional: true,
      locations: { cookie: 'at', query: 'access_token' },
      realm: 'orders',
      onError,
      warmOnStart: true,
    };
    const resolved = resolve(given);
    given.locations.cookie = 'other';
    expect(resolved).toEqual({
      credentialsOptional: true,
      locations: { cookie: 'at', query: 'access_token' },
      realm: 'orders',
      passErrors: false,
      onError,
      warmOnStart: true,
      dpop: null,
      mtls: { certificateHeader: undefined, configured: false },
      resourceMetadata: RESOURCE_METADATA_DEFAULT,
    });
    expect(Object.isFrozen(resolved) && Object.isFrozen(resolved.locations)).toBe(true);
  });

  it('lists every problem in one error, one sentence each, naming the options', () => {
    const error = problemOf({
      credentialsOptional: 1,
      realm: 42,
      locations: { cookie: 5, query: '' },
      passErrors: 'yes',
      onError: 'log',
      warmOnStart: 'soon',
    });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.options).toEqual([
      'credentialsOptional',
      'realm',
      'locations.cookie',
      'locations.query',
      'passErrors',
      'onError',
      'warmOnStart',
    ]);
    expect(error.message).toBe(
      [
        'Invalid verify() options:',
        '  - credentialsOptional must be true or false, got 1.',
        '  - realm must be a string, got 42.',
        '  - locations.cookie must be a non-empty cookie name.',
        '  - locations.query must be a non-empty query name.',
        '  - passErrors must be true or false, got "yes".',
        '  - onError must be a function (err, req, res, next).',
        '  - warmOnStart must be true or false, got "soon".',
      ].join('\n'),
    );
  });

  it('refuses onError together with passErrors in one sentence naming both once', () => {
    const error = problemOf({ passErrors: true, onError: () => undefined });
    expect(error.options).toEqual(['onError', 'passErrors']);
    expect(error.message).toBe(
      'Invalid verify() options:\n  - onError and passErrors cannot be combined: onError already decides what happens to errors, so remove passErrors.',
    );
  });

  it('refuses unknown options, suggesting the closest known name', () => {
    const error = problemOf({
      credentialOptional: true,
      locations: { header: 'x-token', cookies: 'at' },
      warmOnstart: true,
    });
    expect(error.options).toEqual(['credentialOptional', 'warmOnstart', 'locations.header', 'locations.cookies']);
    expect(error.message).toBe(
      [
        'Invalid verify() options:',
        '  - credentialOptional is not a known option; did you mean credentialsOptional?',
        '  - warmOnstart is not a known option; did you mean warmOnStart?',
        '  - locations.header is not a known option; the options here are locations.cookie and locations.query.',
        '  - locations.cookies is not a known option; did you mean locations.cookie?',
      ].join('\n'),
    );
  });

  it('says where verifier options passed as adapter options belong', () => {
    const error = problemOf({ issuer: 'https://auth.example.com', audience: 'orders', realm: 'orders' });
    expect(error.options).toEqual(['issuer', 'audience']);
    expect(error.message).toBe(
      'Invalid verify() options:\n  - issuer and audience are verifier options: pass them in the first argument: verify({ issuer, audience, algorithms }, options).',
    );
  });

  it('treats passErrors and onError as unknown for an adapter without them, and resolves the rest', () => {
    expect(problemOf({ passErrors: true }, NEST).message).toBe(
      'Invalid TollgateModule options:\n  - passErrors is not supported here.',
    );
    expect(resolve({ verifier: {}, realm: 'r' }, NEST)).toEqual({
      credentialsOptional: false,
      locations: {},
      realm: 'r',
      passErrors: false,
      onError: undefined,
      warmOnStart: false,
      dpop: null,
      mtls: { certificateHeader: undefined, configured: false },
      resourceMetadata: RESOURCE_METADATA_DEFAULT,
    });
    expect(problemOf({ verifier: {} }).options).toEqual(['verifier']);
  });

  it.each([null, 'realm', 3, undefined, []])('refuses options that are not an object (%s)', (options) => {
    expect(problemOf(options).options).toEqual(['options']);
  });

  it('refuses locations that are not an object', () => {
    expect(problemOf({ locations: 'cookie' }).message).toBe(
      `Invalid verify() options:\n  - locations must be an object such as { cookie: 'access_token' }, got "cookie".`,
    );
  });
});
