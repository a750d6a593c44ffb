import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * A Node request listener from a framework handler that returns a promise: Koa's `app.callback()`
 * or `getRequestListener` from @hono/node-server. Both answer their own errors, so the promise
 * never rejects; Node ignores a listener's return value anyway. Should one reject after all, the
 * rejection stays unhandled, and the test run reports it.
 */
export function nodeListener(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>,
): RequestListener {
  return (req, res) => void handler(req, res);
}
