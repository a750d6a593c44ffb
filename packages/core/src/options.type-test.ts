/**
 * Compile-time checks, run by `pnpm typecheck`: insecure omissions must not
 * compile. Every `@ts-expect-error` line fails the type-check if it ever
 * starts compiling.
 */
import { createVerifier, type IssuerOptions } from './index.js';

export function typeChecks(): void {
  // @ts-expect-error audience is required; write null to skip the check on purpose
  createVerifier({ issuer: 'https://a.example', algorithms: ['RS256'] });
  // @ts-expect-error algorithms is required
  createVerifier({ issuer: 'https://a.example', audience: 'api' });
  // @ts-expect-error "none" is not an algorithm
  createVerifier({ issuer: 'https://a.example', audience: 'api', algorithms: ['none'] });
  // @ts-expect-error every tenant needs its own audience
  const tenant: IssuerOptions = { issuer: 'https://a.example', algorithms: ['RS256'] };
  void tenant;

  // @ts-expect-error with a resource, the audience check cannot be skipped
  createVerifier({
    resource: 'https://api.example/mcp',
    issuer: 'https://a.example',
    audience: null,
    algorithms: ['RS256'],
  });
  // A resource is the accepted audience: audience may be left out, or add further audiences.
  createVerifier({ resource: 'https://api.example/mcp', issuer: 'https://a.example', algorithms: ['RS256'] });
  createVerifier({
    resource: 'https://api.example/mcp',
    issuers: [
      { issuer: 'https://a.example', algorithms: ['RS256'] },
      { issuer: 'https://b.example', audience: 'legacy', algorithms: ['ES256'] },
    ],
  });

  // Skipping the audience check is possible, but only explicitly.
  createVerifier({ jwksUri: 'https://a.example/jwks.json', audience: null, algorithms: ['ES256'] });
  createVerifier({
    issuers: [
      {
        issuer: 'https://a.example',
        audience: ['a', 'b'],
        algorithms: ['RS256', 'HS256'],
        hs256: { secrets: ['x'.repeat(32)] },
      },
    ],
  });
}
