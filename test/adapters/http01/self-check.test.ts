import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { selfCheck, SelfCheckError } from '../../../src/adapters/http01/self-check.js';

describe('selfCheck()', () => {
  let server: http.Server;
  let port = 0;
  const seen: { host: string | undefined; path: string | undefined }[] = [];
  let answer: { status: number; body: string; delayMs?: number } = { status: 200, body: 'tok-1.thumb' };

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ host: req.headers.host, path: req.url });
      const reply = (): void => {
        res.writeHead(answer.status, { 'content-type': 'text/plain' });
        res.end(answer.body);
      };
      if (answer.delayMs === undefined) reply();
      else setTimeout(reply, answer.delayMs);
    });
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve);
    });
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  const options = (tries: number) => ({
    userAgent: 'kube-lego-test',
    timeoutMs: 200,
    tries,
    intervalMs: 10,
    address: { host: '127.0.0.1', port },
  });

  const challenge = (host: string) => ({ host, token: 'tok-1', keyAuthorization: 'tok-1.thumb' });

  it("passes when the token's URL answers 200 with its key authorization, sending the public Host", async () => {
    answer = { status: 200, body: 'tok-1.thumb' };
    seen.length = 0;
    await selfCheck(challenge('www.example.test'), options(1));
    assert.deepEqual(seen, [{ host: 'www.example.test', path: '/.well-known/acme-challenge/tok-1' }]);
  });

  it('fails after the bounded number of tries when the route answers another key authorization', async () => {
    answer = { status: 200, body: 'tok-1.other-thumb' };
    seen.length = 0;
    await assert.rejects(selfCheck(challenge('a.example.test'), options(3)), (err: unknown) => {
      assert.ok(err instanceof SelfCheckError);
      assert.equal(err.host, 'a.example.test');
      assert.match(err.message, /did not match the key authorization of token tok-1 \(tok-1\.thumb\)/);
      return true;
    });
    assert.equal(seen.length, 3);
  });

  it('fails on a wrong status code', async () => {
    answer = { status: 404, body: 'not found' };
    await assert.rejects(selfCheck(challenge('a.example.test'), options(1)), /wrong status code '404'/);
  });

  it('gives up on a hung route after its timeout instead of blocking the order', async () => {
    answer = { status: 200, body: 'tok-1.thumb', delayMs: 2000 };
    await assert.rejects(selfCheck(challenge('slow.example.test'), options(2)), (err: unknown) => {
      assert.ok(err instanceof SelfCheckError);
      assert.match(err.message, /no answer within 200 ms/);
      return true;
    });
  });
});
