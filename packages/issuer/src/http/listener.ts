import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from '../faults.js';
import { ClientAbortedError } from './body.js';
import type { ResolvedOptions } from '../options.js';
import type { RequestCounter } from '../stats.js';
import type { TenantRuntime } from '../tenant-runtime.js';
import { discoveryEndpoint, metadataEndpoint } from './discovery.js';
import { jwksEndpoint } from './jwks.js';
import { errorReply, jsonReply, methodNotAllowed, notFound, type Reply } from './reply.js';
import { createRouter, type Route } from './router.js';
import type { Sleeper } from './sleeper.js';
import type { TokenEndpointDpop } from './token-dpop.js';
import { tokenEndpoint } from './token-endpoint.js';

export interface ListenerDeps {
  readonly tenants: readonly TenantRuntime[];
  readonly options: ResolvedOptions;
  readonly faults: Faults;
  readonly stats: RequestCounter;
  readonly sleeper: Sleeper;
  readonly dpop: TokenEndpointDpop;
}

// Deliberately cut short: parses as the start of a JWKS, then ends mid-value.
const INVALID_JSON = '{"keys":[{"kty":"RSA","kid":"';

/** The `node:http` request listener: route, count, apply faults, dispatch, write. Never throws. */
export function createListener(deps: ListenerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const route = createRouter(deps.tenants);
  return (req, res) => {
    handle(req, res, route(req.url ?? '/'), deps).catch((error: unknown) => {
      if (error instanceof ClientAbortedError) {
        res.destroy();
        return;
      }
      try {
        deps.options.onError(error);
        if (!res.headersSent) write(res, req.method, errorReply(500, 'server_error', 'internal error'));
        else res.destroy();
      } catch {
        // The last line of defence must not throw: an unhandled rejection would end the process.
        res.destroy();
      }
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, route: Route, deps: ListenerDeps): Promise<void> {
  const { stats, faults, sleeper } = deps;
  stats.request(route.endpoint, route.tenant?.name);
  const plan = faults.plan(route.endpoint, route.tenant?.name);
  if (plan.outcome !== 'normal' || plan.headerDelayMs > 0 || plan.bodyDelayMs > 0) stats.faulted();

  const gone = new AbortController();
  res.on('close', () => gone.abort());
  if (plan.headerDelayMs > 0 && !(await sleeper.sleep(plan.headerDelayMs, gone.signal))) {
    res.destroy();
    return;
  }

  let reply: Reply;
  switch (plan.outcome) {
    case 'drop':
      req.socket.destroy();
      return;
    case 'status500':
      reply = errorReply(500, 'server_error', 'injected fault');
      break;
    case 'invalid-json':
      reply = { status: 200, headers: { 'content-type': 'application/json' }, body: INVALID_JSON };
      break;
    case 'normal':
      reply = await dispatch(req, route, deps);
      break;
  }
  if (reply.status === 304) stats.notModified();

  if (plan.bodyDelayMs > 0 && reply.body !== undefined && req.method !== 'HEAD') {
    // Headers and the first half of the body now, the rest after the delay: a stalled body.
    const body = Buffer.from(reply.body);
    const half = Math.ceil(body.length / 2);
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
    res.write(body.subarray(0, half));
    if (!(await sleeper.sleep(plan.bodyDelayMs, gone.signal))) {
      res.destroy();
      return;
    }
    res.end(body.subarray(half));
    return;
  }
  write(res, req.method, reply);
}

async function dispatch(req: IncomingMessage, route: Route, deps: ListenerDeps): Promise<Reply> {
  const { tenant } = route;
  const readOnly = req.method === 'GET' || req.method === 'HEAD';
  if (route.index)
    return readOnly ? jsonReply(200, { tenants: deps.tenants.map(indexEntry) }) : methodNotAllowed('GET, HEAD');
  if (!tenant || route.endpoint === 'other') return notFound();
  const { options } = deps;
  const ifNoneMatch = req.headers['if-none-match'];
  switch (route.endpoint) {
    case 'discovery': {
      if (!readOnly) return methodNotAllowed('GET, HEAD');
      const cache = { cacheControl: options.discoveryCacheControl, etag: options.etag, ifNoneMatch };
      const dpopAlgorithms = deps.dpop.policy.algorithms;
      return route.metadata
        ? metadataEndpoint(tenant, dpopAlgorithms, cache)
        : discoveryEndpoint(tenant, dpopAlgorithms, cache);
    }
    case 'jwks':
      if (!readOnly) return methodNotAllowed('GET, HEAD');
      return jwksEndpoint(tenant, { cacheControl: options.jwksCacheControl, etag: options.etag, ifNoneMatch });
    case 'token':
      return tokenEndpoint(req, tenant, { clock: options.clock, maxBodyBytes: options.maxBodyBytes, dpop: deps.dpop });
  }
}

function indexEntry(tenant: TenantRuntime) {
  const info = tenant.info();
  return {
    name: info.name,
    issuer: info.issuer,
    discovery: info.discoveryUrl,
    authorization_server_metadata: info.metadataUrl,
    jwks_uri: info.jwksUri,
    token_endpoint: info.tokenEndpoint,
  };
}

function write(res: ServerResponse, method: string | undefined, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body !== undefined) headers['content-length'] = String(Buffer.byteLength(reply.body));
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' || reply.status === 304 ? undefined : reply.body);
}
