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
  return {
    method: message.method ?? 'GET',
    url: url ?? message.url ?? '/',
    header: Array.isArray(message.rawHeaders) ? (name) => rawHeader(message.rawHeaders!, name) : (name) => message.headers?.[name],
    encrypted: (message.socket as TlsSocketLike | null | undefined)?.encrypted === true,
    clientCertificate: () => {
      const socket = message.socket as TlsSocketLike | null | undefined;
      if (socket?.encrypted !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
      // Without a certificate Node answers an empty object (or null once the socket is gone).
      const raw = socket.getPeerCertificate(false)?.raw;
      return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined;
    },
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
