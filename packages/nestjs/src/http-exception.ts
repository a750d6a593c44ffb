import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { errorResponse, type AnyTollgateError, type ErrorResponse, type ResponseContext } from '@tollgate/core';

const EXCEPTIONS: Readonly<Record<number, new (body: object, options: { cause: unknown }) => HttpException>> = {
  400: BadRequestException,
  401: UnauthorizedException,
  403: ForbiddenException,
  500: InternalServerErrorException,
  503: ServiceUnavailableException,
};

/**
 * Turns a tollgate error into the Nest HTTP exception for its status
 * (`UnauthorizedException`, `ForbiddenException`, `BadRequestException`,
 * `ServiceUnavailableException`, …) with the core's body
 * `{ error, error_description, code }`. The original error is the exception's
 * `cause`; the headers to send (challenges, `Retry-After`, `DPoP-Nonce`) are
 * returned next to it — the guard sets them on the response before throwing.
 *
 * @example
 * const { exception, headers } = toHttpException(err, { realm: 'orders' });
 */
export function toHttpException(
  error: AnyTollgateError,
  context: ResponseContext = {},
): { exception: HttpException; headers: ErrorResponse['headers'] } {
  return exceptionFor(error, errorResponse(error, context));
}

/** The Nest exception for an answer the core already built. */
export function exceptionFor(
  error: AnyTollgateError,
  { status, headers, body }: ErrorResponse,
): { exception: HttpException; headers: ErrorResponse['headers'] } {
  const Exception = EXCEPTIONS[status];
  const exception =
    Exception === undefined ? new HttpException(body, status, { cause: error }) : new Exception(body, { cause: error });
  return { exception, headers };
}
/** Sets headers on an Express response, a Fastify reply or a bare `ServerResponse`. */
export function setResponseHeaders(response: unknown, headers: ErrorResponse['headers']): void {
  if (typeof response !== 'object' || response === null) return;
  const res = response as { header?: unknown; setHeader?: unknown; headersSent?: boolean; sent?: boolean };
  if (res.headersSent === true || res.sent === true) return;
  for (const [name, value] of Object.entries(headers)) {
    // Express `res.header` and Fastify `reply.header` share one signature; Node's `setHeader` is the fallback.
    if (typeof res.header === 'function') (res.header as (n: string, v: string) => unknown).call(res, name, value);
    else if (typeof res.setHeader === 'function')
      (res.setHeader as (n: string, v: string) => unknown).call(res, name, value);
  }
}
