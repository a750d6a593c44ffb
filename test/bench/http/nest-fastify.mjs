// NestJS (platform-fastify) apps: nest.mjs's module, controller and global guards on a FastifyAdapter.
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { buildNest } from './nest.mjs';

// No passport-jwt row: the peer comparison for Nest is made on platform-express.
export const MODES = ['none', 'floor', 'tollgate', 'tollgate-cache'];

export function build(mode, ctx) {
  if (!MODES.includes(mode)) throw new Error(`nest-fastify: unknown mode ${mode}; use ${MODES.join(', ')}`);
  return buildNest(mode, ctx, new FastifyAdapter());
}
