import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { generateAccountKey } from '../../src/acme/account-key.js';
import { classifyAcmeError } from '../../src/acme/classify-acme-error.js';
import { AcmeTransportError } from '../../src/acme/errors.js';
import { HttpTransport } from '../../src/acme/http-transport.js';
import { USER_AGENT } from '../../src/version.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';

describe('HttpTransport on real sockets', () => {
  let server: http.Server;
  let base: string;
  const userAgents: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      userAgents.push(req.headers['user-agent'] ?? '');
      if (req.url === '/hang') return; // never answers
      if (req.url === '/bad-gateway') {
        res
          .writeHead(502, { 'retry-after': '7', 'content-type': 'text/html' })
          .end('<html>bad gateway</html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  it('sends the kube-lego User-Agent and counts requests', async () => {
    const seen: string[] = [];
    const transport = new HttpTransport({
      userAgent: USER_AGENT,
      requestTimeoutMs: 5_000,
      onRequest: (r) => seen.push(r.url),
    });
    try {
      const response = await transport.request({ method: 'GET', url: `${base}/ok` });
      assert.equal(response.status, 200);
      assert.match(userAgents.at(-1) ?? '', /^kube-lego\//);
      assert.equal(transport.requestCount, 1);
      assert.deepEqual(seen, [`${base}/ok`]);
    } finally {
      transport.close();
    }
  });

  it('fails a request that outlives requestTimeoutMs with the typed timeout error', async () => {
    const transport = new HttpTransport({ userAgent: USER_AGENT, requestTimeoutMs: 150 });
    try {
      await assert.rejects(transport.request({ method: 'GET', url: `${base}/hang` }), (err: unknown) => {
        assert.ok(err instanceof AcmeTransportError);
        assert.equal(err.code, 'timeout');
        assert.equal(classifyAcmeError(err), 'unavailable');
        return true;
      });
    } finally {
      transport.close();
    }
  });

  it('stops at once when the caller aborts, with the typed aborted error', async () => {
    const transport = new HttpTransport({ userAgent: USER_AGENT, requestTimeoutMs: 10_000 });
    try {
      const controller = new AbortController();
      const pending = transport.request({ method: 'GET', url: `${base}/hang`, signal: controller.signal });
      setTimeout(() => {
        controller.abort();
      }, 50);
      await assert.rejects(
        pending,
        (err: unknown) => err instanceof AcmeTransportError && err.code === 'aborted',
      );
    } finally {
      transport.close();
    }
  });

  it('reports a connection refusal as a network error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) =>
      closed.close(() => {
        resolve();
      }),
    );
    const transport = new HttpTransport({ userAgent: USER_AGENT, requestTimeoutMs: 2_000 });
    try {
      await assert.rejects(
        transport.request({ method: 'GET', url: `http://127.0.0.1:${port}/` }),
        (err: unknown) => err instanceof AcmeTransportError && err.code === 'network',
      );
    } finally {
      transport.close();
    }
  });

  it('turns an HTTP error without a problem document into httpStatus with Retry-After', async () => {
    const client = new AcmeClient({
      directoryUrl: `${base}/bad-gateway`,
      accountKey: await generateAccountKey(),
    });
    try {
      await assert.rejects(client.directory(), (err: unknown) => {
        assert.ok(err instanceof AcmeTransportError);
        assert.equal(err.code, 'httpStatus');
        assert.equal(err.status, 502);
        assert.equal(err.retryAfterMs, 7_000);
        assert.equal(classifyAcmeError(err), 'unavailable');
        return true;
      });
    } finally {
      client.close();
    }
  });
});

describe('TLS trust for a private ACME server', () => {
  let rig: PebbleRig;

  before(async () => {
    rig = await startPebble();
  });

  after(async () => {
    await rig.stop();
  });

  it("refuses Pebble's certificate with the default roots only", async () => {
    const client = new AcmeClient({ directoryUrl: rig.directoryUrl, accountKey: await generateAccountKey() });
    try {
      await assert.rejects(client.directory(), (err: unknown) => {
        assert.ok(err instanceof AcmeTransportError, String(err));
        assert.equal(err.code, 'tls');
        assert.match(err.message, /caPem/);
        return true;
      });
    } finally {
      client.close();
    }
  });

  it('trusts it once its CA is added with caPem', async () => {
    const client = new AcmeClient({
      directoryUrl: rig.directoryUrl,
      caPem: rig.caPem,
      accountKey: await generateAccountKey(),
    });
    try {
      const directory = await client.directory();
      assert.match(directory.newOrder, /^https:\/\/localhost:/);
    } finally {
      client.close();
    }
  });
});
