// NestJS apps: one GET /orders route behind a global guard, on platform-express here and on
// platform-fastify in nest-fastify.mjs (same module, controller and guards; only the adapter differs).
// Plain .mjs, so decorators are applied as functions.
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, UnauthorizedException } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { TollgateGuard, TollgateModule, TOLLGATE_VERIFIER } from '@tollgate/nestjs';
import jwksRsa from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { tollgateOptions } from '../contenders/tollgate.mjs';
import { floorCheck } from './floor-check.mjs';

export const MODES = ['none', 'floor', 'tollgate', 'tollgate-cache', 'passport-jwt'];

function controller(subOf) {
  class OrdersController {
    list(req) {
      return { ok: true, sub: subOf(req) };
    }
  }
  Req()(OrdersController.prototype, 'list', 0);
  Get()(OrdersController.prototype, 'list', Object.getOwnPropertyDescriptor(OrdersController.prototype, 'list'));
  Controller('orders')(OrdersController);
  return OrdersController;
}

/**
 * The app for one mode on the given HTTP adapter; without one, Nest's default platform-express.
 * The guards put what they verified on the request object Nest hands them, and `@Req()` gets that
 * same object (Express's request, or Fastify's request on platform-fastify), so `subOf` reads it either way.
 */
export async function buildNest(mode, ctx, adapter) {
  const imports = [];
  const providers = [];
  let subOf = () => null;
  if (mode === 'floor') {
    const check = floorCheck(ctx);
    class FloorGuard {
      canActivate(context) {
        const req = context.switchToHttp().getRequest();
        const claims = check(req.headers.authorization);
        if (claims === undefined) throw new UnauthorizedException();
        req.auth = claims;
        return true;
      }
    }
    Injectable()(FloorGuard);
    providers.push({ provide: APP_GUARD, useClass: FloorGuard });
    subOf = (req) => req.auth.sub;
  } else if (mode === 'tollgate' || mode === 'tollgate-cache') {
    imports.push(
      TollgateModule.forRoot({ verifier: tollgateOptions(ctx, mode === 'tollgate-cache' ? { tokenCache: true } : {}) }),
    );
    providers.push({ provide: APP_GUARD, useClass: TollgateGuard });
    subOf = (req) => req.auth.claims.sub;
  } else if (mode === 'passport-jwt') {
    // The @nestjs/passport + passport-jwt + jwks-rsa recipe.
    class JwtStrategy extends PassportStrategy(Strategy) {
      constructor() {
        super({
          secretOrKeyProvider: jwksRsa.passportJwtSecret({
            cache: true,
            rateLimit: true,
            jwksRequestsPerMinute: 5,
            jwksUri: ctx.jwksUri,
          }),
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
          audience: ctx.audience,
          issuer: ctx.issuer,
          algorithms: [ctx.alg],
        });
      }
      validate(payload) {
        return payload;
      }
    }
    Injectable()(JwtStrategy);
    imports.push(PassportModule);
    providers.push(JwtStrategy, { provide: APP_GUARD, useClass: AuthGuard('jwt') });
    subOf = (req) => req.user.sub;
  } else if (mode !== 'none') {
    throw new Error(`nest: unknown mode ${mode}`);
  }
  class AppModule {}
  Module({ imports, controllers: [controller(subOf)], providers })(AppModule);
  const app =
    adapter === undefined
      ? await NestFactory.create(AppModule, { logger: false })
      : await NestFactory.create(AppModule, adapter, { logger: false });
  let verifier;
  if (mode === 'tollgate' || mode === 'tollgate-cache') {
    verifier = app.get(TOLLGATE_VERIFIER);
    await verifier.ready();
  }
  return { app, verifier };
}

export function build(mode, ctx) {
  return buildNest(mode, ctx);
}
