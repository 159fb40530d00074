import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Rcode, RecordType } from '../../src/dns/dns-codes.js';
import { DnsError, type DnsErrorCode } from '../../src/dns/dns-error.js';
import { findZone, lookupCname, lookupNs, lookupTxt, queryDns } from '../../src/dns/dns-query.js';
import type { DnsServer } from '../../src/dns/dns-transport.js';
import { sendUpdate, type UpdateOperation } from '../../src/dns/dns-update.js';
import { createTsigKey, type TsigKey } from '../../src/dns/tsig.js';
import { startDnsServer, type DnsRigKey, type DnsServerRig } from '../support/dns-server.js';

function keyOf(key: DnsRigKey): TsigKey {
  return createTsigKey(key);
}

function addTxt(name: string, value: string): UpdateOperation {
  return { kind: 'add', name, ttlSeconds: 60, data: { type: 'TXT', strings: [value] } };
}

function deleteTxt(name: string, value: string): UpdateOperation {
  return { kind: 'deleteRecord', name, data: { type: 'TXT', strings: [value] } };
}

async function rejection(promise: Promise<unknown>): Promise<DnsError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DnsError, `expected a DnsError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the promise to reject');
}

function expectCode(error: DnsError, code: DnsErrorCode): void {
  assert.equal(error.code, code, error.message);
}

describe('RFC 2136 updates and queries against Knot DNS', () => {
  let rig: DnsServerRig;
  let server: DnsServer;

  before(async () => {
    rig = await startDnsServer();
    server = { host: rig.host, port: rig.port };
  });
  after(async () => {
    await rig.stop();
  });

  it('findZone() finds the zone of a name by its SOA, apex or below, in either zone', async () => {
    assert.equal(await findZone(server, '_acme-challenge.www.example.test'), 'example.test');
    assert.equal(await findZone(server, 'Example.Test.'), 'example.test');
    assert.equal(await findZone(server, 'delegated.acme-delegate.test'), 'acme-delegate.test');
  });

  it('findZone() of a name outside every zone of the server is dnsZoneNotFound naming the server', async () => {
    const error = await rejection(findZone(server, 'www.elsewhere.test'));
    expectCode(error, 'dnsZoneNotFound');
    assert.match(
      error.message,
      new RegExp(`DNS server ${rig.address} serves no zone that contains "www.elsewhere.test"`),
    );
  });

  it('lookupNs() and lookupCname() read the zone as the server has it', async () => {
    assert.deepEqual((await lookupNs(server, 'example.test')).sort(), [
      'ns1.example.test',
      'ns2.example.test',
    ]);
    assert.equal(
      await lookupCname(server, '_acme-challenge.delegated.example.test'),
      'delegated.acme-delegate.test',
    );
    assert.equal(await lookupCname(server, '_acme-challenge.www.example.test'), undefined);
  });

  it('adds a TXT record, adds a second value at the name, deletes only the first, then the RRset', async () => {
    const name = '_acme-challenge.www.example.test';
    const sha256 = keyOf(rig.keys.sha256);
    const sha512 = keyOf(rig.keys.sha512);
    assert.deepEqual(await lookupTxt(server, name), []);

    await sendUpdate(server, {
      zone: 'example.test',
      key: sha256,
      operations: [addTxt(name, 'first-value')],
    });
    assert.deepEqual(await lookupTxt(server, name), ['first-value']);
    assert.deepEqual(await rig.dig(name, 'TXT'), ['"first-value"']);

    await sendUpdate(server, {
      zone: 'example.test',
      key: sha512,
      operations: [addTxt(name, 'second-value')],
    });
    assert.deepEqual((await lookupTxt(server, name)).sort(), ['first-value', 'second-value']);

    await sendUpdate(server, {
      zone: 'example.test',
      key: sha256,
      operations: [deleteTxt(name, 'first-value')],
    });
    assert.deepEqual(await lookupTxt(server, name), ['second-value']);
    assert.deepEqual(await rig.dig(name, 'TXT', { tcp: true }), ['"second-value"']);

    // Deleting a value that is not there is a no-op (RFC 2136 §3.4.2.4): a retried cleanup succeeds.
    await sendUpdate(server, {
      zone: 'example.test',
      key: sha256,
      operations: [deleteTxt(name, 'first-value')],
    });
    await sendUpdate(server, {
      zone: 'example.test',
      key: sha256,
      operations: [{ kind: 'deleteRRset', name, type: RecordType.TXT }],
    });
    assert.deepEqual(await lookupTxt(server, name), []);
    assert.deepEqual(await rig.dig(name, 'TXT'), []);
  });

  it('updates the zone a CNAME delegates to, over UDP as well as TCP', async () => {
    const target = await lookupCname(server, '_acme-challenge.delegated.example.test');
    assert.equal(target, 'delegated.acme-delegate.test');
    const zone = await findZone(server, target);
    const key = keyOf(rig.keys.sha256);
    await sendUpdate(
      server,
      { zone, key, operations: [addTxt(target, 'delegated-value')] },
      { transport: 'udp' },
    );
    assert.deepEqual(await rig.dig(target, 'TXT'), ['"delegated-value"']);
    await sendUpdate(server, { zone, key, operations: [deleteTxt(target, 'delegated-value')] });
    assert.deepEqual(await rig.dig(target, 'TXT'), []);
  });

  it('falls back to TCP when the UDP answer is truncated', async () => {
    const name = 'many.example.test';
    const values = Array.from(
      { length: 12 },
      (_, i) => `value-${String(i).padStart(2, '0')}-${'x'.repeat(50)}`,
    );
    await sendUpdate(server, {
      zone: 'example.test',
      key: keyOf(rig.keys.sha256),
      operations: values.map((value) => addTxt(name, value)),
    });
    const udpOnly = await queryDns(server, name, RecordType.TXT, { transport: 'udp' });
    assert.ok(udpOnly.answers.length === values.length, 'the fallback answer carries every value');
    assert.deepEqual((await lookupTxt(server, name)).sort(), values);
  });

  it('a wrong secret is dnsBadSignature (NOTAUTH/BADSIG) naming server, zone and key, never the secret', async () => {
    const wrong = { ...rig.keys.sha256, secretBase64: Buffer.alloc(32, 7).toString('base64') };
    const error = await rejection(
      sendUpdate(server, {
        zone: 'example.test',
        key: keyOf(wrong),
        operations: [addTxt('a.example.test', 'v')],
      }),
    );
    expectCode(error, 'dnsBadSignature');
    assert.equal(error.rcode, Rcode.BADSIG);
    assert.equal(error.keyName, 'kube-lego-sha256');
    assert.equal(error.zone, 'example.test');
    assert.equal(error.server, rig.address);
    assert.equal(
      error.message,
      `DNS server ${rig.address} rejected the update of zone "example.test" signed with TSIG key "kube-lego-sha256" (NOTAUTH/BADSIG): the key's secret differs from the server's`,
    );
    assert.ok(
      !error.message.includes(wrong.secretBase64) && !error.message.includes(rig.keys.sha256.secretBase64),
    );
    assert.deepEqual(error.reaction, { kind: 'giveUp', reason: 'ChallengeFailed' });
    assert.deepEqual(await rig.dig('a.example.test', 'TXT'), []);
  });

  it('an unknown key name is dnsBadKey (NOTAUTH/BADKEY)', async () => {
    const unknown = { ...rig.keys.sha256, name: 'no-such-key' };
    const error = await rejection(
      sendUpdate(server, {
        zone: 'example.test',
        key: keyOf(unknown),
        operations: [addTxt('a.example.test', 'v')],
      }),
    );
    expectCode(error, 'dnsBadKey');
    assert.match(error.message, /TSIG key "no-such-key" \(NOTAUTH\/BADKEY\)/);
    assert.deepEqual(error.reaction, { kind: 'giveUp', reason: 'ChallengeFailed' });
  });

  it('a key the server knows but whose ACL does not allow updates is refused (Knot answers BADKEY)', async () => {
    const error = await rejection(
      sendUpdate(server, {
        zone: 'example.test',
        key: keyOf(rig.unauthorizedKey),
        operations: [addTxt('a.example.test', 'v')],
      }),
    );
    expectCode(error, 'dnsBadKey');
    assert.match(
      error.message,
      /TSIG key "kube-lego-read-only" \(NOTAUTH\/BADKEY\): the server has no hmac-sha256 key of that name, or its ACL does not let this key update the zone$/,
    );
    assert.deepEqual(await rig.dig('a.example.test', 'TXT'), []);
  });

  it('a zone the server does not serve is dnsNotAuth; a name outside the zone is dnsNotZone', async () => {
    const key = keyOf(rig.keys.sha256);
    const notServed = await rejection(
      sendUpdate(server, { zone: 'elsewhere.test', key, operations: [addTxt('a.elsewhere.test', 'v')] }),
    );
    expectCode(notServed, 'dnsNotAuth');
    assert.equal(notServed.zone, 'elsewhere.test');
    assert.match(notServed.message, /\(NOTAUTH\): it is not authoritative for "elsewhere.test"/);
    const outside = await rejection(
      sendUpdate(server, { zone: 'example.test', key, operations: [addTxt('a.acme-delegate.test', 'v')] }),
    );
    expectCode(outside, 'dnsNotZone');
    assert.match(outside.message, /\(NOTZONE\): a name of the update is outside "example.test"/);
  });

  it("a clock an hour behind is dnsBadTime (NOTAUTH/BADTIME) with the offset to the server's clock", async () => {
    const error = await rejection(
      sendUpdate(
        server,
        { zone: 'example.test', key: keyOf(rig.keys.sha256), operations: [addTxt('a.example.test', 'v')] },
        { nowMs: () => Date.now() - 3_600_000 },
      ),
    );
    expectCode(error, 'dnsBadTime');
    assert.ok(error.clockOffsetSeconds !== undefined, error.message);
    assert.ok(Math.abs(error.clockOffsetSeconds - 3600) <= 5, `offset ${error.clockOffsetSeconds}`);
    assert.match(error.message, /\(NOTAUTH\/BADTIME\): our clock is 3[56]\d\d s behind the server's/);
    assert.deepEqual(error.reaction, { kind: 'backOff', reason: 'ChallengeFailed' });
  });
});

describe('DNS timeouts', () => {
  const silentUdp = createSocket('udp4');
  let silentTcp: Server;

  before(async () => {
    await new Promise<void>((resolve) => silentUdp.bind(0, '127.0.0.1', resolve));
    // Accepts, reads and never answers.
    silentTcp = createServer((socket) => {
      socket.resume();
    });
    await new Promise<void>((resolve) => silentTcp.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    silentUdp.close();
    silentTcp.close();
    await new Promise<void>((resolve) => silentTcp.once('close', resolve));
  });

  it('a query nobody answers ends at its deadline as dnsTimeout naming the server', async () => {
    const started = Date.now();
    const error = await rejection(
      queryDns({ host: '127.0.0.1', port: silentUdp.address().port }, 'a.test', 16, { timeoutMs: 300 }),
    );
    expectCode(error, 'dnsTimeout');
    assert.ok(Date.now() - started < 2_000);
    assert.match(
      error.message,
      /^DNS server 127\.0\.0\.1:\d+ did not answer the TXT query for "a.test" within 300 ms$/,
    );
    assert.deepEqual(error.reaction, { kind: 'backOff', reason: 'Timeout' });
  });

  it('an update over a TCP connection that never answers ends at its deadline as dnsTimeout', async () => {
    const address = silentTcp.address();
    assert.ok(address !== null && typeof address === 'object');
    const key = createTsigKey({
      name: 'k',
      algorithm: 'hmac-sha256',
      secretBase64: Buffer.alloc(32).toString('base64'),
    });
    const error = await rejection(
      sendUpdate(
        { host: '127.0.0.1', port: address.port },
        { zone: 'example.test', key, operations: [] },
        { timeoutMs: 300 },
      ),
    );
    expectCode(error, 'dnsTimeout');
    assert.equal(error.keyName, 'k');
    assert.equal(error.zone, 'example.test');
  });

  it("the caller's signal ends an exchange early with the signal's reason", async () => {
    const controller = new AbortController();
    const pending = queryDns({ host: '127.0.0.1', port: silentUdp.address().port }, 'a.test', 16, {
      signal: controller.signal,
      timeoutMs: 10_000,
    });
    controller.abort(new Error('stopping'));
    await assert.rejects(pending, /stopping/);
  });
});
