import type { IncomingMessage } from 'node:http';

/** The client went away before its request was complete; nothing to answer, nothing to report. */
export class ClientAbortedError extends Error {
  override readonly name = 'ClientAbortedError';
}

/** Reads a request body up to `maxBytes`; larger bodies are drained, not buffered. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (value: Buffer | 'too-large' | Error) => {
      if (settled) return;
      settled = true;
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        settle('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(Buffer.concat(chunks)));
    req.on('error', () => settle(new ClientAbortedError('client aborted the request')));
    // Without this, a client that vanishes mid-body could leave the promise pending forever.
    req.on('close', () => settle(new ClientAbortedError('client closed the connection mid-request')));
  });
}
