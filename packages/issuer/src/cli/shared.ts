import { resolve } from 'node:path';
import { isSigningAlgorithm, SIGNING_ALGORITHMS, type SigningAlgorithm } from '../algorithms.js';
import { parseDuration } from '../duration.js';
import type { Issuer } from '../issuer.js';
import type { IssuerOptions } from '../options.js';
import type { TenantConfig } from '../tenants.js';
import { stringFlag, UsageError, type FlagValues } from './flags.js';

/** Where the CLI reads and writes; `runCli` gets the real process streams, tests get buffers. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths in flags are resolved against this. */
  readonly cwd: string;
  /** Aborting it stops a running `serve`. Without it, `serve` runs until the process ends. */
  readonly signal?: AbortSignal;
  /** Called once `serve` listens. */
  readonly onListening?: (issuer: Issuer) => void;
}

export const DEFAULT_CLI_PORT = 4010;
export const DEFAULT_SECRET_ENV = 'JWT_SECRET';

export function algorithmFlag(values: FlagValues): SigningAlgorithm | undefined {
  const alg = stringFlag(values, 'alg');
  if (alg !== undefined && !isSigningAlgorithm(alg))
    throw new UsageError(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}; got "${alg}"`);
  return alg;
}

export function durationFlag(values: FlagValues, name: string): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--${name} must be a duration like 30s, 15m, 12h or 90d; got "${text}"`);
  return ms;
}

export function portFlag(values: FlagValues): number {
  const text = stringFlag(values, 'port');
  if (text === undefined) return DEFAULT_CLI_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535; got "${text}"`);
  return port;
}

/**
 * Issuer options from the flags both commands share. `defaultTenant` settings apply only without
 * `--tenants`; the HS256 secret variable is wired in when it is set or HS256 is asked for, so an
 * unset JWT_SECRET does not break RS256 use.
 */
export function sharedIssuerOptions(
  values: FlagValues,
  io: CliIo,
  defaultTenant: Partial<TenantConfig>,
  alg: SigningAlgorithm | undefined,
): IssuerOptions {
  const options: IssuerOptions = {
    host: stringFlag(values, 'host') ?? '127.0.0.1',
    port: portFlag(values),
    env: io.env,
  };
  const publicUrl = stringFlag(values, 'public-url');
  if (publicUrl !== undefined) options.publicUrl = publicUrl;
  const keys = stringFlag(values, 'keys');
  if (keys !== undefined) options.keyDir = resolve(io.cwd, keys);
  const maxAge = durationFlag(values, 'max-age');
  if (maxAge !== undefined) options.keyMaxAgeMs = maxAge;
  const grace = durationFlag(values, 'grace');
  if (grace !== undefined) options.keyGraceMs = grace;
  if (alg !== undefined) options.algorithm = alg;

  const tenantsFile = stringFlag(values, 'tenants');
  const secretEnv = stringFlag(values, 'hs256-secret-env') ?? DEFAULT_SECRET_ENV;
  if (tenantsFile !== undefined) {
    const misplaced = Object.keys(defaultTenant).filter((k) => k !== 'algorithm');
    if (misplaced.length > 0 || stringFlag(values, 'hs256-secret-env') !== undefined) {
      throw new UsageError(
        '--audience, --token-lifetime, --typ and --hs256-secret-env configure the default tenant; with --tenants, set them in the tenants file',
      );
    }
    options.tenants = resolve(io.cwd, tenantsFile);
    return options;
  }
  const tenant: Partial<TenantConfig> = { ...defaultTenant };
  if (alg !== undefined) tenant.algorithm = alg;
  if (alg === 'HS256' || io.env[secretEnv] !== undefined) tenant.hs256SecretEnv = secretEnv;
  options.defaultTenant = tenant;
  return options;
}
