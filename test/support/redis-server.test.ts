import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, startRedisServer, type TestRedisServer } from './redis-server.js';

/** Sends raw RESP commands (inline form) and returns the raw reply. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.once('error', reject);
  });
}

describeRedis('test redis-server helper', () => {
  let redis: TestRedisServer;
  let durable: TestRedisServer;
  beforeAll(async () => {
    [redis, durable] = await Promise.all([startRedisServer(), startRedisServer({ persist: true })]);
  });
  afterAll(async () => {
    await Promise.all([redis?.close(), durable?.close()]);
  });

  it('runs on 127.0.0.1 on its own port, with persistence off', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.port).not.toBe(durable.port);
    expect(await command(redis.port, 'PING')).toBe('+PONG\r\n');
    expect(await command(redis.port, 'CONFIG GET save')).toBe('*2\r\n$4\r\nsave\r\n$0\r\n\r\n');
    expect(await command(redis.port, 'CONFIG GET appendonly')).toBe('*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n');
  });

  it('stops, refuses connections, and starts again on the same port without the data', async () => {
    await command(redis.port, 'SET k v');
    await redis.stop();
    expect(redis.running).toBe(false);
    await expect(command(redis.port, 'PING')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await redis.start();
    expect(redis.running).toBe(true);
    expect(await command(redis.port, 'GET k')).toBe('$-1\r\n');
  });

  it('keeps data across a crash when asked to persist', async () => {
    await command(durable.port, 'SET k v');
    await durable.stop({ kill: true });
    await durable.start();
    expect(await command(durable.port, 'GET k')).toBe('$1\r\nv\r\n');
  });
});
