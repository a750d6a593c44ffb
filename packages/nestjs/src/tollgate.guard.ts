import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isTollgateError, requireScopes, type AuthCheck, type Verifier } from '@tollgate/core';
import { authenticate } from '@tollgate/core/adapter';
import { Public, ScopesMetadata } from './decorators.js';
import { setResponseHeaders, toHttpException } from './http-exception.js';
import { TOLLGATE_RESOLVED_OPTIONS, TOLLGATE_VERIFIER } from './module-definition.js';
import type { ResolvedTollgateOptions } from './options.js';
import { tokenRequestParts, type TollgateRequest } from './request.js';

/** What a route asks for: nothing (public), or a valid token passing `check` (none: any valid token). */
type RouteRule = { readonly public: true } | { readonly public: false; readonly check: AuthCheck | undefined };

/** One scope check per `@Scopes()` declaration, built on first use. */
const scopeChecks = new WeakMap<readonly string[], AuthCheck>();

function scopeCheck(scopes: readonly string[]): AuthCheck {
  let check = scopeChecks.get(scopes);
  if (check === undefined) scopeChecks.set(scopes, (check = requireScopes(...scopes)));
  return check;
}

/**
 * Verifies the bearer token of every request it guards, puts the result on
 * `request.auth` (read it with `@Auth()`), and enforces `@Scopes()`. Routes
 * marked `@Public()` pass untouched. Refusals are Nest HTTP exceptions with the
 * core's RFC 6750 body; `WWW-Authenticate` / `Retry-After` are set on the
 * response first, so the default and custom exception filters both send them.
 *
 * Override `getRequest`/`getResponse` for other transports (e.g. GraphQL) and
 * `handleError` to change how refusals are reported.
 *
 * @example
 * // globally
 * providers: [{ provide: APP_GUARD, useClass: TollgateGuard }]
 * // or per controller / route
 * @UseGuards(TollgateGuard)
 */
@Injectable()
export class TollgateGuard implements CanActivate {
  /**
   * @param options the module options as checked once by `TollgateModule` (realm,
   *   credentialsOptional, locations with their defaults); the guard never re-checks them.
   */
  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(TOLLGATE_VERIFIER) protected readonly verifier: Verifier,
    @Inject(TOLLGATE_RESOLVED_OPTIONS) protected readonly options: ResolvedTollgateOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.routeRule(context);
    if (rule.public) return true;
    const request = this.getRequest(context);
    try {
      const auth = await authenticate(this.verifier, tokenRequestParts(request), this.options);
      request.auth = auth;
      if (rule.check !== undefined) await rule.check(auth);
      return true;
    } catch (error) {
      return this.handleError(error, context);
    }
  }

  /** The request to read the token from and attach `auth` to. Default: the HTTP request (Express or Fastify). */
  protected getRequest(context: ExecutionContext): TollgateRequest {
    return context.switchToHttp().getRequest<TollgateRequest>();
  }

  /** The response to set challenge headers on. Default: the HTTP response (Express) or reply (Fastify). */
  protected getResponse(context: ExecutionContext): unknown {
    return context.switchToHttp().getResponse<unknown>();
  }

  /**
   * Reports a refusal. Default: sets the RFC 6750 headers on the response and throws
   * the matching Nest HTTP exception (its `cause` is the `TollgateError`); errors that
   * are not tollgate's are rethrown unchanged. Return `true` to let the request through.
   */
  protected handleError(error: unknown, context: ExecutionContext): boolean {
    if (!isTollgateError(error)) throw error;
    const { exception, headers } = toHttpException(error, { realm: this.options.realm });
    setResponseHeaders(this.getResponse(context), headers);
    throw exception;
  }

  /**
   * The most specific declaration wins: the handler's `@Scopes()`/`@Public()` before the
   * controller's, and `@Scopes()` before `@Public()` on one target. `@Public(false)` guards as usual.
   */
  private routeRule(context: ExecutionContext): RouteRule {
    for (const target of [context.getHandler(), context.getClass()]) {
      const scopes = this.reflector.get(ScopesMetadata, target);
      if (scopes !== undefined) return { public: false, check: scopeCheck(scopes) };
      const isPublic = this.reflector.get(Public, target);
      if (isPublic !== undefined) return isPublic ? { public: true } : { public: false, check: undefined };
    }
    return { public: false, check: undefined };
  }
}

