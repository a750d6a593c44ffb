import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { TollgateModuleOptions } from '@tollgate/nestjs';
import { AppModule } from './app.module.js';

/**
 * Creates the application without listening. `tollgate` defaults to `{}`: the verifier is built
 * from the `TOLLGATE_*` environment variables, and a missing one stops the start-up, naming it.
 */
export function createApp(
  tollgate: TollgateModuleOptions = {},
  options: NestApplicationOptions = {},
): Promise<INestApplication> {
  return NestFactory.create(AppModule.forRoot(tollgate), options);
}

export { AppModule };
