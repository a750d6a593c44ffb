#!/usr/bin/env node
import { runCli } from './cli/run.js';

const stop = new AbortController();
let signals = 0;
const onSignal = () => {
  // A second Ctrl+C means "now": do not wait for a graceful close.
  if (++signals > 1) process.exit(130);
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const status = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  signal: stop.signal,
});
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
process.exitCode = status;
