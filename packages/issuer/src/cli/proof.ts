import { resolve } from 'node:path';
import { HELP, parseFlags, renderHelp, stringFlag, UsageError, type FlagSpec } from './flags.js';
import { dpopAlgorithmFlag, loadOrCreateDpopKey } from './dpop-key-file.js';
import type { CliIo } from './shared.js';

export const PROOF_FLAGS: readonly FlagSpec[] = [
  {
    name: 'key',
    type: 'string',
    value: '<file>',
    help: 'DPoP key file (a private JWK, mode 0600); made when missing. Required.',
  },
  {
    name: 'method',
    type: 'string',
    value: '<method>',
    help: 'HTTP method of the request (htm), e.g. GET or POST. Required.',
  },
  {
    name: 'url',
    type: 'string',
    value: '<url>',
    help: 'URL of the request; htu is this URL without query and fragment. Required.',
  },
  {
    name: 'token',
    type: 'string',
    value: '<access token>',
    help: 'Access token the request carries; adds ath. Leave out for token requests.',
  },
  { name: 'nonce', type: 'string', value: '<nonce>', help: 'Server nonce from a DPoP-Nonce header.' },
  {
    name: 'alg',
    type: 'string',
    value: '<alg>',
    help: 'ES256, RS256, PS256 or EdDSA: algorithm of a new key. Default: ES256.',
  },
  HELP,
];

export const PROOF_HELP = renderHelp(
  'tollgate-issuer proof --key <file> --method <method> --url <url> [options]',
  'Prints a DPoP proof (RFC 9449) for one request, signed with the key in --key. Make a new proof\n' +
    'for every request: verifiers refuse a proof they have seen.',
  PROOF_FLAGS,
  'Example:\n' +
    '  TOKEN=$(tollgate-issuer token --keys .keys --dpop-key dpop-key.json)\n' +
    '  curl -H "Authorization: DPoP $TOKEN" \\\n' +
    '       -H "DPoP: $(tollgate-issuer proof --key dpop-key.json --method GET --url http://127.0.0.1:3000/orders --token "$TOKEN")" \\\n' +
    '       http://127.0.0.1:3000/orders',
);

export async function proof(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, PROOF_FLAGS);
  if (values.help) {
    io.stdout(PROOF_HELP);
    return 0;
  }
  const keyFile = stringFlag(values, 'key');
  const method = stringFlag(values, 'method');
  const url = stringFlag(values, 'url');
  const missing = [
    keyFile === undefined && '--key',
    method === undefined && '--method',
    url === undefined && '--url',
  ].filter(Boolean);
  if (missing.length > 0) throw new UsageError(`proof needs ${missing.join(', ')}`);
  if (!URL.canParse(url!)) throw new UsageError(`--url must be an absolute URL; got "${url}"`);
  const alg = dpopAlgorithmFlag(stringFlag(values, 'alg'), '--alg');

  const path = resolve(io.cwd, keyFile!);
  const { key, created } = await loadOrCreateDpopKey(path, alg);
  if (created) io.stderr(`tollgate-issuer: made a new ${key.alg} DPoP key in ${path} (jkt ${key.jkt})\n`);
  const token = stringFlag(values, 'token');
  const nonce = stringFlag(values, 'nonce');
  io.stdout(
    `${key.proof({ method: method!, url: url!, ...(token === undefined ? {} : { accessToken: token }), ...(nonce === undefined ? {} : { nonce }) })}\n`,
  );
  return 0;
}
