import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../../../src/adapters/kube/kube-connection.js';
import { KubeApiError } from '../../../src/adapters/kube/kube-errors.js';

describe('KubeClient against an API server that accepts connections and never answers', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  const sockets = new Set<Socket>();

  before(async () => {
    server = createServer((socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  for (const scheme of ['http', 'https'] as const) {
    it(`${scheme}: fails after the timeout it names, once, without a second attempt`, async () => {
      connections = 0;
      const timeoutMs = 1000;
      const client = new KubeClient(
        loadKubeConnection({ kind: 'url', url: `${scheme}://127.0.0.1:${port}` }),
        {
          userAgent: 'kube-lego-test',
          requestTimeoutMs: timeoutMs,
        },
      );
      const startMs = performance.now();
      try {
        await assert.rejects(
          client.request({ method: 'GET', path: '/version' }),
          (err: unknown) =>
            err instanceof KubeApiError && err.code === 'timeout' && err.message.includes(`${timeoutMs} ms`),
        );
        const elapsedMs = performance.now() - startMs;
        // A silent server costs the timeout the message names: once, not a retry or a doubled timer (over
        // TLS, the socket's idle timer alone fired only after twice the time).
        assert.ok(elapsedMs >= timeoutMs * 0.95, `failed after ${elapsedMs} ms, before the timeout`);
        assert.ok(
          elapsedMs < timeoutMs * 1.6,
          `failed after ${elapsedMs} ms, the timeout is ${timeoutMs} ms`,
        );
        assert.equal(connections, 1);
      } finally {
        client.close();
      }
    });
  }
});

describe('KubeClient on a keep-alive socket the server closes as it is reused', () => {
  it('sends a POST once more on a fresh socket when the reused one was reset before any answer', async () => {
    // Answers the first request of each connection and resets the connection at its second, as a server
    // whose keep-alive timeout ends just as the client reuses the socket.
    let answered = 0;
    const server = createServer((socket) => {
      let requests = 0;
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        if (!chunk.toString('latin1').includes('\r\n\r\n')) return;
        requests += 1;
        if (requests > 1) {
          socket.resetAndDestroy();
          return;
        }
        answered += 1;
        socket.write(
          'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new KubeClient(loadKubeConnection({ kind: 'url', url: `http://127.0.0.1:${port}` }), {
      userAgent: 'kube-lego-test',
      requestTimeoutMs: 5_000,
    });
    try {
      const post = { method: 'POST', path: '/api/v1/namespaces/default/events', body: {} } as const;
      await client.request(post);
      await client.request(post);
      assert.equal(answered, 2, 'the second POST was answered on a fresh connection');
    } finally {
      client.close();
      server.close();
    }
  });
});
