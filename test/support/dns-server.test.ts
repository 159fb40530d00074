import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensureDnsServerInstalled, startDnsServer } from './dns-server.js';

describe('startDnsServer()', () => {
  it('ensureDnsServerInstalled() runs no install when scripts/install-dns.sh has run', async () => {
    const told: string[] = [];
    await ensureDnsServerInstalled((message) => told.push(message));
    assert.deepEqual(told, []);
  });

  it('runs knotd with the test zones on its own port, side by side with another, and stops it', async () => {
    const [first, second] = await Promise.all([startDnsServer(), startDnsServer()]);
    try {
      assert.notEqual(first.port, second.port);
      assert.match(first.version, /^\d+\.\d+\.\d+/);
      assert.deepEqual(first.zones, ['example.test', 'acme-delegate.test']);
      assert.deepEqual(await first.dig('anything.example.test', 'A'), ['127.0.0.1']);
      assert.deepEqual((await first.dig('example.test', 'NS', { tcp: true })).sort(), [
        'ns1.example.test.',
        'ns2.example.test.',
      ]);
      assert.deepEqual(await second.dig('_acme-challenge.delegated.example.test', 'CNAME'), [
        'delegated.acme-delegate.test.',
      ]);
      assert.equal((await first.dig('acme-delegate.test', 'SOA')).length, 1);
      // Each start has its own throwaway secrets.
      assert.notEqual(first.keys.sha256.secretBase64, second.keys.sha256.secretBase64);
      assert.equal(Buffer.from(first.keys.sha512.secretBase64, 'base64').length, 64);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    // Signal 0 probes a PID: ESRCH once the process is gone.
    for (const pid of [first.pid, second.pid]) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    await first.stop();
  });
});
