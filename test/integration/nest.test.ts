// The NestJS team from the brief: a global TollgateGuard, a @Public() health check, @Scopes() on
// controllers, @Auth() in handlers — a real Nest application on each platform, over real HTTP,
// against a real @tollgate/issuer.
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Post, RequestMethod, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { APP_GUARD } from '@nestjs/core';
import {
  Auth,
  AuthLevel,
  Public,
  Scopes,
  TollgateGuard,
  TollgateModule,
  type JwtClaims,
  type VerifiedToken,
} from '@tollgate/nestjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootNest, PLATFORMS, rawGet } from '../fixtures/nest-support/index.js';
import { startIssuer, type TestIssuer } from '../support/issuer.js';
import { describeResourceScenarios, STEP_UP, type ServeResourceApp } from '../support/resource-scenarios.js';

const nowSec = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

@Public()
@Controller('health')
class HealthController {
  @Get()
  health() {
    return { ok: true };
  }

  @Public(false)
  @Get('details')
  details(@Auth('claims') claims: JwtClaims) {
    return { ok: true, for: claims.sub };
  }

  @Scopes('ops:read')
  @Get('metrics')
  metrics() {
    return { requests: 0 };
  }
}

@Scopes('orders:read')
@Controller('orders')
class OrdersController {
  @Get()
  list(@Auth('claims') claims: JwtClaims) {
    return { sub: claims.sub, scope: claims.scope };
  }

  @Scopes('orders:write')
  @Post()
  create(@Auth('claims') claims: JwtClaims) {
    return { created: true, by: claims.sub };
  }

  @Public()
  @Get('catalog')
  catalog(@Auth() auth: VerifiedToken | undefined) {
    return { catalog: [], auth: auth ?? null };
  }
}

@Controller('me')
class MeController {
  @Get()
  me(@Auth() auth: VerifiedToken<{ sub: string }>) {
    return { sub: auth.claims.sub, alg: auth.alg, keySource: auth.keySource, issuer: auth.issuer, kid: auth.kid };
  }
}

function appModule(idp: TestIssuer) {
  @Module({
    imports: [
      TollgateModule.forRoot({ verifier: { issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] } }),
    ],
    controllers: [HealthController, OrdersController, MeController],
    providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('NestJS global guard on platform-$platform', ({ adapter }) => {
  let idp: TestIssuer;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    idp = await startIssuer();
    ({ app, url } = await bootNest(appModule(idp), adapter()));
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('lets a @Public() health route through without a token, and ignores a bad one there', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect((await fetch(`${url}/health`, { headers: bearer('not-a-jwt') })).status).toBe(200);
  });

  it('answers a request without a token with 401 and a challenge without an error code', async () => {
    const res = await fetch(`${url}/orders`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(await res.json()).toEqual({
      error: 'unauthorized',
      error_description: 'Authentication is required.',
      code: 'ERR_TOKEN_MISSING',
    });
  });

  it('treats another scheme (Basic) as no token', async () => {
    const res = await fetch(`${url}/orders`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
  });

  it('accepts a valid token and hands its claims to the handler through @Auth()', async () => {
    const res = await fetch(`${url}/orders`, { headers: bearer(await idp.mintToken({ sub: 'alice' })) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'alice', scope: 'orders:read orders:write' });
  });

  it('hands the whole VerifiedToken to @Auth()', async () => {
    const token = await idp.mintToken({ sub: 'bob' });
    const kid = (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    const res = await fetch(`${url}/me`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'bob', alg: 'RS256', keySource: 'jwks', issuer: idp.issuerUrl, kid });
  });

  it('refuses a token without the controller scope with 403 insufficient_scope naming it', async () => {
    const res = await fetch(`${url}/orders`, { headers: bearer(await idp.mintToken({ scope: 'orders:write' })) });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The token lacks the scope(s): orders:read.", scope="orders:read"',
    );
    expect(await res.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The token lacks the scope(s): orders:read.',
      code: 'ERR_CLAIM_SCOPE_INSUFFICIENT',
    });
  });

  it('lets a handler @Scopes() replace the controller one', async () => {
    const readOnly = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: bearer(await idp.mintToken({ scope: 'orders:read' })),
    });
    expect(readOnly.status).toBe(403);
    expect(readOnly.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The token lacks the scope(s): orders:write.", scope="orders:write"',
    );
    const writeOnly = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: bearer(await idp.mintToken({ sub: 'carol', scope: 'orders:write' })),
    });
    expect(writeOnly.status).toBe(201);
    expect(await writeOnly.json()).toEqual({ created: true, by: 'carol' });
  });

  it('reads scopes from an scp array too', async () => {
    const res = await fetch(`${url}/orders`, {
      headers: bearer(await idp.mintToken({ scope: undefined, scp: ['orders:read'] })),
    });
    expect(res.status).toBe(200);
  });

  it('lets the most specific declaration win: @Public() handler in a scoped controller, @Public(false) handler in a public one', async () => {
    const catalog = await fetch(`${url}/orders/catalog`);
    expect(catalog.status).toBe(200);
    expect(await catalog.json()).toEqual({ catalog: [], auth: null });

    const details = await fetch(`${url}/health/details`);
    expect(details.status).toBe(401);
    expect(details.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    const withToken = await fetch(`${url}/health/details`, {
      headers: bearer(await idp.mintToken({ scope: undefined })),
    });
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toEqual({ ok: true, for: 'test-user' });

    expect((await fetch(`${url}/health/metrics`)).status).toBe(401);
    const noScope = await fetch(`${url}/health/metrics`, { headers: bearer(await idp.mintToken()) });
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('www-authenticate')).toMatch(/, scope="ops:read"$/);
    expect(
      (await fetch(`${url}/health/metrics`, { headers: bearer(await idp.mintToken({ scope: 'ops:read' })) })).status,
    ).toBe(200);
  });

  it('refuses an expired token with 401 invalid_token', async () => {
    const res = await fetch(`${url}/orders`, {
      headers: bearer(await idp.mintToken({ iat: nowSec() - 3600, exp: nowSec() - 600 })),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="Token has expired; obtain a new one."',
    );
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Token has expired; obtain a new one.',
      code: 'ERR_CLAIM_EXPIRED',
    });
  });

  it('refuses a token signed by another key under the real kid (forged) with 401 invalid_token', async () => {
    const kid = (await idp.issuer.keys()).find((k) => k.status === 'active')?.kid;
    expect(kid).toBeTypeOf('string');
    const attacker = await startIssuer();
    try {
      const forged = await attacker.mintToken({ iss: idp.issuerUrl, aud: idp.audience }, { header: { kid } });
      const res = await fetch(`${url}/orders`, { headers: bearer(forged) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token", error_description="Token signature does not verify; the token was altered or signed by another key."',
      );
      expect(((await res.json()) as { code: string }).code).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    } finally {
      await attacker.close();
    }
  });

  it('refuses an altered token (payload changed after signing)', async () => {
    const [h, , s] = (await idp.mintToken({ scope: 'orders:write' })).split('.');
    const payload = Buffer.from(
      JSON.stringify({
        iss: idp.issuerUrl,
        aud: idp.audience,
        sub: 'mallory',
        exp: nowSec() + 600,
        scope: 'orders:read',
      }),
    ).toString('base64url');
    const res = await fetch(`${url}/orders`, { headers: bearer(`${h}.${payload}.${s}`) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('ERR_TOKEN_SIGNATURE_INVALID');
  });

  it('refuses an HS256 token when the HS256 migration is not configured', async () => {
    const hs = await idp.mintToken({}, { alg: 'HS256', secret: 'a-shared-secret-of-at-least-32-bytes!!' });
    const res = await fetch(`${url}/orders`, { headers: bearer(hs) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="Token algorithm \\"HS256\\" is not allowed for this issuer."',
    );
    expect(((await res.json()) as { code: string }).code).toBe('ERR_ALG_NOT_ALLOWED');
  });

  it('refuses an unsigned (alg none) token', async () => {
    const res = await fetch(`${url}/orders`, { headers: bearer(await idp.mintToken({}, { alg: 'none' })) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="api", error="invalid_token", error_description="/,
    );
  });

  it('answers a malformed Authorization header with 400 invalid_request', async () => {
    const res = await fetch(`${url}/orders`, { headers: { authorization: 'Bearer two tokens' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_request", error_description="The Authorization header is malformed; use \\"Bearer <token>\\"."',
    );
    expect(((await res.json()) as { code: string }).code).toBe('ERR_TOKEN_REQUEST_INVALID');
  });

  it('refuses a repeated Authorization header instead of picking one (400 invalid_request)', async () => {
    const token = await idp.mintToken();
    const once = await rawGet(url, '/orders', [`Authorization: Bearer ${token}`]);
    expect(once.status).toBe(200);
    const twice = await rawGet(url, '/orders', [`Authorization: Bearer ${token}`, `Authorization: Bearer ${token}`]);
    expect(twice.status).toBe(400);
    expect(twice.head).toMatch(
      /^www-authenticate: Bearer realm="api", error="invalid_request", error_description="The request carries 2 Authorization headers; send exactly one."$/im,
    );
  });
});

@Controller()
class ResourceController {
  @Get('me')
  me(@Auth('claims') claims: JwtClaims) {
    return { sub: claims.sub };
  }

  @AuthLevel(STEP_UP)
  @Get('step-up')
  stepUp(@Auth('claims') claims: JwtClaims) {
    return { sub: claims.sub, acr: claims.acr };
  }
}

// The metadata route is registered by the module in both forms: forRootAsync resolves its factory first.
for (const { platform, adapter } of PLATFORMS) {
  for (const form of ['forRoot', 'forRootAsync'] as const) {
    const serve: ServeResourceApp = async (verifier, options) => {
      const tollgate =
        form === 'forRoot'
          ? TollgateModule.forRoot({ verifier, ...options })
          : TollgateModule.forRootAsync({ useFactory: () => Promise.resolve({ verifier, ...options }) });
      @Module({
        imports: [tollgate],
        controllers: [ResourceController],
        providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
      })
      class ResourceModule {}
      const { app, url } = await bootNest(ResourceModule, adapter());
      return { url, close: () => app.close() };
    };
    describeResourceScenarios(`nest ${form} on platform-${platform}`, serve);
  }
}

describe.each(PLATFORMS)('NestJS metadata with a global prefix on platform-$platform', ({ adapter }) => {
  it('is served at the host root once the well-known path is excluded from the prefix', async () => {
    @Module({
      imports: [
        TollgateModule.forRoot({
          verifier: {
            resource: 'https://orders.example/api',
            jwksUri: 'https://orders.example/jwks',
            algorithms: ['RS256'],
          },
        }),
      ],
      controllers: [ResourceController],
      providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
    })
    class PrefixedModule {}
    const moduleRef = await Test.createTestingModule({ imports: [PrefixedModule] }).compile();
    const app = moduleRef.createNestApplication(adapter(), { logger: false, forceCloseConnections: true });
    app.setGlobalPrefix('v1', {
      exclude: [{ path: '.well-known/oauth-protected-resource/api', method: RequestMethod.ALL }],
    });
    await app.listen(0, '127.0.0.1');
    try {
      const url = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
      const res = await fetch(`${url}/.well-known/oauth-protected-resource/api`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        resource: 'https://orders.example/api',
        bearer_methods_supported: ['header'],
      });
      expect((await fetch(`${url}/v1/me`)).headers.get('www-authenticate')).toBe(
        'Bearer realm="api", resource_metadata="https://orders.example/.well-known/oauth-protected-resource/api"',
      );
    } finally {
      await app.close();
    }
  });
});
