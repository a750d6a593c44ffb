import 'reflect-metadata';
import {
  BadRequestException,
  ForbiddenException,
  type HttpException,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  Module,
  ServiceUnavailableException,
  UnauthorizedException,
  type ExecutionContext,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ClaimError,
  ConfigError,
  createVerifier,
  KeysUnavailableError,
  TokenError,
  type Verifier,
} from '@tollgate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TOLLGATE_RESOLVED_OPTIONS } from './module-definition.js';
import type { ResolvedTollgateOptions } from './options.js';
import {
  Public,
  Scopes,
  TOLLGATE_OPTIONS,
  TOLLGATE_VERIFIER,
  TollgateGuard,
  TollgateModule,
  toHttpException,
  type TollgateModuleOptions,
  type TollgateRequest,
} from './index.js';

// Port 9 (discard) on loopback: nothing listens, so a fetch fails at once without leaving the machine.
const UNREACHABLE = { jwksUri: 'http://127.0.0.1:9/jwks.json', audience: 'orders', algorithms: ['RS256'] } as const;

async function compile(options: TollgateModuleOptions, extra: { isGlobal?: boolean } = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [TollgateModule.forRoot({ ...options, ...extra })],
  }).compile();
  return moduleRef;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TollgateModule', () => {
  it('provides one verifier and the options under exported tokens', async () => {
    const moduleRef = await compile({ verifier: UNREACHABLE, realm: 'orders' });
    const verifier = moduleRef.get<Verifier>(TOLLGATE_VERIFIER);
    expect(typeof verifier.verify).toBe('function');
    expect(moduleRef.get(TOLLGATE_OPTIONS)).toEqual({ verifier: UNREACHABLE, realm: 'orders' });
    expect(TOLLGATE_OPTIONS).toBe('TOLLGATE_MODULE_OPTIONS');
    await moduleRef.close();
  });

  it('refuses verifier options passed flat, naming them, instead of falling back to the environment', async () => {
    const flat = { ...UNREACHABLE } as unknown as TollgateModuleOptions;
    const error = await compile(flat).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).options).toEqual(['jwksUri', 'audience', 'algorithms']);
    expect((error as ConfigError).message).toBe(
      'Invalid TollgateModule options:\n  - jwksUri, audience and algorithms are verifier options: pass them under `verifier`, as in TollgateModule.forRoot({ verifier: { issuer, audience, algorithms } }).',
    );
  });

  it('refuses unknown options, suggesting the closest name, and explains the Express/Koa options it does not take', async () => {
    const error = await compile({
      verifier: UNREACHABLE,
      credentialOptional: true,
      passErrors: true,
    } as unknown as TollgateModuleOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).options).toEqual(['passErrors', 'credentialOptional']);
    expect((error as ConfigError).message).toBe(
      [
        'Invalid TollgateModule options:',
        '  - passErrors is not taken by TollgateModule: the guard throws Nest HTTP exceptions, so handle refusals with an exception filter or by overriding TollgateGuard.handleError().',
        '  - credentialOptional is not a known option; did you mean credentialsOptional?',
      ].join('\n'),
    );
  });

  it('checks realm, credentialsOptional and locations like the other adapters, listing every problem', async () => {
    const bad = {
      verifier: UNREACHABLE,
      realm: 7,
      credentialsOptional: 'yes',
      locations: { cookie: '' },
    } as unknown as TollgateModuleOptions;
    const error = await compile(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).options).toEqual(['credentialsOptional', 'realm', 'locations.cookie']);
    expect((error as ConfigError).message).toMatch(/^Invalid TollgateModule options:/);
  });

  it('fails at start-up on verifier options that cannot work', async () => {
    await expect(
      compile({ verifier: { ...UNREACHABLE, algorithms: ['HS256'], hs256: { secrets: ['short'] } } }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('reads TOLLGATE_* variables when no verifier is given, naming every missing one', async () => {
    vi.stubEnv('TOLLGATE_ISSUER', '');
    vi.stubEnv('TOLLGATE_JWKS_URI', '');
    vi.stubEnv('TOLLGATE_AUDIENCE', '');
    const error = await compile({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).options).toEqual(['TOLLGATE_ISSUER', 'TOLLGATE_JWKS_URI', 'TOLLGATE_AUDIENCE']);

    vi.stubEnv('TOLLGATE_JWKS_URI', UNREACHABLE.jwksUri);
    vi.stubEnv('TOLLGATE_AUDIENCE', 'orders');
    const moduleRef = await compile({});
    expect(moduleRef.get<Verifier>(TOLLGATE_VERIFIER).health().sources[0]?.jwksUri).toBe(UNREACHABLE.jwksUri);
    await moduleRef.close();
  });

  it('closes the verifier it built on shutdown', async () => {
    const moduleRef = await compile({ verifier: UNREACHABLE });
    const verifier = moduleRef.get<Verifier>(TOLLGATE_VERIFIER);
    await moduleRef.close();
    await expect(verifier.verify('a.b.c')).rejects.toMatchObject({ code: 'ERR_VERIFIER_CLOSED' });
  });

  it('uses a verifier passed in as is and leaves closing it to its owner', async () => {
    const shared = createVerifier(UNREACHABLE);
    const moduleRef = await compile({ verifier: shared });
    expect(moduleRef.get(TOLLGATE_VERIFIER)).toBe(shared);
    await moduleRef.close();
    await expect(shared.verify('a.b.c')).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
    await shared.close();
  });

  it('does not fetch keys at start-up by default', async () => {
    const moduleRef = await compile({ verifier: UNREACHABLE });
    await moduleRef.init();
    expect(moduleRef.get<Verifier>(TOLLGATE_VERIFIER).stats().jwks.fetches).toBe(0);
    await moduleRef.close();
  });

  it("with warmOnStart, prefetches keys in the background and only logs a failure, through Nest's Logger: the app still boots", async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await compile({ verifier: UNREACHABLE, warmOnStart: true });
    await moduleRef.init();
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1), { timeout: 5000 });
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^tollgate: the JWKS could not be fetched: request to http:\/\/127\.0\.0\.1:9\/jwks\.json failed: ECONNREFUSED/,
    );
    expect(moduleRef.get<Verifier>(TOLLGATE_VERIFIER).stats().jwks.fetches).toBe(1);
    await moduleRef.close();
  });

  it('is global by default, so any module can inject the verifier; isGlobal: false scopes it', async () => {
    @Injectable()
    class Consumer {
      constructor(@Inject(TOLLGATE_VERIFIER) readonly verifier: Verifier) {}
    }
    @Module({ providers: [Consumer] })
    class FeatureModule {}

    const global = await Test.createTestingModule({
      imports: [TollgateModule.forRoot({ verifier: UNREACHABLE }), FeatureModule],
    }).compile();
    expect(global.get(Consumer).verifier).toBe(global.get(TOLLGATE_VERIFIER));
    await global.close();

    const scoped = Test.createTestingModule({
      imports: [TollgateModule.forRoot({ verifier: UNREACHABLE, isGlobal: false }), FeatureModule],
    }).compile();
    await expect(scoped).rejects.toThrow(/TOLLGATE_VERIFIER/);
  });
});

describe('toHttpException', () => {
  it('maps each status to the Nest exception of that name, with the RFC 6750 body and the error as cause', () => {
    const missing = new TokenError('ERR_TOKEN_MISSING', 'no token');
    const cases: [Error & { code: string }, new (...args: never[]) => HttpException, number][] = [
      [new TokenError('ERR_TOKEN_REQUEST_INVALID', 'two headers'), BadRequestException, 400],
      [missing, UnauthorizedException, 401],
      [
        new ClaimError('ERR_CLAIM_SCOPE_INSUFFICIENT', 'lacks a', {
          claim: 'scope',
          reason: 'insufficient',
          expected: ['a'],
        }),
        ForbiddenException,
        403,
      ],
      [new ConfigError('bad', ['x']), InternalServerErrorException, 500],
      [
        new KeysUnavailableError('ERR_JWKS_FETCH_FAILED', 'down', { retryAfterSec: 7 }),
        ServiceUnavailableException,
        503,
      ],
    ];
    for (const [error, Exception, status] of cases) {
      const { exception } = toHttpException(error as TokenError);
      expect(exception).toBeInstanceOf(Exception);
      expect(exception.getStatus()).toBe(status);
      expect(exception.cause).toBe(error);
      expect(exception.getResponse()).toMatchObject({ code: error.code });
    }
    expect(toHttpException(missing, { realm: 'r' }).headers).toEqual({ 'www-authenticate': 'Bearer realm="r"' });
    expect(toHttpException(cases[4]![0] as KeysUnavailableError).headers).toEqual({ 'retry-after': '7' });
  });
});

describe('decorators', () => {
  it('refuse @Scopes() without a scope where the route is declared', () => {
    expect(() => Scopes()).toThrow(ConfigError);
    expect(() => Scopes(' ')).toThrow('requireScopes() needs at least one scope.');
  });

  it('write metadata under fixed keys, readable without this package', () => {
    // `this: void`: the methods are only metadata keys here, read off the prototype, never called.
    class Target {
      @Public()
      open(this: void) {}
      @Public(false)
      closed(this: void) {}
      @Scopes('a', 'b c')
      scoped(this: void) {}
    }
    expect(Reflect.getMetadata('tollgate:public', Target.prototype.open)).toBe(true);
    expect(Reflect.getMetadata('tollgate:public', Target.prototype.closed)).toBe(false);
    expect(Reflect.getMetadata('tollgate:scopes', Target.prototype.scoped)).toEqual(['a', 'b c']);
  });
});

describe('TollgateGuard', () => {
  /** A minimal ExecutionContext, as another transport (GraphQL, say) would give one. */
  function contextFor(handler: () => unknown, cls: new () => unknown, args: unknown[]): ExecutionContext {
    return {
      getHandler: () => handler,
      getClass: () => cls,
      getArgs: () => args,
      getArgByIndex: (i: number) => args[i],
      getType: () => 'graphql',
      switchToHttp: () => ({ getRequest: () => args[0], getResponse: () => args[1], getNext: () => args[2] }),
    } as unknown as ExecutionContext;
  }

  // `this: void`: the guard reads the handlers' metadata, it never calls them.
  class Resolver {
    @Scopes('orders:read')
    orders(this: void) {}
    @Public()
    ping(this: void) {}
  }

  async function guardModule(guard: new (...args: never[]) => TollgateGuard, verifier: Verifier) {
    const moduleRef = await Test.createTestingModule({
      imports: [TollgateModule.forRoot({ verifier })],
      providers: [guard],
    }).compile();
    return moduleRef.get(guard);
  }

  it('can be subclassed to read another transport’s request; the DI metadata is inherited', async () => {
    @Injectable()
    class GqlGuard extends TollgateGuard {
      protected override getRequest(context: ExecutionContext): TollgateRequest {
        return (context.getArgs()[2] as { req: TollgateRequest }).req;
      }
      protected override getResponse(context: ExecutionContext): unknown {
        return (context.getArgs()[2] as { res: unknown }).res;
      }
    }
    const verified = { claims: { sub: 'gql', scope: 'orders:read' } };
    const verify = vi.fn(() => Promise.resolve(verified));
    const verifier = { verify, stats: () => ({}) } as unknown as Verifier;
    const guard = await guardModule(GqlGuard, verifier);

    const req: TollgateRequest & { headers: Record<string, string> } = {
      headers: { authorization: 'Bearer abc.def.ghi' },
    };
    await expect(
      guard.canActivate(contextFor(Resolver.prototype.orders, Resolver, [{}, {}, { req }, {}])),
    ).resolves.toBe(true);
    expect(verify).toHaveBeenCalledWith('abc.def.ghi');
    expect(req.auth).toEqual({ ...verified, binding: 'bearer' });

    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => (headers[name] = value) };
    expect(() =>
      guard.canActivate(contextFor(Resolver.prototype.orders, Resolver, [{}, {}, { req: { headers: {} }, res }, {}])),
    ).toThrow(UnauthorizedException);
    expect(headers).toEqual({ 'www-authenticate': 'Bearer realm="api"' });
    expect(guard.canActivate(contextFor(Resolver.prototype.ping, Resolver, [{}, {}, {}, {}]))).toBe(true);
  });

  it('reads the options the module checked once, with their defaults, rather than checking them itself', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TollgateModule.forRoot({ verifier: UNREACHABLE, realm: 'orders' })],
      providers: [TollgateGuard],
    }).compile();
    const resolved = moduleRef.get<ResolvedTollgateOptions>(TOLLGATE_RESOLVED_OPTIONS);
    expect(resolved).toEqual({
      credentialsOptional: false,
      locations: {},
      realm: 'orders',
      passErrors: false,
      onError: undefined,
      warmOnStart: false,
      dpop: null,
      mtls: { certificateHeader: undefined, configured: false },
      resourceMetadata: expect.objectContaining({ given: false, maxAgeSec: 3600 }),
      verifier: UNREACHABLE,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
    const guard: unknown = moduleRef.get(TollgateGuard);
    expect((guard as { gate: { options: unknown } }).gate.options).toBe(resolved);
    await moduleRef.close();
  });

  it('lets handleError be overridden, and rethrows errors that are not tollgate’s unchanged', async () => {
    @Injectable()
    class LenientGuard extends TollgateGuard {
      protected override handleError(error: unknown, context: ExecutionContext): boolean {
        if (error instanceof TokenError && error.code === 'ERR_TOKEN_MISSING') return false;
        return super.handleError(error, context);
      }
    }
    const bug = new TypeError('a bug in a custom claim check');
    const verifier = { verify: vi.fn(async () => Promise.reject(bug)), stats: () => ({}) } as unknown as Verifier;
    const guard = await guardModule(LenientGuard, verifier);
    const http = (headers: Record<string, string>) =>
      contextFor(Resolver.prototype.orders, Resolver, [{ headers }, {}]);
    expect(guard.canActivate(http({}))).toBe(false);
    await expect(guard.canActivate(http({ authorization: 'Bearer a.b.c' }))).rejects.toBe(bug);
  });
});
