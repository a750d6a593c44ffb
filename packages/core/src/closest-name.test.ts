import { describe, expect, it } from 'vitest';
import { closestNames, editDistance } from './closest-name.js';

describe('editDistance', () => {
  it.each([
    ['audience', 'audience', 0],
    ['audiences', 'audience', 1],
    ['Audience', 'audience', 0],
    ['algortihms', 'algorithms', 1],
    ['realm', 'relam', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closestNames', () => {
  const verifier = [
    'issuer',
    'jwksUri',
    'audience',
    'algorithms',
    'hs256',
    'clockToleranceSec',
    'maxTokenAgeSec',
    'typ',
    'tokenCache',
    'logger',
  ];
  const jwks = ['connectTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs', 'maxResponseBytes', 'cooldownMs'];
  const variables = [
    'TOLLGATE_ISSUER',
    'TOLLGATE_JWKS_URI',
    'TOLLGATE_ALGORITHMS',
    'TOLLGATE_TYP',
    'TOLLGATE_TOKEN_CACHE',
  ];

  it.each([
    ['audiences', verifier, ['audience']],
    ['algorithm', verifier, ['algorithms']],
    ['issuerUrl', verifier, ['issuer']],
    ['clockTolerance', verifier, ['clockToleranceSec']],
    ['timeoutMs', jwks, ['connectTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs']],
    ['cooldown', jwks, ['cooldownMs']],
    ['TOLLGATE_ALGORITHM', variables, ['TOLLGATE_ALGORITHMS']],
    ['TOLLGATE_TOKENCACHE', variables, ['TOLLGATE_TOKEN_CACHE']],
  ])('suggests for %s', (name, known, expected) => {
    expect(closestNames(name, known)).toEqual(expected);
  });

  it.each([
    ['frob', verifier],
    ['TOLLGATE_FOO', variables],
    ['TOLLGATE_COLOUR', variables],
    ['x', jwks],
  ])('suggests nothing for %s', (name, known) => {
    expect(closestNames(name, known)).toEqual([]);
  });
});
