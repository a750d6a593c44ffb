/**
 * What an adapter reads off a request for the core: the method, the request target, and header
 * access. Nothing is parsed by the adapter; the core decides what it needs and reads only that.
 */
export interface RequestFacts {
  /** The request method as received, e.g. `GET`. */
  readonly method: string;
  /** The request target as received: path and query, e.g. `/orders?page=2` (`req.originalUrl`, `ctx.originalUrl`). */
  readonly url: string;
  /** Every occurrence of a header (`name` in lower case): one string, a list when repeated, `undefined` when absent. */
  header(name: string): string | readonly string[] | undefined;
  /** Whether this process terminated TLS for the request. */
  readonly encrypted?: boolean | undefined;
  /** The client certificate (DER) when this process terminated TLS and the client sent one. Read only when a token needs it. */
  clientCertificate?(): Uint8Array | undefined;
}

/** The parts of a Node `IncomingMessage` (Express `req`, Koa `ctx.req`, Fastify `request.raw`) the core reads. */
export interface NodeRequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Header names and values as received, alternating: repeats are all here, unlike in `headers`. */
  readonly rawHeaders?: readonly string[] | undefined;
  /** Read only when `rawHeaders` is missing (a hand-made request of another transport): lower-case names. */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
  /** The connection: a `net.Socket`, or a `tls.TLSSocket` when this process terminated TLS. */
  readonly socket?: object | null | undefined;
}

/** What the core reads of a `tls.TLSSocket`. */
interface TlsSocketLike {
  readonly encrypted?: boolean;
  getPeerCertificate?(detailed?: boolean): { readonly raw?: Uint8Array } | null;
}

/**
 * `RequestFacts` of a Node request. Headers are read from `rawHeaders` on demand: a repeated
 * `Authorization` or `DPoP` header is seen (Node's `headers` keeps only the first), and nothing is
 * built for headers the core never asks for.
 *
 * @param url the request target when the framework rewrites `message.url` (Express `req.originalUrl`).
 * @example
 * gate.authenticate(nodeRequestFacts(req, req.originalUrl));
 */
export function nodeRequestFacts(message: NodeRequestLike, url?: string): RequestFacts {
  return new NodeRequestFacts(message, url ?? message.url ?? '/');
}

/** A class, not an object literal with closures: one small object per request. */
class NodeRequestFacts implements RequestFacts {
  readonly method: string;
  readonly encrypted: boolean;

  constructor(
    private readonly message: NodeRequestLike,
    readonly url: string,
  ) {
    this.method = message.method ?? 'GET';
    this.encrypted = (message.socket as TlsSocketLike | null | undefined)?.encrypted === true;
  }

  header(name: string): string | readonly string[] | undefined {
    const raw = this.message.rawHeaders;
    return Array.isArray(raw) ? rawHeader(raw as readonly string[], name) : this.message.headers?.[name];
  }

  clientCertificate(): Uint8Array | undefined {
    return socketCertificate(this.message.socket);
  }
}

/** The client certificate's DER on a `tls.TLSSocket` this process terminated, if the client sent one. */
function socketCertificate(connection: object | null | undefined): Uint8Array | undefined {
  const socket = connection as TlsSocketLike | null | undefined;
  if (socket?.encrypted !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  // Without a certificate Node answers an empty object (or null once the socket is gone).
  const raw = socket.getPeerCertificate(false)?.raw;
  return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined;
}

/** The parts of a Fetch API `Request` the core reads. */
export interface FetchRequestLike {
  readonly method: string;
  /** The absolute URL, e.g. `https://api.example.com/orders?page=2`. */
  readonly url: string;
  readonly headers: { get(name: string): string | null };
}

// A new credential starts at a comma followed by `<scheme> <something>` that is not an auth-param
// (`name=value`, RFC 9110 11.2); a comma inside a Bearer or DPoP token68 is not followed by a space.
const FOLDED_CREDENTIALS = /,[ \t]*(?=[!#$%&'*+.^_`|~0-9A-Za-z-]+ +[^\s=,])/;

/**
 * `RequestFacts` of a Fetch API `Request` (Next.js route handlers, Hono, any `(request: Request) =>
 * Response` handler). The request target is the path and query of `request.url`; `encrypted` is
 * whether that URL is `https:`; `Host` falls back to the URL's host.
 *
 * A `Headers` object folds a repeated header into one value joined by `", "`. Repeats of
 * `Authorization` are unfolded where a comma is followed by another `<scheme> <credentials>`, so
 * two credentials are refused as two headers; a repeated `DPoP` header is refused because a
 * proof never holds a comma. Other headers come as one folded string. The client certificate is
 * read only from `socket`, the Node TLS socket the request came on when the runtime exposes it
 * (`@hono/node-server`: `c.env.incoming.socket`).
 *
 * @example
 * gate.authenticate(fetchRequestFacts(request));
 */
export function fetchRequestFacts(request: FetchRequestLike, socket?: object | null): RequestFacts {
  const url = request.url;
  const { headers } = request;
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return {
    method: request.method,
    url: slash < 0 ? '/' : url.slice(slash),
    header: (name) => {
      const value = headers.get(name) ?? undefined;
      if (name === 'authorization' && value !== undefined && value.includes(',')) {
        const parts = value.split(FOLDED_CREDENTIALS);
        return parts.length > 1 ? parts : value;
      }
      if (name === 'host' && value === undefined && slash > 0) return url.slice(url.indexOf('//') + 2, slash);
      return value;
    },
    encrypted: url.startsWith('https:'),
    clientCertificate: () => socketCertificate(socket),
  };
}

/** Every value of header `name` (lower case) in a Node `rawHeaders` list. */
export function rawHeader(raw: readonly string[], name: string): string | readonly string[] | undefined {
  let found: string | string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    const value = raw[i + 1]!;
    if (found === undefined) found = value;
    else if (typeof found === 'string') found = [found, value];
    else found.push(value);
  }
  return found;
}
