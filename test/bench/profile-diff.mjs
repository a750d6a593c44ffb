#!/usr/bin/env node
// Compares two .cpuprofile files from profile.mjs by self time per request, so a closing note can
// say where one server spends more than another (e.g. tollgate against the floor hook).
//   node test/bench/profile-diff.mjs <a.cpuprofile> <requests in a> <b.cpuprofile> <requests in b> [rows]
// Requests are the req/s profile.mjs printed times its seconds. Start-up frames (module loading)
// are in both profiles and count here too: compare runs of the same length.
import { readFileSync } from 'node:fs';

const [fileA, requestsA, fileB, requestsB, rows = '30'] = process.argv.slice(2);
if (fileB === undefined || !(Number(requestsA) > 0) || !(Number(requestsB) > 0)) {
  console.error('usage: node test/bench/profile-diff.mjs <a.cpuprofile> <requests> <b.cpuprofile> <requests> [rows]');
  process.exit(2);
}

/** Self time by function, in µs per request; bundle hashes dropped so two builds compare. */
function selfPerRequest(file, requests) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  profile.samples.forEach((id, k) => {
    const frame = byId.get(id).callFrame;
    const where = frame.url
      .replace(/^.*node_modules\//, '')
      .replace(/^.*\/packages\//, 'packages/')
      .replace(/-[A-Za-z0-9_-]{8}\.mjs$/, '.mjs');
    const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[k] ?? 0) / requests);
  });
  return self;
}

const a = selfPerRequest(fileA, Number(requestsA));
const b = selfPerRequest(fileB, Number(requestsB));
const table = [...new Set([...a.keys(), ...b.keys()])]
  .map((key) => [key, a.get(key) ?? 0, b.get(key) ?? 0])
  .sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]));
const busy = (m) => [...m].reduce((sum, [key, t]) => (key.startsWith('(idle)') ? sum : sum + t), 0);
console.log(`busy µs per request: a ${busy(a).toFixed(1)}, b ${busy(b).toFixed(1)}`);
console.log('      a       b     b−a  function (µs per request, largest differences first)');
for (const [key, x, y] of table.slice(0, Number(rows)))
  console.log(`${x.toFixed(2).padStart(7)} ${y.toFixed(2).padStart(7)} ${(y - x).toFixed(2).padStart(7)}  ${key}`);
