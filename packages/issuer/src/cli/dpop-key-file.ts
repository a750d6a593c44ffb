import { readFile, writeFile } from 'node:fs/promises';
import type { JsonWebKey } from 'node:crypto';
import { DPOP_ALGORITHMS, isDpopAlgorithm, type DpopAlgorithm } from '../algorithms.js';
import { createDpopKey, type DpopKey } from '../dpop-key.js';
import { UsageError } from './flags.js';

/** Checks an `--alg`-style flag value for a DPoP key. */
export function dpopAlgorithmFlag(value: string | undefined, flag: string): DpopAlgorithm | undefined {
  if (value !== undefined && !isDpopAlgorithm(value))
    throw new UsageError(`${flag} must be one of ${DPOP_ALGORITHMS.join(', ')}; got "${value}"`);
  return value;
}

/**
 * The DPoP key kept in `path` (a private JWK with `alg`, mode 0600), made and saved first if the
 * file does not exist. `created` says which, so the CLI can tell the user.
 */
export async function loadOrCreateDpopKey(
  path: string,
  alg: DpopAlgorithm | undefined,
): Promise<{ key: DpopKey; created: boolean }> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`cannot read DPoP key file ${path}: ${(err as Error).message}`);
  }
  if (text === undefined) {
    const key = createDpopKey(alg === undefined ? {} : { alg });
    // 'wx': never overwrite a key file another process created in the meantime.
    await writeFile(path, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return { key, created: true };
  }
  let jwk: JsonWebKey;
  try {
    jwk = JSON.parse(text) as JsonWebKey;
  } catch {
    throw new Error(`DPoP key file ${path} is not JSON; remove it to make a new key`);
  }
  let key: DpopKey;
  try {
    key = createDpopKey({ privateKey: jwk });
  } catch (err) {
    throw new Error(`DPoP key file ${path} does not hold a usable private key: ${(err as Error).message}`);
  }
  if (alg !== undefined && key.alg !== alg)
    throw new UsageError(
      `DPoP key file ${path} holds a key for ${key.alg}, not ${alg}; give another file for a new key`,
    );
  return { key, created: false };
}
