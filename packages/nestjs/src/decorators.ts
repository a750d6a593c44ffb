import { createParamDecorator, Inject, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { VerifiedToken } from '@tollgate/core';
import { TOLLGATE_VERIFIER } from './module-definition.js';
import type { TollgateRequest } from './request.js';

/**
 * Exempts a route, or every route of a controller, from the `TollgateGuard`.
 * A `@Scopes()` on a handler still protects that handler inside a public controller.
 *
 * @example
 * @Public()
 * @Get('health')
 * health() { return { ok: true }; }
 */
export const Public = Reflector.createDecorator<void, true>({ transform: () => true });

/** Metadata written by `@Scopes()`: the scopes a route needs. */
export const ScopesMetadata = Reflector.createDecorator<readonly string[]>();

/**
 * Requires every listed scope (from the token's `scope` or `scp` claim); a token without
 * them gets 403 `insufficient_scope` naming the scopes needed. On a handler it replaces
 * the controller's `@Scopes()`. With no arguments it only requires a valid token.
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
  return ScopesMetadata(scopes);
}

/** What `@Auth(field)` can pick from the verified token. */
export type AuthField = keyof VerifiedToken;

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
export const Auth = createParamDecorator<AuthField | undefined>((field: AuthField | undefined, context: ExecutionContext) => {
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
