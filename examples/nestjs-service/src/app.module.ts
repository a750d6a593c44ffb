import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TollgateGuard, TollgateModule, type TollgateModuleOptions } from '@tollgate/nestjs';
import { FLEET, FleetShutdown, type Fleet } from './fleet.js';
import { HealthController } from './health.controller.js';
import { OrdersController } from './orders.controller.js';

/**
 * The orders service. `TollgateGuard` is the global guard: every route needs a valid token
 * unless it is marked `@Public()`, and `@Scopes()` adds the scopes a route needs.
 *
 * A dynamic root module so that whoever starts the app decides how tollgate is configured:
 * `main.ts` passes nothing (the `TOLLGATE_*` environment variables), tests and the demo pass
 * a verifier of their own. `fleet` (see fleet.ts) is closed when the application shuts down.
 */
@Module({
  controllers: [HealthController, OrdersController],
  providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
})
export class AppModule {
  static forRoot(tollgate: TollgateModuleOptions = {}, fleet?: Fleet): DynamicModule {
    const shutdown = fleet === undefined ? [] : [{ provide: FLEET, useValue: fleet }, FleetShutdown];
    return { module: AppModule, imports: [TollgateModule.forRoot(tollgate)], providers: shutdown };
  }
}
