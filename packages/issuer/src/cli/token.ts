import { resolve } from 'node:path';
import { isAsymmetric } from '../algorithms.js';
import { baseUrlFor } from '../http/server.js';
import { prepareTenants } from '../tenant-runtime.js';
import { resolveOptions } from '../options.js';
import { mintToken, type JwtClaims, type SignOptions } from '../sign.js';
import {
  DURATION_HELP,
  HELP,
  listFlag,
  parseFlags,
  renderHelp,
  sharedFlags,
  stringFlag,
  UsageError,
  type FlagSpec,
} from './flags.js';
import { dpopAlgorithmFlag, loadOrCreateDpopKey } from './dpop-key-file.js';
import { algorithmFlag, durationFlag, sharedIssuerOptions, type CliIo } from './shared.js';

export const TOKEN_FLAGS: readonly FlagSpec[] = [
  ...sharedFlags('token').address,
  {
    name: 'alg',
    type: 'string',
    value: '<alg>',
    help: "RS256, ES256, EdDSA or HS256: the algorithm of this token. Default: the tenant's algorithm (RS256).",
  },
  ...sharedFlags('token').rest,
  { name: 'tenant', type: 'string', value: '<name>', help: 'Tenant to mint for. Default: the first tenant.' },
  { name: 'sub', type: 'string', value: '<subject>', help: 'The sub claim. Default: test-user.' },
  {
    name: 'aud',
    type: 'string',
    multiple: true,
    value: '<audience>',
    help: "The aud claim. Default: the tenant's audience (api://default).",
  },
  {
    name: 'scope',
    type: 'string',
    value: '<scopes>',
    help: "The scope claim, space-separated. Default: every scope of the tenant's clients.",
  },
  {
    name: 'expires-in',
    type: 'string',
    value: '<duration>',
    help: "Lifetime from now. Default: the tenant's token lifetime (15m).",
  },
  {
    name: 'claim',
    type: 'string',
    multiple: true,
    value: '<name=value>',
    help: 'Any claim; the value is parsed as JSON when it is valid JSON, else taken as a string.',
  },
  { name: 'typ', type: 'string', value: '<typ>', help: "The typ header, e.g. at+jwt. Default: the tenant's (JWT)." },
  {
    name: 'kid',
    type: 'string',
    value: '<kid>',
    help: 'Sign with this published key (e.g. a retired one). Default: the current signing key.',
  },
  {
    name: 'dpop-key',
    type: 'string',
    value: '<file>',
    help: 'Bind the token to the DPoP key in this file (cnf.jkt), made when missing; make proofs with `tollgate-issuer proof --key <file>`.',
  },
  {
    name: 'dpop-alg',
    type: 'string',
    value: '<alg>',
    help: 'ES256, RS256, PS256 or EdDSA: algorithm of a new --dpop-key. Default: ES256.',
  },
  HELP,
];

export const TOKEN_HELP = renderHelp(
  'tollgate-issuer token [options]',
  'Mints a token and prints it to stdout. Use the same --keys, --tenants, --host and --port as a\n' +
    'running `tollgate-issuer serve`, and the token carries its issuer and a key it publishes.',
  TOKEN_FLAGS,
  `${DURATION_HELP}\nExample: tollgate-issuer token --keys .keys --sub alice --scope "orders:read" --claim tenant_id=acme\n` +
    'DPoP-bound: tollgate-issuer token --keys .keys --dpop-key dpop-key.json (then: tollgate-issuer proof --help)',
);

export async function token(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, TOKEN_FLAGS);
  if (values.help) {
    io.stdout(TOKEN_HELP);
    return 0;
  }
  const alg = algorithmFlag(values);
  const options = sharedIssuerOptions(values, io, {}, alg);
  const signOptions: SignOptions = {};
  if (alg !== undefined) signOptions.alg = alg;
  const kid = stringFlag(values, 'kid');
  if (kid !== undefined) signOptions.kid = kid;
  const expiresIn = durationFlag(values, 'expires-in');
  if (expiresIn !== undefined) signOptions.expiresInSec = Math.max(1, Math.round(expiresIn / 1000));
  const typ = stringFlag(values, 'typ');
  if (typ !== undefined) signOptions.header = { typ };

  const claims: JwtClaims = {};
  const sub = stringFlag(values, 'sub');
  if (sub !== undefined) claims.sub = sub;
  const aud = listFlag(values, 'aud');
  if (aud.length > 0) claims.aud = aud.length === 1 ? aud[0] : aud;
  const scope = stringFlag(values, 'scope');
  if (scope !== undefined) claims.scope = scope;
  for (const pair of listFlag(values, 'claim')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--claim must look like name=value; got "${pair}"`);
    claims[pair.slice(0, eq)] = parseValue(pair.slice(eq + 1));
  }

  const dpopKeyFile = stringFlag(values, 'dpop-key');
  const dpopAlg = dpopAlgorithmFlag(stringFlag(values, 'dpop-alg'), '--dpop-alg');
  if (dpopAlg !== undefined && dpopKeyFile === undefined) throw new UsageError('--dpop-alg needs --dpop-key <file>');

  // Flags are all checked above, before keys are generated or files touched.
  const resolved = await resolveOptions(options);
  const { tenants, find } = await prepareTenants(resolved);
  const baseUrl = resolved.publicUrl ?? baseUrlFor(resolved.host, resolved.port);
  for (const t of tenants) t.setBaseUrl(baseUrl);
  const tenant = find(stringFlag(values, 'tenant'));
  const signingAlg = alg ?? tenant.algorithm;
  if (options.keyDir === undefined && kid === undefined && isAsymmetric(signingAlg)) {
    io.stderr(
      'tollgate-issuer: no --keys directory, so this token is signed with a throwaway key no JWKS publishes;\n' +
        '  pass the --keys directory of a running `tollgate-issuer serve` to get a token it verifies.\n',
    );
  }
  if (dpopKeyFile !== undefined) {
    const path = resolve(io.cwd, dpopKeyFile);
    const { key, created } = await loadOrCreateDpopKey(path, dpopAlg);
    claims.cnf = key.cnf;
    io.stderr(
      `tollgate-issuer: ${created ? `made a new ${key.alg} DPoP key in ${path}; the` : 'the'} token is bound to it (jkt ${key.jkt}).\n` +
        `  Send it as "Authorization: DPoP <token>" with a new proof per request:\n` +
        `  tollgate-issuer proof --key ${dpopKeyFile} --method GET --url <request URL> --token <token>\n`,
    );
  }
  io.stdout(`${await mintToken(tenant, claims, signOptions, resolved.clock.now())}\n`);
  return 0;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
