import { createIssuer, type Issuer } from '../issuer.js';
import type { TenantConfig } from '../tenants.js';
import {
  DURATION_HELP,
  HELP,
  parseFlags,
  renderHelp,
  sharedFlags,
  stringFlag,
  UsageError,
  type FlagSpec,
} from './flags.js';
import { algorithmFlag, durationFlag, sharedIssuerOptions, type CliIo } from './shared.js';

export const SERVE_FLAGS: readonly FlagSpec[] = [
  ...sharedFlags('serve').address,
  {
    name: 'alg',
    type: 'string',
    value: '<alg>',
    help: "RS256, ES256, EdDSA or HS256: the default tenant's algorithm, and that of file tenants without jwt_algorithm. Default: RS256.",
  },
  ...sharedFlags('serve').rest,
  {
    name: 'audience',
    type: 'string',
    value: '<aud>',
    help: "Audience (aud) of the default tenant's tokens. Default: api://default.",
  },
  {
    name: 'token-lifetime',
    type: 'string',
    value: '<duration>',
    help: "Lifetime of the default tenant's tokens. Default: 15m.",
  },
  {
    name: 'typ',
    type: 'string',
    value: '<typ>',
    help: "typ header of the default tenant's tokens, e.g. at+jwt. Default: JWT.",
  },
  {
    name: 'jwks-max-age',
    type: 'string',
    value: '<seconds|none>',
    help: 'Cache-Control max-age of the JWKS; "none" sends no Cache-Control. Default: 3600.',
  },
  { name: 'json', type: 'boolean', help: 'Print the URLs as one line of JSON instead of text.' },
  HELP,
];

export const SERVE_HELP = renderHelp(
  'tollgate-issuer serve [options]',
  'Starts the reference issuer and prints its URLs. Stops on Ctrl+C (SIGINT) or SIGTERM.\n' +
    'A development and test issuer, not a production identity provider.',
  SERVE_FLAGS,
  `${DURATION_HELP}\nWith --keys, keys survive restarts, and \`tollgate-issuer token --keys <same dir>\` mints tokens this server verifies.`,
);

export async function serve(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, SERVE_FLAGS);
  if (values.help) {
    io.stdout(SERVE_HELP);
    return 0;
  }
  const tenant: Partial<TenantConfig> = {};
  const audience = stringFlag(values, 'audience');
  if (audience !== undefined) tenant.audience = audience;
  const lifetime = durationFlag(values, 'token-lifetime');
  if (lifetime !== undefined) tenant.tokenLifetimeSec = Math.max(1, Math.round(lifetime / 1000));
  const typ = stringFlag(values, 'typ');
  if (typ !== undefined) tenant.typ = typ;
  const options = sharedIssuerOptions(values, io, tenant, algorithmFlag(values));
  const jwksMaxAge = stringFlag(values, 'jwks-max-age');
  if (jwksMaxAge !== undefined) {
    if (jwksMaxAge === 'none') options.jwksMaxAgeSec = null;
    else if (/^\d+$/.test(jwksMaxAge)) options.jwksMaxAgeSec = Number(jwksMaxAge);
    else throw new UsageError(`--jwks-max-age must be a number of seconds or "none"; got "${jwksMaxAge}"`);
  }
  options.onError = (error) =>
    io.stderr(`tollgate-issuer: request failed: ${(error as Error).stack ?? String(error)}\n`);

  const issuer = await createIssuer(options);
  io.stdout(
    values.json
      ? `${JSON.stringify({ baseUrl: issuer.baseUrl, tenants: issuer.tenants })}\n`
      : describe(issuer, options.keyDir),
  );
  io.onListening?.(issuer);
  await stopped(io.signal);
  await issuer.close();
  io.stderr('tollgate-issuer stopped\n');
  return 0;
}

function describe(issuer: Issuer, keyDir: string | undefined): string {
  const lines = [
    `tollgate-issuer listening on ${issuer.baseUrl} (reference issuer for development and tests; not a production IdP)`,
  ];
  for (const t of issuer.tenants) {
    const audience = typeof t.audience === 'string' ? t.audience : t.audience.join(', ');
    lines.push(
      '',
      `tenant ${t.name} (${t.algorithm}, audience ${audience})`,
      `  issuer     ${t.issuer}`,
      `  discovery  ${t.discoveryUrl}`,
      `  jwks_uri   ${t.jwksUri}`,
      `  token      ${t.tokenEndpoint}`,
      `  clients    ${t.clientIds.join(', ') || '(none)'}`,
    );
  }
  lines.push(
    '',
    keyDir ? `keys: ${keyDir}` : 'keys: in memory (pass --keys <dir> to keep them across restarts)',
    'Press Ctrl+C to stop.',
    '',
  );
  return lines.join('\n');
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
