import { ConfigurableModuleBuilder, type ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { TollgateModuleExtras, TollgateModuleOptions } from './options.js';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } = new ConfigurableModuleBuilder<TollgateModuleOptions>({
  moduleName: 'Tollgate',
})
  .setClassMethodName('forRoot')
  .setExtras<TollgateModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal !== false,
  }))
  .build();

export { ConfigurableModuleClass };

/**
 * Injection token of the module options (`TollgateModuleOptions`), value `'TOLLGATE_MODULE_OPTIONS'`.
 *
 * @example
 * constructor(@Inject(TOLLGATE_OPTIONS) private readonly options: TollgateModuleOptions) {}
 */
export const TOLLGATE_OPTIONS = MODULE_OPTIONS_TOKEN as string;

/**
 * Injection token of the module's one `Verifier` (also available as `@InjectVerifier()`).
 *
 * @example
 * constructor(@Inject(TOLLGATE_VERIFIER) private readonly verifier: Verifier) {}
 */
export const TOLLGATE_VERIFIER = 'TOLLGATE_VERIFIER';

/**
 * Injection token of the options after one check at start-up (`ResolvedTollgateOptions`). The
 * verifier provider and `TollgateGuard` read these, so options are checked once, not per guard.
 */
export const TOLLGATE_RESOLVED_OPTIONS = 'TOLLGATE_RESOLVED_OPTIONS';

/** What `TollgateModule.forRoot()` accepts. */
export type TollgateForRootOptions = TollgateModuleOptions & TollgateModuleExtras;
/** What `TollgateModule.forRootAsync()` accepts: `imports`, `inject`, `useFactory` (or `useClass`/`useExisting`), `isGlobal`. */
export type TollgateForRootAsyncOptions = ConfigurableModuleAsyncOptions<TollgateModuleOptions> & TollgateModuleExtras;

/** Internal: the module's request gate (verifier + checked options), read by `TollgateGuard`. */
export const TOLLGATE_GATE = 'TOLLGATE_GATE';
