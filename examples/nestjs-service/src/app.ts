import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { TollgateModuleOptions } from '@tollgate/nestjs';
import { AppModule } from './app.module.js';
import type { Fleet } from './fleet.js';

/**
 * Creates the application without listening. `tollgate` defaults to `{}`: the verifier is built
 * from the `TOLLGATE_*` environment variables, and a missing one stops the start-up, naming it.
 * `fleet` (from `fleetFromEnv()`) is closed when the application shuts down.
 */
export function createApp(
  tollgate: TollgateModuleOptions = {},
  options: NestApplicationOptions = {},
  fleet?: Fleet,
): Promise<INestApplication> {
  return NestFactory.create(AppModule.forRoot(tollgate, fleet), options);
}

export { AppModule };
export { fleetFromEnv, type Fleet } from './fleet.js';
