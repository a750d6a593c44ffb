import { Agent, request, type Dispatcher } from 'undici';
import { isAllowedKeyUrl } from './key-url.js';
import type { ResolvedJwksOptions } from './resolve-options.js';
import { BodyError, decodeContent, parseJsonBody } from './response-body.js';

/** A JSON document fetched over HTTP, or a 304 confirming the cached one. */
export type FetchResult =
  | {
      readonly status: 200;
      readonly body: unknown;
      readonly etag: string | undefined;
      readonly maxAgeSec: number | undefined;
    }
  | { readonly status: 304; readonly maxAgeSec: number | undefined };

/** What a key source asks of one fetch. */
export interface JsonFetchOptions {
  /** The ETag of the cached document: send it as `If-None-Match`, and answer `{ status: 304 }` when it still matches. */
  readonly etag?: string | undefined;
  /** Aborted when the key source gives up on this fetch (it ran far past its deadline). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Fetches the discovery document and the JWKS: the `jwks.fetcher` option. Replace it to add a
 * proxy, authentication or a cache of your own, or to count requests in tests. An implementation
 * owns the transport rules: timeouts, the size cap, redirects (and that every redirect target is
 * https), content decoding. It throws on any failure; the message is reported in events and
 * errors, so it must not contain secrets.
 *
 * @example
 * const fetcher: JsonFetcher = {
 *   async fetchJson(url, { etag, signal }) {
 *     const response = await fetch(url, { headers: etag ? { 'if-none-match': etag } : {}, signal, redirect: 'error' });
 *     if (response.status === 304 && etag !== undefined) return { status: 304, maxAgeSec: undefined };
 *     if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
 *     // maxAgeSec: the response's Cache-Control max-age, or undefined for jwks.defaultMaxAgeSec.
 *     return { status: 200, body: await response.json(), etag: response.headers.get('etag') ?? undefined, maxAgeSec: undefined };
 *   },
 * };
 */
export interface JsonFetcher {
  fetchJson(url: string, options: JsonFetchOptions): Promise<FetchResult>;
}

/** The default fetcher, which owns an undici agent unless one was given. */
export interface OwnedJsonFetcher extends JsonFetcher {
  close(): Promise<void>;
}

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

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The resolved options the default fetcher reads. */
export type HttpFetcherOptions = Pick<
  ResolvedJwksOptions,
  | 'connectTimeoutMs'
  | 'headersTimeoutMs'
  | 'bodyTimeoutMs'
  | 'maxResponseBytes'
  | 'maxRedirects'
  | 'allowHttp'
  | 'dispatcher'
>;

/** The time one `fetchJson` call may take in all, redirects included. */
export function fetchDeadlineMs(
  options: Pick<ResolvedJwksOptions, 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs'>,
): number {
  return options.connectTimeoutMs + options.headersTimeoutMs + options.bodyTimeoutMs;
}

/**
 * The default fetcher: undici with connect/headers/body timeouts and an overall deadline, a size
 * cap on the received and on the decoded body, gzip/deflate/br decoding, and redirects followed
 * by hand, at most `maxRedirects`, each target checked against the key-URL policy before it is
 * requested (undici's redirect interceptor would follow an https → http hop unchecked).
 */
export function createHttpFetcher(options: HttpFetcherOptions): OwnedJsonFetcher {
  const own = options.dispatcher === undefined;
  const dispatcher: Dispatcher =
    options.dispatcher ??
    new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      connections: 4,
    });
  const deadlineMs = fetchDeadlineMs(options);

  async function send(
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await request(url, {
        dispatcher,
        method: 'GET',
        headers,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
        signal,
      });
    } catch (error) {
      throw new FetchFailure(`request to ${url.href} failed: ${describe(error)}`, undefined);
    }
  }

  /** The next URL of a redirect, refused unless it is within the hop limit and the key-URL policy. */
  function redirectTarget(from: URL, origin: string, status: number, location: string | undefined, hops: number): URL {
    if (options.maxRedirects === 0)
      throw new FetchFailure(
        `${origin} answered HTTP ${status} (redirects are refused unless jwks.maxRedirects allows them)`,
        status,
      );
    if (hops >= options.maxRedirects)
      throw new FetchFailure(
        `${origin} redirected more than jwks.maxRedirects (${options.maxRedirects}) times`,
        status,
      );
    let next: URL;
    try {
      next = new URL(location ?? '', from);
    } catch {
      next = from;
    }
    if (location === undefined || next === from)
      throw new FetchFailure(`${from.href} answered HTTP ${status} without a usable Location header`, status);
    if (!isAllowedKeyUrl(next, options.allowHttp)) {
      const shown = `${next.protocol}//${next.host}${next.pathname}`;
      throw new FetchFailure(
        `${from.href} redirected to ${shown}, which is not https; keys are fetched over https only (http only on loopback hosts, or with jwks.allowHttp)`,
        status,
      );
    }
    return next;
  }

  return {
    async fetchJson(url, { etag, signal }) {
      const headers: Record<string, string> = {
        accept: 'application/json, application/jwk-set+json',
        'accept-encoding': 'gzip, deflate, br',
      };
      if (etag !== undefined) headers['if-none-match'] = etag;
      const deadline = AbortSignal.timeout(deadlineMs);
      const abort = signal === undefined ? deadline : AbortSignal.any([deadline, signal]);
      let current = new URL(url);
      let response = await send(current, headers, abort);
      for (let hops = 0; REDIRECTS.has(response.statusCode); hops++) {
        await response.body.dump().catch(() => undefined);
        current = redirectTarget(current, url, response.statusCode, header(response.headers, 'location'), hops);
        response = await send(current, headers, abort);
      }
      const { statusCode, body } = response;
      const maxAgeSec = parseMaxAge(response.headers['cache-control']);
      if (statusCode === 304) {
        await body.dump().catch(() => undefined);
        if (etag !== undefined) return { status: 304, maxAgeSec };
        throw new FetchFailure(
          `${url} answered 304 Not Modified to a request without If-None-Match; it must answer 200 with the document`,
          statusCode,
        );
      }
      if (statusCode !== 200) {
        await body.dump().catch(() => undefined);
        throw new FetchFailure(`${url} answered HTTP ${statusCode}`, statusCode);
      }
      const raw = await readCapped(url, body, header(response.headers, 'content-length'), options.maxResponseBytes);
      try {
        const json = parseJsonBody(
          await decodeContent(raw, header(response.headers, 'content-encoding'), options.maxResponseBytes),
        );
        return { status: 200, body: json, etag: header(response.headers, 'etag'), maxAgeSec };
      } catch (error) {
        if (error instanceof BodyError) throw new FetchFailure(`${url} ${error.message}`, statusCode);
        throw error;
      }
    },
    async close() {
      if (own) await dispatcher.close();
    },
  };
}

/** Reads a body of at most `maxBytes`, refusing early on a larger declared length. */
async function readCapped(
  url: string,
  body: Dispatcher.ResponseData['body'],
  declaredLength: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const declared = Number(declaredLength);
  if (declaredLength !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    throw new FetchFailure(`${url} answered ${declared} bytes, over jwks.maxResponseBytes (${maxBytes})`, 200);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        body.destroy();
        throw new FetchFailure(`${url} sent more than jwks.maxResponseBytes (${maxBytes})`, 200);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof FetchFailure) throw error;
    throw new FetchFailure(`reading ${url} failed: ${describe(error)}`, 200);
  }
  return Buffer.concat(chunks);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
