// The three services under load: real Express, Koa and NestJS (platform-express) apps on
// 127.0.0.1:0, each mounting its adapter's public API exactly as the READMEs show. Every
// service builds its own verifier from the same options, as separate deployments would: each
// has its own key cache and fetches the JWKS itself, so JWKS request counts are per service.
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { DpopOptions, Verifier, VerifierOptions } from '@tollgate/core';
import { verify as expressVerify } from '@tollgate/express';
import { verify as koaVerify } from '@tollgate/koa';
import { TOLLGATE_VERIFIER, TollgateGuard, TollgateModule } from '@tollgate/nestjs';
import express from 'express';
import Koa from 'koa';
import { listen, START_TIMEOUT_MS, withTimeout } from '../../support/issuer.js';
import { nodeListener } from '../../support/node-listener.js';

export type ServiceName = 'express' | 'koa' | 'nestjs';
export const SERVICE_NAMES: readonly ServiceName[] = ['express', 'koa', 'nestjs'];

/** One running service: where it listens and the verifier behind its middleware or guard. */
export interface Service {
  readonly name: ServiceName;
  /** `http://127.0.0.1:<port>`; the protected route is `GET /orders`. */
  readonly url: string;
  readonly verifier: Verifier;
  /** The verifier's key events (fetches, keys added/removed), for failure reports. */
  readonly timeline: readonly TimelineEntry[];
  close(): Promise<void>;
}

/** One verifier event; `at` is `performance.now()`. */
export interface TimelineEntry {
  readonly at: number;
  readonly event: string;
}

/** Keeps the last key events of a verifier: cheap (a few per second at most) and bounded. */
function recordTimeline(verifier: Verifier): TimelineEntry[] {
  const timeline: TimelineEntry[] = [];
  const add = (event: string) => {
    timeline.push({ at: performance.now(), event });
    if (timeline.length > 300) timeline.shift();
  };
  verifier.on('fetch', (e) =>
    add(
      `fetch ${e.kind} ${e.outcome} ${e.status ?? '-'} ${Math.round(e.durationMs)}ms${e.error ? ` (${e.error})` : ''}`,
    ),
  );
  verifier.on('keys:added', (e) => add(`added ${e.kids.join(',')}`));
  verifier.on('keys:removed', (e) => add(`removed ${e.kids.join(',')}`));
  return timeline;
}

/** The protected route every service serves. */
export const PROTECTED_PATH = '/orders';

/** What one service is built from: its verifier's options and, for a fleet with DPoP, its adapter's `dpop` option. */
export interface ServiceConfig {
  readonly verifier: VerifierOptions;
  readonly dpop?: DpopOptions | undefined;
}

async function startExpress({ verifier: options, dpop }: ServiceConfig): Promise<Service> {
  const app = express();
  const tollgate = expressVerify(options, { dpop });
  app.use(tollgate);
  app.get(PROTECTED_PATH, (_req, res) => {
    res.json({ ok: true });
  });
  const served = await listen(app);
  return {
    name: 'express',
    url: served.url,
    verifier: tollgate.verifier,
    timeline: recordTimeline(tollgate.verifier),
    close: () => closeBoth(served.close(), tollgate.verifier),
  };
}

async function startKoa({ verifier: options, dpop }: ServiceConfig): Promise<Service> {
  const app = new Koa();
  const tollgate = koaVerify(options, { dpop });
  app.use(tollgate);
  app.use((ctx) => {
    if (ctx.path === PROTECTED_PATH) ctx.body = { ok: true };
  });
  const served = await listen(nodeListener(app.callback()));
  return {
    name: 'koa',
    url: served.url,
    verifier: tollgate.verifier,
    timeline: recordTimeline(tollgate.verifier),
    close: () => closeBoth(served.close(), tollgate.verifier),
  };
}

@Controller()
class OrdersController {
  @Get(PROTECTED_PATH.slice(1))
  list() {
    return { ok: true };
  }
}

async function startNest({ verifier: options, dpop }: ServiceConfig): Promise<Service> {
  @Module({
    imports: [TollgateModule.forRoot({ verifier: options, dpop })],
    controllers: [OrdersController],
    providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
  })
  class AppModule {}
  const app: INestApplication = await withTimeout(
    NestFactory.create(AppModule, new ExpressAdapter(), {
      logger: false,
      forceCloseConnections: true,
      abortOnError: false,
    }),
    START_TIMEOUT_MS,
    'Nest app creation',
  );
  await withTimeout(app.listen(0, '127.0.0.1'), START_TIMEOUT_MS, 'Nest start', () => app.close());
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  // The module built this verifier and closes it on shutdown (app.close()).
  const verifier = app.get<Verifier>(TOLLGATE_VERIFIER);
  return {
    name: 'nestjs',
    url: `http://127.0.0.1:${port}`,
    verifier,
    timeline: recordTimeline(verifier),
    close: () => app.close(),
  };
}

async function closeBoth(server: Promise<void>, verifier: Verifier): Promise<void> {
  await Promise.allSettled([server, verifier.close()]);
}

/**
 * The key events of the services that failed a legitimate request, ms relative to `origin`
 * (the load's start), for the assertion message of a failed scenario.
 */
export function traceFailures(
  services: readonly Service[],
  failed: readonly { service: ServiceName }[],
  origin: number,
): string {
  const names = new Set(failed.map((f) => f.service));
  return services
    .filter((s) => names.has(s.name))
    .map((s) => `${s.name}: ${s.timeline.map((e) => `[${Math.round(e.at - origin)}] ${e.event}`).join('; ')}`)
    .join('\n');
}

const STARTERS: Record<ServiceName, (config: ServiceConfig) => Promise<Service>> = {
  express: startExpress,
  koa: startKoa,
  nestjs: startNest,
};

/** A set of running services that closes together. */
export interface Services {
  readonly list: readonly Service[];
  /** Prefetches keys on every service, like a deployment's start-up hook. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the services (default: all three), each with its own verifier built from `options`, or
 * from what `options(name)` returns for that service (a fleet gives each its own Redis-backed
 * replay store and revocation mirror). A start that fails closes whatever already started.
 */
export async function startServices(
  options: VerifierOptions | ((name: ServiceName) => ServiceConfig),
  names: readonly ServiceName[] = SERVICE_NAMES,
): Promise<Services> {
  const started: Service[] = [];
  const close = async () => {
    await Promise.allSettled(started.map((service) => service.close()));
  };
  try {
    for (const name of names)
      started.push(await STARTERS[name](typeof options === 'function' ? options(name) : { verifier: options }));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    list: started,
    warm: async () => {
      await withTimeout(
        Promise.all(started.map((service) => service.verifier.ready())),
        START_TIMEOUT_MS,
        'verifier warm-up',
      );
    },
    close,
  };
}
