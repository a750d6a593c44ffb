import { Inject, Injectable, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ConfigError,
  isTollgateError,
  requireScopes,
  type AuthCheck,
  type DpopMode,
  type RequestAuth,
  type Verifier,
} from '@tollgate/core';
import type { Gate, RouteOptions } from '@tollgate/core/adapter';
import { AuthLevelMetadata, DpopMetadata, Public, ScopesMetadata } from './decorators.js';
import { exceptionFor, setResponseHeaders } from './http-exception.js';
import { TOLLGATE_GATE } from './module-definition.js';
import { requestFacts, type TollgateRequest } from './request.js';

/** What a route asks for: nothing (public), or a valid token passing `checks`, under its DPoP mode. */
type RouteRule =
  | { readonly public: true }
  | { readonly public: false; readonly checks: readonly AuthCheck[]; readonly route: RouteOptions | undefined };

/** One scope check per `@Scopes()` declaration, built on first use. */
const scopeChecks = new WeakMap<readonly string[], AuthCheck>();

function scopeCheck(scopes: readonly string[]): AuthCheck {
  let check = scopeChecks.get(scopes);
  if (check === undefined) scopeChecks.set(scopes, (check = requireScopes(...scopes)));
  return check;
}

/**
 * Verifies the token of every request it guards (Bearer, or DPoP when the module's `dpop` allows
 * it), puts the result on `request.auth` (read it with `@Auth()`), and enforces `@Scopes()`,
 * `@AuthLevel()` and `@Dpop()`. Routes marked `@Public()` pass untouched. Refusals are Nest HTTP
 * exceptions with the core's body; `WWW-Authenticate`, `Retry-After` and `DPoP-Nonce` are set on
 * the response first, so the default and custom exception filters both send them.
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
   * @param gate the module's request gate: its verifier and the module options as checked once
   *   by `TollgateModule`; the guard never re-checks them.
   */
  /** The rule of each route handler, with the controller it was read for (a handler may be inherited by several). */
  private readonly rules = new WeakMap<object, { readonly controller: Type; readonly rule: RouteRule }>();

  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(TOLLGATE_GATE) protected readonly gate: Gate,
  ) {}

  /** The module's verifier. */
  protected get verifier(): Verifier {
    return this.gate.verifier;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rule = this.routeRule(context);
    if (rule.public) return true;
    const request = this.getRequest(context);
    let outcome: RequestAuth | undefined | Promise<RequestAuth | undefined>;
    try {
      outcome = this.gate.authenticate(requestFacts(request), rule.route);
    } catch (error) {
      return this.handleError(error, context, { route: rule.route });
    }
    // Fresh keys and no async check: no promise at all, as for a plain guard.
    if (outcome instanceof Promise) {
      return outcome.then(
        (auth) => this.admit(context, request, rule, auth),
        (error: unknown) => this.handleError(error, context, { route: rule.route }),
      );
    }
    return this.admit(context, request, rule, outcome);
  }

  /** Attaches the token, then runs the route's checks (`@Scopes()`, `@AuthLevel()`), synchronously while they are. */
  private admit(
    context: ExecutionContext,
    request: TollgateRequest,
    rule: RouteRule & { public: false },
    auth: RequestAuth | undefined,
  ): boolean | Promise<boolean> {
    request.auth = auth;
    const headers = this.gate.successHeaders(auth);
    if (headers !== undefined) setResponseHeaders(this.getResponse(context), headers);
    const { checks } = rule;
    for (let i = 0; i < checks.length; i++) {
      let result: void | Promise<void>;
      try {
        result = checks[i]!(auth);
      } catch (error) {
        return this.handleError(error, context, { auth, route: rule.route });
      }
      if (result instanceof Promise) {
        const rest = checks.slice(i + 1);
        return result
          .then(async () => {
            for (const check of rest) await check(auth);
            return true;
          })
          .catch((error: unknown) => this.handleError(error, context, { auth, route: rule.route }));
      }
    }
    return true;
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
   * Reports a refusal. Default: sets the core's headers (challenges, `Retry-After`,
   * `DPoP-Nonce`) on the response and throws the matching Nest HTTP exception (its `cause` is
   * the `TollgateError`); errors that are not tollgate's are rethrown unchanged. Return `true`
   * to let the request through.
   */
  protected handleError(
    error: unknown,
    context: ExecutionContext,
    where: { auth?: RequestAuth | undefined; route?: RouteOptions | undefined } = {},
  ): boolean {
    if (!isTollgateError(error)) throw error;
    const { exception, headers } = exceptionFor(error, this.gate.respond(error, where));
    setResponseHeaders(this.getResponse(context), headers);
    throw exception;
  }

  /**
   * The most specific declaration wins: the handler's `@Scopes()`/`@Public()` before the
   * controller's, and `@Scopes()` before `@Public()` on one target. `@Public(false)` guards as
   * usual. `@AuthLevel()` and `@Dpop()` are read the same way, handler first.
   */
  private routeRule(context: ExecutionContext): RouteRule {
    // Decorators are read once per route: metadata is fixed once the application is built, and
    // reading it on every request (arrays, reflector look-ups) costs more than the guard itself.
    const handler = context.getHandler();
    const controller = context.getClass();
    const known = this.rules.get(handler);
    if (known !== undefined && known.controller === controller) return known.rule;
    const rule = this.readRouteRule(handler, controller);
    this.rules.set(handler, { controller, rule });
    return rule;
  }

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what ExecutionContext.getHandler() returns
  private readRouteRule(handler: Function, controller: Type): RouteRule {
    const targets = [handler, controller];
    let scopes: AuthCheck | undefined;
    for (const target of targets) {
      const declared = this.reflector.get(ScopesMetadata, target);
      if (declared !== undefined) {
        scopes = scopeCheck(declared);
        break;
      }
      const isPublic = this.reflector.get(Public, target);
      if (isPublic === true) return { public: true };
      if (isPublic === false) break;
    }
    const level = this.reflector.getAllAndOverride(AuthLevelMetadata, targets);
    const dpop = this.reflector.getAllAndOverride(DpopMetadata, targets);
    const checks = [scopes, level].filter((check): check is AuthCheck => check !== undefined);
    return { public: false, checks, route: dpop === undefined ? undefined : this.routeOptions(dpop) };
  }

  private routeOptions(dpop: DpopMode): RouteOptions {
    // A route that asks for DPoP where the module cannot check proofs must not quietly take bearer tokens.
    if (dpop !== 'off' && this.gate.options.dpop === null) {
      throw new ConfigError(
        `@Dpop('${dpop}') needs TollgateModule's dpop option with an origin, e.g. { dpop: { mode: 'off', origin: 'https://api.example.com' } }.`,
        ['dpop.origin'],
      );
    }
    return { dpop };
  }
}
