import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { ResolvedJwksOptions } from './resolve-options.js';

/** A JSON document fetched over HTTP, or a 304 confirming the cached one. */
export type FetchResult =
  | { readonly status: 200; readonly body: unknown; readonly etag: string | undefined; readonly maxAgeSec: number | undefined }
  | { readonly status: 304; readonly maxAgeSec: number | undefined };

/** Why a fetch failed, for events and error messages. Never includes response bodies. */
export class FetchFailure extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | undefined,
  ) {
    super(message);
    this.name = 'FetchFailure';
  }
}

/** Fetches JSON. Injectable so operators can add proxies or auth and tests can count calls. */
export interface JsonFetcher {
  fetchJson(url: string, options: { etag?: string | undefined }): Promise<FetchResult>;
  close(): Promise<void>;
}

/** `max-age` from Cache-Control; `no-store`/`no-cache` count as 0 (the minimum clamp then applies). */
export function parseMaxAge(cacheControl: string | string[] | undefined): number | undefined {
  const value = Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl;
  if (!value) return undefined;
  if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)/i.test(value)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(value);
  return match ? Number(match[1]) : undefined;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The default fetcher: undici with connect/headers/body timeouts, a size cap and bounded redirects. */
export function createHttpFetcher(options: ResolvedJwksOptions): JsonFetcher {
  const own = options.dispatcher === undefined;
  const base: Dispatcher =
    options.dispatcher ??
    new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      connections: 4,
    });
  const dispatcher = options.maxRedirects > 0 ? base.compose(interceptors.redirect({ maxRedirections: options.maxRedirects })) : base;
  const deadlineMs = options.connectTimeoutMs + options.headersTimeoutMs + options.bodyTimeoutMs;

  return {
    async fetchJson(url, { etag }) {
      const headers: Record<string, string> = { accept: 'application/json, application/jwk-set+json' };
      if (etag !== undefined) headers['if-none-match'] = etag;
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, {
          dispatcher,
          method: 'GET',
          headers,
          headersTimeout: options.headersTimeoutMs,
          bodyTimeout: options.bodyTimeoutMs,
          signal: AbortSignal.timeout(deadlineMs),
        });
      } catch (error) {
        throw new FetchFailure(`request to ${url} failed: ${describe(error)}`, undefined);
      }
      const { statusCode, body } = response;
      const maxAgeSec = parseMaxAge(response.headers['cache-control']);
      if (statusCode === 304 && etag !== undefined) {
        await body.dump();
        return { status: 304, maxAgeSec };
      }
      if (statusCode !== 200) {
        await body.dump().catch(() => undefined);
        const hint = statusCode >= 300 && statusCode < 400 ? ' (redirects are refused unless jwks.maxRedirects allows them)' : '';
        throw new FetchFailure(`${url} answered HTTP ${statusCode}${hint}`, statusCode);
      }
      const declared = Number(header(response.headers, 'content-length'));
      if (Number.isFinite(declared) && declared > options.maxResponseBytes) {
        body.destroy();
        throw new FetchFailure(`${url} answered ${declared} bytes, over jwks.maxResponseBytes (${options.maxResponseBytes})`, statusCode);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of body) {
          size += (chunk as Buffer).length;
          if (size > options.maxResponseBytes) {
            body.destroy();
            throw new FetchFailure(`${url} sent more than jwks.maxResponseBytes (${options.maxResponseBytes})`, statusCode);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (error) {
        if (error instanceof FetchFailure) throw error;
        throw new FetchFailure(`reading ${url} failed: ${describe(error)}`, statusCode);
      }
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        throw new FetchFailure(`${url} did not answer valid JSON`, statusCode);
      }
      return { status: 200, body: json, etag: header(response.headers, 'etag'), maxAgeSec };
    },
    async close() {
      if (own) await base.close();
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
