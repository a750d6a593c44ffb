import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { InjectVerifier, Public, type Verifier } from '@tollgate/nestjs';
import type { Response } from 'express';

/** Readiness for load balancers: public, and 503 until the signing keys could be fetched once. */
@Public()
@Controller('health')
export class HealthController {
  constructor(@InjectVerifier() private readonly verifier: Verifier) {}

  @Get()
  @HttpCode(HttpStatus.OK)
  check(@Res({ passthrough: true }) res: Response): { status: string } {
    const { status } = this.verifier.health();
    if (status === 'unavailable') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status };
  }
}
