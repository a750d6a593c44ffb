// A round-robin HTTP load balancer in front of issuer replicas: the one public URL (the `iss` of
// every token, where discovery, the JWKS and the token endpoint live) that several issuer
// processes share, as behind a real load balancer. Each request goes to the next replica in turn.
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, type Listening } from '../../support/issuer.js';

export interface Balancer {
  /** `http://127.0.0.1:<port>`: give it to every replica as `publicUrl`. */
  readonly url: string;
  /** The replicas' own base URLs (`http://127.0.0.1:<port>`), taken in turn. */
  setTargets(targets: readonly string[]): void;
  /** Requests each target answered, in the order of `setTargets`. */
  counts(): readonly number[];
  close(): Promise<void>;
}

/** Starts the balancer with no targets yet (it answers 502 until `setTargets`). */
export async function startBalancer(): Promise<Balancer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let targets: URL[] = [];
  let counts: number[] = [];
  let turn = 0;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    if (targets.length === 0) {
      res.writeHead(502).end();
      return;
    }
    const index = turn++ % targets.length;
    const target = targets[index] as URL;
    counts[index] = (counts[index] ?? 0) + 1;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };
  const served: Listening = await listen(createServer(forward));
  return {
    url: served.url,
    setTargets(list) {
      targets = list.map((t) => new URL(t));
      counts = list.map(() => 0);
    },
    counts: () => [...counts],
    close: async () => {
      await served.close();
      agent.destroy();
    },
  };
}
