import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  ChallengeServerListenError,
  startChallengeServer,
  type ChallengeRequestEvent,
  type RunningChallengeServer,
} from '../../src/http/challenge-server.js';
import { MemoryChallengeStore } from '../../src/http/challenge-store.js';

interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** One real HTTP request on its own connection, with an explicit Host header. */
function fetchRaw(
  port: number,
  path: string,
  options: { host?: string; method?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        headers: { Host: options.host ?? 'a.example' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEY_AUTH = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;
const NOT_FOUND = 'kube-lego (version 1.2.3) - 404 not found';

describe('challenge server', () => {
  const store = new MemoryChallengeStore();
  const events: ChallengeRequestEvent[] = [];
  let ready = false;
  let server: RunningChallengeServer;

  before(async () => {
    server = await startChallengeServer({
      port: 0,
      host: '127.0.0.1',
      store,
      instanceId: 'AbcdEfghIjklMnop',
      version: '1.2.3',
      isReady: () => ready,
      onRequest: (event) => events.push(event),
    });
    store.add('a.example', TOKEN, KEY_AUTH);
    store.add('2001:db8::1', TOKEN, KEY_AUTH);
  });
  after(async () => {
    await server.close();
  });

  const routes: {
    name: string;
    path: string;
    host?: string;
    method?: string;
    status: number;
    body: string;
    cache: boolean;
  }[] = [
    {
      name: '/ answers ok with no-cache headers (GCE health check)',
      path: '/',
      status: 200,
      body: 'ok',
      cache: true,
    },
    { name: '/healthz answers ok', path: '/healthz', status: 200, body: 'ok', cache: false },
    {
      name: '_selftest answers the instance id',
      path: '/.well-known/acme-challenge/_selftest',
      status: 200,
      body: 'AbcdEfghIjklMnop',
      cache: true,
    },
    {
      name: 'a stored token on its host answers the key authorization',
      path: `/.well-known/acme-challenge/${TOKEN}`,
      status: 200,
      body: KEY_AUTH,
      cache: true,
    },
    {
      name: 'a stored token matches a Host header with a port',
      path: `/.well-known/acme-challenge/${TOKEN}`,
      host: 'a.example:8080',
      status: 200,
      body: KEY_AUTH,
      cache: true,
    },
    {
      name: 'a stored token matches the host case-insensitively',
      path: `/.well-known/acme-challenge/${TOKEN}`,
      host: 'A.Example',
      status: 200,
      body: KEY_AUTH,
      cache: true,
    },
    {
      name: 'an IPv6 literal Host header with a port matches (the original cut it at the first colon)',
      path: `/.well-known/acme-challenge/${TOKEN}`,
      host: '[2001:db8::1]:80',
      status: 200,
      body: KEY_AUTH,
      cache: true,
    },
    {
      name: 'the query string is ignored',
      path: `/.well-known/acme-challenge/${TOKEN}?x=1`,
      status: 200,
      body: KEY_AUTH,
      cache: true,
    },
    {
      name: 'HEAD answers the status without a body',
      path: `/.well-known/acme-challenge/${TOKEN}`,
      method: 'HEAD',
      status: 200,
      body: '',
      cache: true,
    },
    {
      name: "an unknown path answers kube-lego's 404",
      path: '/favicon.ico',
      status: 404,
      body: NOT_FOUND,
      cache: true,
    },
    { name: '/healthz/ is not /healthz', path: '/healthz/', status: 404, body: NOT_FOUND, cache: true },
    {
      name: 'the challenge directory with a slash answers 404',
      path: '/.well-known/acme-challenge/',
      status: 404,
      body: NOT_FOUND,
      cache: true,
    },
  ];
  for (const r of routes) {
    it(`challenge server: ${r.name}`, async () => {
      const reply = await fetchRaw(server.port, r.path, {
        ...(r.host ? { host: r.host } : {}),
        ...(r.method ? { method: r.method } : {}),
      });
      assert.equal(reply.status, r.status);
      assert.equal(reply.body, r.body);
      assert.equal(reply.headers['content-type'], 'text/plain');
      assert.equal(
        reply.headers['cache-control'],
        r.cache ? 'no-cache, no-store, must-revalidate' : undefined,
      );
    });
  }

  it('challenge server: the challenge directory without a slash redirects to the slash form', async () => {
    const reply = await fetchRaw(server.port, '/.well-known/acme-challenge');
    assert.equal(reply.status, 301);
    assert.equal(reply.headers.location, '/.well-known/acme-challenge/');
  });

  const guesses: [string, string, string][] = [
    ['a prefix of the token', TOKEN.slice(0, -1), 'a.example'],
    ['the token with a suffix', `${TOKEN}x`, 'a.example'],
    ['the token in another case', TOKEN.toUpperCase(), 'a.example'],
    ['the token on another host', TOKEN, 'b.example'],
    ['the token on a host that only shares a suffix', TOKEN, 'xa.example'],
    ['the token with a trailing slash', `${TOKEN}/`, 'a.example'],
    ['path traversal to the self-test', `${TOKEN}/../_selftest`, 'a.example'],
    ['encoded path traversal', `..%2F..%2Fhealthz`, 'a.example'],
    ['the token with the key authorization appended', KEY_AUTH, 'a.example'],
    ['the token with a malformed Host header', TOKEN, 'a.example:http'],
    ['an empty Host header', TOKEN, ''],
  ];
  for (const [name, token, host] of guesses) {
    it(`challenge server: token guessing (${name}) answers 404`, async () => {
      const reply = await fetchRaw(server.port, `/.well-known/acme-challenge/${token}`, { host });
      assert.equal(reply.status, 404);
      assert.equal(reply.body, NOT_FOUND);
    });
  }

  it('challenge server: /readyz answers 503 until the readiness callback says synced, then 200', async () => {
    ready = false;
    const before = await fetchRaw(server.port, '/readyz');
    assert.equal(before.status, 503);
    ready = true;
    const afterSync = await fetchRaw(server.port, '/readyz');
    assert.equal(afterSync.status, 200);
    assert.equal(afterSync.body, 'ok');
  });

  it('challenge server: a removed token is no longer served', async () => {
    store.add('c.example', 'tok-c', 'tok-c.thumb');
    assert.equal(
      (await fetchRaw(server.port, '/.well-known/acme-challenge/tok-c', { host: 'c.example' })).status,
      200,
    );
    store.remove('c.example', 'tok-c');
    assert.equal(
      (await fetchRaw(server.port, '/.well-known/acme-challenge/tok-c', { host: 'c.example' })).status,
      404,
    );
  });

  it('challenge server: a token answered with its key authorization counts as fetched by the CA', async () => {
    store.add('d.example', 'tok-d', 'tok-d.thumb');
    let fetched = false;
    const waiting = store.whenFetched('d.example', 'tok-d').then(() => {
      fetched = true;
    });
    await fetchRaw(server.port, '/.well-known/acme-challenge/tok-d', { host: 'e.example' });
    await fetchRaw(server.port, '/.well-known/acme-challenge/tok-e', { host: 'd.example' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fetched, false, 'a 404 (other host, other token) is no fetch');
    const reply = await fetchRaw(server.port, '/.well-known/acme-challenge/tok-d', { host: 'd.example' });
    assert.equal(reply.body, 'tok-d.thumb');
    await waiting;
    assert.equal(fetched, true);
    store.remove('d.example', 'tok-d');
  });

  it('challenge server: reports what it served for the debug log', async () => {
    events.length = 0;
    await fetchRaw(server.port, `/.well-known/acme-challenge/${TOKEN}`);
    await fetchRaw(server.port, '/.well-known/acme-challenge/unknown', { host: 'b.example' });
    assert.deepEqual(events, [
      { kind: 'served', host: 'a.example', token: TOKEN },
      { kind: 'token-not-found', host: 'b.example', token: 'unknown' },
    ]);
  });
});

describe('startChallengeServer()', () => {
  it('startChallengeServer() rejects when the port is taken, naming LEGO_PORT, the port and the fix', async () => {
    const options = {
      port: 0,
      host: '127.0.0.1',
      store: new MemoryChallengeStore(),
      instanceId: 'x',
      version: 'v',
      isReady: () => true,
    };
    const first = await startChallengeServer(options);
    try {
      await assert.rejects(startChallengeServer({ ...options, port: first.port }), (err: unknown) => {
        assert.ok(err instanceof ChallengeServerListenError);
        assert.equal(err.code, 'listenFailed');
        assert.equal(
          err.message,
          `error starting http server on :${first.port} (LEGO_PORT=${first.port}): the port is already in use; stop the process that listens on it or set LEGO_PORT to a free port`,
        );
        return true;
      });
    } finally {
      await first.close();
    }
  });

  it('startChallengeServer() close() ends open keep-alive connections so the process can exit', async () => {
    const server = await startChallengeServer({
      port: 0,
      host: '127.0.0.1',
      store: new MemoryChallengeStore(),
      instanceId: 'x',
      version: 'v',
      isReady: () => true,
    });
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port: server.port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', () => {
            resolve(res.statusCode ?? 0);
          });
        })
          .on('error', reject)
          .end();
      });
      assert.equal(status, 200);
    } finally {
      await server.close();
      agent.destroy();
    }
  });
});
