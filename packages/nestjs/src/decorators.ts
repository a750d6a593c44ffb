import { createParamDecorator, Inject, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ConfigError,
  requireAuthLevel,
  requireScopes,
  type AuthLevel as CoreAuthLevel,
  type DpopMode,
  type RequestAuth,
} from '@tollgate/core';
import { TOLLGATE_VERIFIER } from './module-definition.js';
import type { TollgateRequest } from './request.js';

/**
 * Exempts a route, or every route of a controller, from the `TollgateGuard`.
 * On a handler inside a public controller, `@Public(false)` puts the guard back
 * (a handler's `@Scopes()` does too).
 *
 * @example
 * @Public()
 * @Get('health')
 * health() { return { ok: true }; }
 */
// Fixed keys, not Nest's random ones: an ESM and a CJS copy of this package in one process still agree.
export const Public = Reflector.createDecorator<boolean | undefined, boolean>({
  key: 'tollgate:public',
  transform: (value) => value !== false,
});

/** Metadata written by `@Scopes()`: the scopes a route needs. */
export const ScopesMetadata = Reflector.createDecorator<readonly string[]>({ key: 'tollgate:scopes' });

/**
 * Requires every listed scope (from the token's `scope` or `scp` claim); a token without
 * them gets 403 `insufficient_scope` naming the scopes needed. On a handler it replaces
 * the controller's `@Scopes()`. At least one scope is required: an empty list throws a
 * `ConfigError` where the route is declared.
 *
 * @example
 * @Scopes('orders:read')
 * @Controller('orders')
 * export class OrdersController {
 *   @Scopes('orders:write') // this route needs orders:write (the controller's scope is replaced)
 *   @Post() create() {}
 * }
 */
export function Scopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  requireScopes(...scopes); // validates the list now, at declaration, not per request
  return ScopesMetadata(scopes);
}

/** Metadata written by `@Dpop()`: the DPoP mode of a route. */
export const DpopMetadata = Reflector.createDecorator<DpopMode>({ key: 'tollgate:dpop' });

/**
 * Sets the DPoP mode (RFC 9449) of a route or a controller, over the module's `dpop.mode`:
 * `'required'` refuses every Bearer request there. The module must configure `dpop.origin`;
 * without it such a route answers 500 rather than silently accept bearer tokens.
 *
 * @example
 * @Dpop('required')
 * @Controller('payments')
 * export class PaymentsController {}
 */
export function Dpop(mode: DpopMode): ClassDecorator & MethodDecorator {
  if (mode !== 'off' && mode !== 'allowed' && mode !== 'required')
    throw new ConfigError(`@Dpop() takes 'off', 'allowed' or 'required', got ${JSON.stringify(mode)}.`, ['mode']);
  return DpopMetadata(mode);
}

/** Metadata written by `@AuthLevel()`: the step-up check of a route. */
export const AuthLevelMetadata = Reflector.createDecorator<ReturnType<typeof requireAuthLevel>>({
  key: 'tollgate:auth-level',
});

/**
 * Requires a strong or recent enough login on a route or controller (RFC 9470 step-up): the
 * token's `acr`, `auth_time` within `maxAgeSec`, `amr`. A token that falls short gets 401
 * `insufficient_user_authentication` with `acr_values` / `max_age` in the challenge. Checked
 * after `@Scopes()`. The handler's declaration replaces the controller's.
 *
 * @example
 * @AuthLevel({ acr: 'urn:example:mfa', maxAgeSec: 300 })
 * @Post('transfer') transfer() {}
 */
export function AuthLevel(level: AuthLevelOptions): ClassDecorator & MethodDecorator {
  return AuthLevelMetadata(requireAuthLevel(level)); // validates the level now, at declaration
}

/** What `@AuthLevel()` takes. */
export type AuthLevelOptions = CoreAuthLevel;

/** What `@Auth(field)` can pick from the verified token. */
export type AuthField = keyof RequestAuth;

/**
 * Hands the verified token to a handler: `@Auth()` gives the `VerifiedToken`,
 * `@Auth('claims')` its claims (any other field by name). `undefined` on a public
 * route or an anonymous request when credentials are optional. Type the parameter
 * with your own claims: `VerifiedToken<MyClaims>` / `MyClaims`.
 *
 * @example
 * @Get('me')
 * me(@Auth('claims') claims: { sub: string; tenant: string }) { return claims.sub; }
 */
// Typed by hand: the inferred type names Nest 12-only types, which Nest 11 consumers cannot resolve.
export const Auth: (field?: AuthField, ...pipes: (Type<PipeTransform> | PipeTransform)[]) => ParameterDecorator =
  createParamDecorator<AuthField | undefined>((field: AuthField | undefined, context: ExecutionContext) => {
    const auth = context.switchToHttp().getRequest<TollgateRequest>().auth;
    return field === undefined ? auth : auth?.[field];
  });

/**
 * Injects the module's `Verifier`, e.g. to verify tokens outside HTTP (queues, WebSockets).
 *
 * @example
 * constructor(@InjectVerifier() private readonly verifier: Verifier) {}
 */
export function InjectVerifier(): PropertyDecorator & ParameterDecorator {
  return Inject(TOLLGATE_VERIFIER);
}
