import type { ErrorResponse } from '@tollgate/core';

/**
 * The core's answer to a refusal as a Fetch `Response`: its status, every header (challenges,
 * `Retry-After`, `DPoP-Nonce`) and the JSON body `{ error, error_description, code }`.
 *
 * @example
 * return toResponse(gate.respond(error));
 */
export function toResponse(answer: ErrorResponse): Response {
  return new Response(JSON.stringify(answer.body), {
    status: answer.status,
    headers: { ...answer.headers, 'content-type': 'application/json' },
  });
}
