import { Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { toVerifier, type Verifier } from '@tollgate/core';
import { ConfigurableModuleClass, TOLLGATE_OPTIONS, TOLLGATE_VERIFIER } from './module-definition.js';
import { checkModuleOptions, type TollgateModuleOptions } from './options.js';

/**
 * Provides one `Verifier` (token `TOLLGATE_VERIFIER`) and the options the
 * `TollgateGuard` reads. Global by default (`isGlobal: false` to scope it).
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
    {
      provide: TOLLGATE_VERIFIER,
      useFactory: (options: unknown) => toVerifier(checkModuleOptions(options).verifier),
      inject: [TOLLGATE_OPTIONS],
    },
  ],
  exports: [TOLLGATE_VERIFIER, TOLLGATE_OPTIONS],
})
export class TollgateModule extends ConfigurableModuleClass implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TollgateModule');

  constructor(
    @Inject(TOLLGATE_VERIFIER) private readonly verifier: Verifier,
    @Inject(TOLLGATE_OPTIONS) private readonly options: TollgateModuleOptions,
  ) {
    super();
  }

  onModuleInit(): void {
    // Never awaited: an issuer outage must not keep the application from booting.
    if (this.options.warmOnStart !== true) return;
    this.verifier.ready().catch((error: unknown) => {
      this.logger.warn(`Could not prefetch signing keys; requests will fetch them on demand. ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    // Only a verifier the module built is closed; one passed in belongs to the caller.
    if (this.verifier !== this.options.verifier) await this.verifier.close();
  }
}
