import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { IssuerConfigError } from './errors.js';
import { isList, resolveTenant, type ClientConfig, type FieldNamer, type TenantConfig } from './tenants.js';

/** A tenant read from a file, with a namer that reports fields as the file spells them. */
export interface TenantFromFile {
  readonly config: TenantConfig;
  readonly field: FieldNamer;
  /** Names the tenant and file in messages. */
  readonly where: string;
}

/** `spec` fields of a tenants file and the `TenantConfig` field each sets. */
export const SPEC_FIELDS: Readonly<Record<string, keyof TenantConfig>> = {
  jwt_algorithm: 'algorithm',
  audience: 'audience',
  issuer: 'issuer',
  hosts: 'hosts',
  clients: 'clients',
  token_lifetime_sec: 'tokenLifetimeSec',
  typ: 'typ',
  hs256_secret: 'hs256Secret',
  hs256_secret_env: 'hs256SecretEnv',
  dpop_nonce: 'dpopNonce',
};
/** Client fields of a tenants file and the `ClientConfig` field each sets. */
export const CLIENT_FIELDS: Readonly<Record<string, keyof ClientConfig>> = {
  id: 'id',
  secret: 'secret',
  secret_env: 'secretEnv',
  scopes: 'scopes',
  grant_types: 'grantTypes',
  require_dpop: 'requireDpop',
  resources: 'resources',
  acr: 'acr',
  amr: 'amr',
};
// Uitsmijter tenant fields about interactive login; accepted so real tenant files load, but unused.
const IGNORED_SPEC_FIELDS = new Set(['interceptor', 'providers', 'silent_login', 'templates', 'informations']);

/**
 * Reads and validates a tenants file shaped like Uitsmijter's `tenant.yaml`: one or more
 * `kind: Tenant` documents (YAML `---`-separated, or a JSON object or array).
 * `*.json` files are parsed as JSON, anything else as YAML.
 *
 * @param options.env - where `*_env` settings are looked up; default `process.env`.
 * @example
 * ```ts
 * const tenants = await loadTenantsFile('tenants.yaml');
 * const issuer = await createIssuer({ tenants });
 * ```
 */
export async function loadTenantsFile(
  path: string,
  options: { env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<TenantConfig[]> {
  const found = await readTenantsFile(path);
  const env = options.env ?? process.env;
  // Validate now, so a caller holding the result knows it will be accepted by createIssuer.
  for (const { config, field, where } of found)
    resolveTenant(config, { field, where, env, defaultAlgorithm: 'RS256', root: false });
  return found.map((t) => t.config);
}

/** Internal: reads a tenants file keeping file-shaped field names for later error messages. */
export async function readTenantsFile(path: string): Promise<TenantFromFile[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new IssuerConfigError('tenants', `cannot read tenants file ${path}: ${(err as Error).message}`);
  }
  return parseTenantsText(text, path, extname(path).toLowerCase() === '.json' ? 'json' : 'yaml');
}

/** Internal: parses tenants file text. `source` names the file in messages. */
export function parseTenantsText(text: string, source: string, format: 'yaml' | 'json'): TenantFromFile[] {
  const documents = format === 'json' ? parseJson(text, source) : parseYaml(text, source);
  const list = documents.flatMap((doc) => (isList(doc) ? doc : [doc]));
  if (list.length === 0) throw new IssuerConfigError('tenants', `${source} contains no tenants`);
  const seen = new Set<string>();
  return list.map((doc, i) => {
    const tenant = toTenant(doc, `${source} document ${i + 1}`);
    if (seen.has(tenant.config.name)) {
      throw new IssuerConfigError('metadata.name', `${source} defines tenant "${tenant.config.name}" twice`);
    }
    seen.add(tenant.config.name);
    return tenant;
  });
}

function parseJson(text: string, source: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch (err) {
    throw new IssuerConfigError('tenants', `${source} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseYaml(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const values: unknown[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) throw new IssuerConfigError('tenants', `${source} is not valid YAML: ${error.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

function toTenant(doc: unknown, where: string): TenantFromFile {
  const fail = (field: string, message: string): never => {
    throw new IssuerConfigError(field, `${field} (${where}) ${message}`);
  };
  if (!isRecord(doc)) return fail('kind', 'must be a Tenant object with metadata and spec');
  checkKeys(doc, ['apiVersion', 'kind', 'metadata', 'spec'], '', fail);
  if (doc.kind !== undefined && doc.kind !== 'Tenant') {
    fail(
      'kind',
      `is ${JSON.stringify(doc.kind)}; only Tenant documents are supported (put clients under spec.clients)`,
    );
  }
  if (!isRecord(doc.metadata)) return fail('metadata', 'must be an object with a name');
  checkKeys(doc.metadata, ['name', 'namespace', 'labels', 'annotations'], 'metadata.', fail);
  const name = doc.metadata.name;
  if (typeof name !== 'string') return fail('metadata.name', 'must be a string');
  const spec = doc.spec ?? {};
  if (!isRecord(spec)) return fail('spec', 'must be an object');

  const config: Record<string, unknown> = { name };
  for (const [key, value] of Object.entries(spec)) {
    if (IGNORED_SPEC_FIELDS.has(key)) continue;
    const target = SPEC_FIELDS[key];
    if (!target) fail(`spec.${key}`, `is not a known field; known: ${Object.keys(SPEC_FIELDS).join(', ')}`);
    else if (target === 'clients') config.clients = toClients(value, fail);
    else config[target] = value;
  }
  return {
    config: config as unknown as TenantConfig,
    field: fileFieldName,
    where: ` (tenant "${name}" in ${where.replace(/ document \d+$/, '')})`,
  };
}

function toClients(value: unknown, fail: (field: string, message: string) => never): ClientConfig[] {
  if (!Array.isArray(value)) return fail('spec.clients', 'must be a list');
  return value.map((client: unknown, i) => {
    const at = `spec.clients[${i}]`;
    if (!isRecord(client)) return fail(at, 'must be an object with id, secret (or secret_env) and scopes');
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(client)) {
      const target = CLIENT_FIELDS[key];
      if (!target) fail(`${at}.${key}`, `is not a known field; known: ${Object.keys(CLIENT_FIELDS).join(', ')}`);
      else out[target] = v;
    }
    return out as unknown as ClientConfig;
  });
}

/** `clients[0].secretEnv` → `spec.clients[0].secret_env`, `algorithm` → `spec.jwt_algorithm`. */
function fileFieldName(field: string): string {
  if (field === 'name') return 'metadata.name';
  if (field === 'algorithm') return 'spec.jwt_algorithm';
  return `spec.${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
}

function checkKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
  fail: (field: string, message: string) => never,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(`${prefix}${key}`, `is not a known field; known: ${allowed.join(', ')}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
