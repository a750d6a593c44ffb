import {
  Inject,
  Module,
  RequestMethod,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Verifier } from '@tollgate/core';
import { openGate, toVerifier, warmInBackground, type Gate } from '@tollgate/core/adapter';
import { metadataMiddleware } from './metadata.js';
import {
  ConfigurableModuleClass,
  TOLLGATE_GATE,
  TOLLGATE_OPTIONS,
  TOLLGATE_RESOLVED_OPTIONS,
  TOLLGATE_VERIFIER,
} from './module-definition.js';
import { nestLogger, resolveModuleOptions, type ResolvedTollgateOptions } from './options.js';

/**
 * Provides one `Verifier` (token `TOLLGATE_VERIFIER`) and the options the
 * `TollgateGuard` reads. Global by default (`isGlobal: false` to scope it). When the verifier has a
 * `resource`, it also serves the RFC 9728 metadata at its well-known path (a middleware, so no
 * guard sees it; `resourceMetadata: false` turns it off).
 *
 * @example
 * // app.module.ts
 * @Module({
 *   imports: [
 *     TollgateModule.forRootAsync({
 *       imports: [ConfigModule],
 *       inject: [ConfigService],
 *       useFactory: (config: ConfigService) => ({
 *         verifier: { issuer: config.getOrThrow('AUTH_ISSUER'), audience: 'orders', algorithms: ['RS256'] },
 *       }),
 *     }),
 *   ],
 *   providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
 * })
 * export class AppModule {}
 */
@Module({
  providers: [
    // The options are checked once, here; the verifier provider and every guard read the result.
    { provide: TOLLGATE_RESOLVED_OPTIONS, useFactory: resolveModuleOptions, inject: [TOLLGATE_OPTIONS] },
    {
      provide: TOLLGATE_VERIFIER,
      useFactory: (options: ResolvedTollgateOptions) => toVerifier(options.verifier, { logger: nestLogger() }),
      inject: [TOLLGATE_RESOLVED_OPTIONS],
    },
    { provide: TOLLGATE_GATE, useFactory: openGate, inject: [TOLLGATE_VERIFIER, TOLLGATE_RESOLVED_OPTIONS] },
  ],
  exports: [TOLLGATE_VERIFIER, TOLLGATE_OPTIONS, TOLLGATE_RESOLVED_OPTIONS, TOLLGATE_GATE],
})
export class TollgateModule extends ConfigurableModuleClass implements NestModule, OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(TOLLGATE_VERIFIER) private readonly verifier: Verifier,
    @Inject(TOLLGATE_RESOLVED_OPTIONS) private readonly options: ResolvedTollgateOptions,
    @Inject(TOLLGATE_GATE) private readonly gate: Gate,
  ) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    // Runs after forRootAsync's factory resolved, so the resource is known here in both forms.
    const metadata = this.gate.metadata;
    if (metadata !== undefined)
      consumer.apply(metadataMiddleware(metadata)).forRoutes({ path: metadata.path, method: RequestMethod.ALL });
  }

  onModuleInit(): void {
    // Never awaited: an issuer outage must not keep the application from booting. A failure
    // reaches the operator through the verifier's logger (Nest's Logger for a verifier built here).
    warmInBackground(this.verifier, this.options);
  }

  async onApplicationShutdown(): Promise<void> {
    // Only a verifier the module built is closed; one passed in belongs to the caller.
    if (this.verifier !== this.options.verifier) await this.verifier.close();
  }
}
