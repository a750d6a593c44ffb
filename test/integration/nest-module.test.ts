// TollgateModule beyond the global guard: forRootAsync with ConfigService, the HS256 migration,
// @UseGuards per controller with optional credentials, a custom exception filter, the Verifier
// injected into a service, and 503 when keys are unavailable — on express and fastify.
import 'reflect-metadata';
import {
  Catch,
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  UnauthorizedException,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import {
  Auth,
  InjectVerifier,
  isTollgateError,
  Scopes,
  TOLLGATE_VERIFIER,
  TollgateGuard,
  TollgateModule,
  type JwtClaims,
  type VerifiedToken,
  type Verifier,
} from '@tollgate/nestjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bootNest, PLATFORMS } from '../fixtures/nest-support/index.js';
import { startIssuer, type TestIssuer } from '../support/issuer.js';

const HS256_SECRET = 'migration-secret-shared-by-old-services-0123456789';
const nowSec = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

@Controller('orders')
class OrdersController {
  @Scopes('orders:read')
  @Get()
  list(@Auth() auth: VerifiedToken) {
    return { sub: auth.claims.sub, alg: auth.alg, keySource: auth.keySource };
  }
}

describe.each(PLATFORMS)('TollgateModule.forRootAsync with ConfigService on platform-$platform', ({ adapter }) => {
  let idp: TestIssuer;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    idp = await startIssuer({ defaultTenant: { hs256Secret: HS256_SECRET } });
    const config = () => ({
      AUTH_ISSUER: idp.issuerUrl,
      AUTH_AUDIENCE: idp.audience,
      AUTH_HS256_SECRETS: HS256_SECRET,
      AUTH_REALM: 'orders',
    });

    @Module({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [config] }),
        TollgateModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (cfg: ConfigService) => ({
            verifier: {
              issuer: cfg.getOrThrow<string>('AUTH_ISSUER'),
              audience: cfg.getOrThrow<string>('AUTH_AUDIENCE'),
              // Mid-migration: old HS256 tokens and new RS256 tokens are both accepted.
              algorithms: ['RS256', 'HS256'],
              hs256: { secrets: cfg.getOrThrow<string>('AUTH_HS256_SECRETS').split(',') },
            },
            realm: cfg.get<string>('AUTH_REALM'),
          }),
        }),
      ],
      controllers: [OrdersController],
      providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
    })
    class AppModule {}
    ({ app, url } = await bootNest(AppModule, adapter()));
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('builds the verifier from ConfigService values and accepts RS256 tokens', async () => {
    const res = await fetch(`${url}/orders`, { headers: bearer(await idp.mintToken({ sub: 'rs-user' })) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'rs-user', alg: 'RS256', keySource: 'jwks' });
  });

  it('accepts HS256 tokens signed with a migration secret, and counts them', async () => {
    const verifier = app.get<Verifier>(TOLLGATE_VERIFIER);
    const before = verifier.stats().hs256.accepted;
    const res = await fetch(`${url}/orders`, {
      headers: bearer(await idp.mintToken({ sub: 'hs-user' }, { alg: 'HS256' })),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'hs-user', alg: 'HS256', keySource: 'secret' });
    expect(verifier.stats().hs256.accepted).toBe(before + 1);
  });

  it('refuses HS256 tokens signed with any other secret, in the configured realm', async () => {
    const res = await fetch(`${url}/orders`, {
      headers: bearer(await idp.mintToken({}, { alg: 'HS256', secret: 'not-the-migration-secret-but-long-enough!!' })),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="orders", error="invalid_token", error_description="Token signature does not verify; the token was altered or signed by another key."',
    );
  });

  it('refuses a missing token with the configured realm', async () => {
    const res = await fetch(`${url}/orders`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="orders"');
  });
});

/** Renders every HttpException its own way; records what it saw. */
@Catch(HttpException)
class ProblemFilter implements ExceptionFilter {
  static readonly seen: HttpException[] = [];
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: HttpException, host: ArgumentsHost): void {
    ProblemFilter.seen.push(exception);
    const body = {
      problem: exception.getResponse(),
      cause: isTollgateError(exception.cause) ? exception.cause.code : null,
    };
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, exception.getStatus());
  }
}

/** Verifies tokens outside HTTP (a queue consumer, say) with the module's verifier. */
@Injectable()
class MessageAuthenticator {
  constructor(@InjectVerifier() readonly verifier: Verifier) {}

  async senderOf(message: { token: string }): Promise<string> {
    const { claims } = await this.verifier.verify<{ sub: string }>(message.token);
    return claims.sub;
  }
}

@UseGuards(TollgateGuard)
@Controller('feed')
class FeedController {
  @Get()
  feed(@Auth('claims') claims: JwtClaims | undefined) {
    return claims === undefined ? { personalised: false } : { personalised: true, for: claims.sub };
  }

  @Scopes('feed:admin')
  @Get('admin')
  admin() {
    return { admin: true };
  }
}

@Controller('open')
class OpenController {
  @Get()
  open() {
    return { open: true };
  }
}

describe.each(PLATFORMS)(
  '@UseGuards(TollgateGuard) with optional credentials and an exception filter on platform-$platform',
  ({ adapter }) => {
    let idp: TestIssuer;
    let app: INestApplication;
    let url: string;

    beforeAll(async () => {
      idp = await startIssuer();
      @Module({
        imports: [
          TollgateModule.forRoot({
            verifier: { jwksUri: idp.jwksUri, issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] },
            credentialsOptional: true,
            realm: 'feed',
          }),
        ],
        controllers: [FeedController, OpenController],
        providers: [MessageAuthenticator, { provide: APP_FILTER, useClass: ProblemFilter }],
      })
      class AppModule {}
      ({ app, url } = await bootNest(AppModule, adapter()));
    });
    afterAll(async () => {
      await app?.close();
      await idp?.close();
    });
    afterEach(() => {
      ProblemFilter.seen.length = 0;
    });

    it('guards only the controllers that ask for it', async () => {
      expect((await fetch(`${url}/open`, { headers: bearer('garbage') })).status).toBe(200);
    });

    it('lets an anonymous request through when credentials are optional; @Auth() is undefined', async () => {
      const res = await fetch(`${url}/feed`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ personalised: false });
      const signedIn = await fetch(`${url}/feed`, { headers: bearer(await idp.mintToken({ sub: 'dana' })) });
      expect(await signedIn.json()).toEqual({ personalised: true, for: 'dana' });
    });

    it('still refuses a bad token; the custom filter renders the body and the challenge header still reaches the client', async () => {
      const res = await fetch(`${url}/feed`, {
        headers: bearer(await idp.mintToken({ iat: nowSec() - 3600, exp: nowSec() - 60 })),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="feed", error="invalid_token", error_description="Token has expired; obtain a new one."',
      );
      expect(await res.json()).toEqual({
        problem: {
          error: 'invalid_token',
          error_description: 'Token has expired; obtain a new one.',
          code: 'ERR_CLAIM_EXPIRED',
        },
        cause: 'ERR_CLAIM_EXPIRED',
      });
      expect(ProblemFilter.seen).toHaveLength(1);
      expect(ProblemFilter.seen[0]).toBeInstanceOf(UnauthorizedException);
    });

    it('requires a token for @Scopes() routes even when credentials are optional', async () => {
      const anonymous = await fetch(`${url}/feed/admin`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="feed"');
      const reader = await fetch(`${url}/feed/admin`, { headers: bearer(await idp.mintToken()) });
      expect(reader.status).toBe(403);
      expect(reader.headers.get('www-authenticate')).toBe(
        'Bearer realm="feed", error="insufficient_scope", error_description="The token lacks the scope(s): feed:admin.", scope="feed:admin"',
      );
      expect(await reader.json()).toMatchObject({ cause: 'ERR_CLAIM_SCOPE_INSUFFICIENT' });
      const admin = await fetch(`${url}/feed/admin`, { headers: bearer(await idp.mintToken({ scope: 'feed:admin' })) });
      expect(admin.status).toBe(200);
    });

    it('injects the one Verifier into services, for verification outside HTTP', async () => {
      const authenticator = app.get(MessageAuthenticator);
      expect(authenticator.verifier).toBe(app.get(TOLLGATE_VERIFIER));
      await expect(authenticator.senderOf({ token: await idp.mintToken({ sub: 'queue-producer' }) })).resolves.toBe(
        'queue-producer',
      );
      await expect(authenticator.senderOf({ token: 'x.y.z' })).rejects.toMatchObject({
        code: 'ERR_TOKEN_MALFORMED',
        status: 401,
      });
    });
  },
);

@UseGuards(TollgateGuard)
@Controller('probe')
class ProbeController {
  @Get()
  probe() {
    return { ok: true };
  }
}

describe.each(PLATFORMS)('keys unavailable on platform-$platform', ({ adapter }) => {
  let idp: TestIssuer;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    idp = await startIssuer();
    @Module({
      imports: [
        TollgateModule.forRoot({
          // A partner service: it knows only the JWKS URL.
          verifier: {
            jwksUri: idp.jwksUri,
            audience: idp.audience,
            algorithms: ['RS256'],
            jwks: { retryBaseMs: 6000, retryMaxMs: 6000 },
          },
        }),
      ],
      controllers: [ProbeController],
    })
    class AppModule {}
    ({ app, url } = await bootNest(AppModule, adapter()));
  });
  afterAll(async () => {
    idp?.issuer.faults.clear();
    await app?.close();
    await idp?.close();
  });

  it('answers a token with an unknown kid with 503 and Retry-After while the JWKS endpoint fails', async () => {
    const verifier = app.get<Verifier>(TOLLGATE_VERIFIER);
    await verifier.verify(await idp.mintToken()); // keys cached
    await idp.issuer.rotate(); // new tokens carry a kid the verifier has never seen
    idp.issuer.faults.inject({ endpoint: 'jwks', kind: 'status500' });
    // The retry delay has random jitter in [ceiling/2, ceiling]; pin it to the low end: 3 s.
    const token = await idp.mintToken();
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    const res = await fetch(`${url}/probe`, { headers: bearer(token) }).finally(() => random.mockRestore());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'Signing keys are temporarily unavailable; retry later.',
      code: 'ERR_JWKS_FETCH_FAILED',
    });
  });
});
