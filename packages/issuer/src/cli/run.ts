import { IssuerConfigError } from '../errors.js';
import { UsageError } from './flags.js';
import { proof } from './proof.js';
import { serve } from './serve.js';
import type { CliIo } from './shared.js';
import { token } from './token.js';

export type { CliIo } from './shared.js';

export const MAIN_HELP = `Usage: tollgate-issuer <command> [options]

The tollgate reference issuer: signs JWTs, serves OIDC discovery and a JWKS, rotates keys and
injects faults. For development, tests and demos; not a production identity provider.

Commands:
  serve    Start the issuer and print its URLs (tollgate-issuer serve --help)
  token    Mint a token and print it (tollgate-issuer token --help)
  proof    Make a DPoP proof for one request (tollgate-issuer proof --help)

Options:
  -h, --help    Show this help.
`;

/**
 * Runs the `tollgate-issuer` command line and resolves with the exit status:
 * 0 success, 1 failure (configuration, port in use), 2 bad usage.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(args, io);
      case 'token':
        return await token(args, io);
      case 'proof':
        return await proof(args, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io[command === undefined ? 'stderr' : 'stdout'](MAIN_HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(
        `tollgate-issuer: ${err.message}\nRun \`tollgate-issuer ${command === 'serve' || command === 'token' || command === 'proof' ? `${command} ` : ''}--help\` for usage.\n`,
      );
      return 2;
    }
    const message = err instanceof IssuerConfigError ? err.message : ((err as Error).message ?? String(err));
    io.stderr(`tollgate-issuer: ${message}\n`);
    return 1;
  }
}
