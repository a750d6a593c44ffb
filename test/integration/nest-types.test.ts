// The published declarations of @tollgate/nestjs (and the core's, which they import) type-check
// for consumers on NestJS 12 and NestJS 11, under node10 (`"module": "commonjs"`, what `nest new`
// long generated) and nodenext (CommonJS and ESM). Our declaration files are checked themselves,
// as with `skipLibCheck: false`: a type that exists only in one Nest major fails here.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from '../support/built-package.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const at = (path: string) => realpathSync(join(ROOT, path));

const CONSUMER = `
import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  Auth, InjectVerifier, Public, Scopes, TOLLGATE_OPTIONS, TollgateGuard, TollgateModule, toHttpException,
  type JwtClaims, type TollgateModuleOptions, type VerifiedToken, type Verifier,
} from '@tollgate/nestjs';

interface Claims { sub: string; tenant: string }

@Injectable()
export class Inspector {
  constructor(@InjectVerifier() readonly verifier: Verifier, @Inject(TOLLGATE_OPTIONS) readonly options: TollgateModuleOptions) {}
  async tenantOf(token: string): Promise<string> {
    return (await this.verifier.verify<Claims & JwtClaims>(token)).claims.tenant;
  }
}

@Scopes('orders:read')
@Controller('orders')
export class OrdersController {
  @Get() list(@Auth('claims') claims: Claims) { return claims.sub; }
  @Get('me') me(@Auth() auth: VerifiedToken<Claims & JwtClaims>) { return auth.alg; }
  @Public() @Get('open') open() { return toHttpException; }
}

export class GqlGuard extends TollgateGuard {
  protected override getRequest() { return { auth: undefined }; }
}

@Module({
  imports: [
    TollgateModule.forRoot({ verifier: { jwksUri: 'https://auth.example/jwks', audience: 'orders', algorithms: ['RS256'] }, realm: 'orders' }),
    TollgateModule.forRootAsync({ isGlobal: false, useFactory: async () => ({ credentialsOptional: true, warmOnStart: true }) }),
  ],
  controllers: [OrdersController],
  providers: [Inspector, { provide: APP_GUARD, useClass: TollgateGuard }],
})
export class AppModule {}

// @ts-expect-error verifier options belong under \`verifier\`
TollgateModule.forRoot({ issuer: 'https://auth.example' });
// @ts-expect-error not a field of the verified token
Auth('nope');
`;

type Setup = { nest: 11 | 12; resolution: 'node10' | 'nodenext'; type: 'commonjs' | 'module' };

const SETUPS: Setup[] = [
  { nest: 12, resolution: 'node10', type: 'commonjs' },
  { nest: 12, resolution: 'nodenext', type: 'commonjs' },
  { nest: 12, resolution: 'nodenext', type: 'module' },
  { nest: 11, resolution: 'node10', type: 'commonjs' },
  { nest: 11, resolution: 'nodenext', type: 'commonjs' },
];

function nestDir(major: 11 | 12, name: string): string {
  return major === 12 ? at(`test/node_modules/@nestjs/${name}`) : at(`test/node_modules/nestjs-${name}-11`);
}

describe('@tollgate/nestjs declarations in a consumer', () => {
  let root: string;

  beforeAll(async () => {
    await ensureBuilt('core');
    await ensureBuilt('nestjs');
    root = mkdtempSync(join(tmpdir(), 'tollgate-nest-types-'));
  }, 300_000);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it.each(
    SETUPS.map(
      (setup) => [`NestJS ${setup.nest}, ${setup.resolution} resolution, "type": "${setup.type}"`, setup] as const,
    ),
  )(
    'type-checks on %s',
    (_, { nest, resolution, type }) => {
      const dir = join(root, `${nest}-${resolution}-${type}`);
      const link = (name: string, target: string) => {
        mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
        symlinkSync(target, join(dir, 'node_modules', name), 'dir');
      };
      link('@tollgate/nestjs', packageDir('nestjs'));
      link('@types/node', at('test/node_modules/@types/node'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type }));
      const file = join(dir, 'consumer.ts');
      writeFileSync(file, CONSUMER);

      // Nest 12 is installed normally. Nest 11 sits under aliases whose peers pnpm links to 12, so
      // `paths` sends every @nestjs/* import (ours, the consumer's, Nest's own) to 11.
      const paths: Record<string, string[]> = {};
      for (const name of ['common', 'core']) {
        if (nest === 12) {
          link(`@nestjs/${name}`, nestDir(12, name));
          continue;
        }
        paths[`@nestjs/${name}`] = [nestDir(11, name)];
        paths[`@nestjs/${name}/*`] = [`${nestDir(11, name)}/*`];
      }
      const options: ts.CompilerOptions = {
        module: resolution === 'node10' ? ts.ModuleKind.CommonJS : ts.ModuleKind.NodeNext,
        moduleResolution: resolution === 'node10' ? ts.ModuleResolutionKind.Node10 : ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        noEmit: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
        types: ['node'],
        typeRoots: [join(dir, 'node_modules/@types')],
        ...(nest === 11 ? { baseUrl: dir, paths } : {}),
      };
      const program = ts.createProgram([file], options);
      // Diagnostics of the consumer and of our own declaration files (Nest's and Node's are not ours to check).
      const ours = program
        .getSourceFiles()
        .filter(
          (source) => source.fileName === file || /[\\/]packages[\\/](nestjs|core)[\\/]dist[\\/]/.test(source.fileName),
        );
      const entry = ours.find((source) => source.fileName.includes(`${'nestjs'}/dist/index.d.`));
      expect(entry?.fileName).toMatch(type === 'module' ? /index\.d\.mts$/ : /index\.d\.cts$/);
      const nestCommon = program
        .getSourceFiles()
        .find((source) => /[\\/]@nestjs[\\/]common[\\/]index\.d\.ts$/.test(source.fileName));
      expect(nestCommon?.fileName).toContain(nest === 11 ? '@nestjs+common@11.' : '@nestjs+common@12.');
      const diagnostics = ours.flatMap((source) => [
        ...program.getSyntacticDiagnostics(source),
        ...program.getSemanticDiagnostics(source),
      ]);
      const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' };
      expect(ts.formatDiagnostics(diagnostics, host)).toBe('');
    },
    60_000,
  );
});
