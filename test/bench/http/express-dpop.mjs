// Express 5 apps for the `dpop` section: the HTTP section's no-auth, floor and tollgate (Bearer)
// apps, plus DPoP-required ones: tollgate's middleware with `dpop`, and the DPoP floor by hand.
import express from 'express';
import { MemoryReplayStore } from '@tollgate/core';
import { verify } from '@tollgate/express';
import { floorVerifier } from '../contenders/floor.mjs';
import { tollgateOptions } from '../contenders/tollgate.mjs';
import { DPOP_ORIGIN, dpopFloor } from '../lib/dpop.mjs';
import { build as buildExpress } from './express.mjs';

export const MODES = ['none', 'floor', 'tollgate', 'dpop-floor', 'dpop-tollgate'];

export async function build(mode, ctx) {
  if (mode === 'none' || mode === 'floor' || mode === 'tollgate') return buildExpress(mode, ctx);
  const app = express();
  let verifier;
  if (mode === 'dpop-floor') {
    const check = dpopFloor(floorVerifier(ctx));
    app.use((req, res, next) => {
      const q = req.url.indexOf('?');
      try {
        req.auth = check(
          req.headers.authorization,
          req.headers.dpop,
          req.method,
          DPOP_ORIGIN + (q < 0 ? req.url : req.url.slice(0, q)),
        );
      } catch {
        res
          .status(401)
          .set('www-authenticate', 'DPoP algs="ES256", error="invalid_dpop_proof"')
          .json({ error: 'invalid_dpop_proof' });
        return;
      }
      next();
    });
  } else if (mode === 'dpop-tollgate') {
    // A replay store sized for every proof of the run: the default 100 000 ids would fill up under load.
    const middleware = verify(tollgateOptions(ctx), {
      dpop: {
        mode: 'required',
        origin: DPOP_ORIGIN,
        replayStore: new MemoryReplayStore({ maxEntries: 2_000_000 }),
      },
    });
    verifier = middleware.verifier;
    await verifier.ready();
    app.use(middleware);
  } else {
    throw new Error(`express-dpop: unknown mode ${mode}`);
  }
  const subOf = mode === 'dpop-floor' ? (req) => req.auth.sub : (req) => req.auth.claims.sub;
  app.get('/orders', (req, res) => {
    res.json({ ok: true, sub: subOf(req) });
  });
  return { handler: app, verifier };
}
