import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startChasingResolver, type ChasingResolver } from '../../dev/devenv/chasing-resolver.js';
import { FAILURE_DELAYS_MS } from '../../src/domain/backoff.js';
import { parseIssuanceRecord } from '../../src/domain/secret-annotations.js';
import { NGINX_ONLY } from '../support/controller-env.js';
import { startDnsServer, type DnsServerRig } from '../support/dns-server.js';
import { readyzOk } from '../support/readyz.js';
import type { ControllerProcess } from './controller-process.js';
import { assertIssuedPair, CONTROLLER_USER, startFaultRig, type FaultRig } from './fault-rig.js';

interface EventList {
  readonly items: readonly {
    readonly reason?: string;
    readonly message?: string;
    readonly involvedObject?: { readonly kind?: string; readonly name?: string };
  }[];
}

const DNS01 = { 'kube-lego/challenge': 'dns-01' } as const;

describe('dns-01 end to end: the controller process, the sandbox, Pebble resolving through knotd, RFC 2136 updates', () => {
  let dns: DnsServerRig;
  let rig: FaultRig;
  let resolver: ChasingResolver;

  // What did start, stopped in reverse order: when a start fails in before(), after() still stops the rest
  // (a knotd left running keeps this test file's process alive).
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    dns = await startDnsServer();
    stops.push(() => dns.stop());
    // Pebble resolves as the CA's recursive resolver does, following CNAMEs into the other zone of knotd;
    // names below a written _acme-challenge record keep their address (see chasing-resolver.ts).
    resolver = await startChasingResolver({ host: dns.host, port: dns.port }, { defaultIpv4: '127.0.0.1' });
    stops.push(() => resolver.close());
    rig = await startFaultRig({ pebble: { dnsServer: resolver.address } });
    stops.push(() => rig.close());
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  function dns01Env(secretBase64: string): Record<string, string> {
    return {
      ...NGINX_ONLY,
      LEGO_DNS01_RFC2136_NAMESERVER: dns.address,
      LEGO_DNS01_RFC2136_TSIG_KEY_NAME: dns.keys.sha256.name,
      LEGO_DNS01_RFC2136_TSIG_SECRET: secretBase64,
      LEGO_DNS01_PROPAGATION_TIMEOUT: '20s',
    };
  }

  async function eventsFor(name: string): Promise<EventList['items']> {
    const events = JSON.parse(await rig.kubectl('get', 'events', '-n', 'default', '-o', 'json')) as EventList;
    return events.items.filter((e) => e.involvedObject?.kind === 'Ingress' && e.involvedObject.name === name);
  }

  async function started(env: Record<string, string>): Promise<ControllerProcess> {
    const lego = rig.startController(env);
    await rig.eventually('/readyz', async () => ((await readyzOk(rig.pebble.httpPort)) ? true : undefined));
    return lego;
  }

  function issued(name: string) {
    return rig.eventually(
      `${name} with a certificate`,
      async () => {
        const secret = await rig.secret(name);
        return secret?.metadata?.annotations?.['kube-lego/not-after'] !== undefined ? secret : undefined;
      },
      90_000,
    );
  }

  /** The controller's writes of the nginx challenge Ingress (in its namespace): made only for http-01 challenges. */
  function challengeRouteWrites(): number {
    return rig.sandbox.audit.filter(
      (e) =>
        e.user === CONTROLLER_USER &&
        e.resource === 'ingresses' &&
        e.namespace === 'kube-lego' &&
        ['create', 'update', 'patch'].includes(e.verb),
    ).length;
  }

  it('a wrong TSIG secret: an Event naming BADSIG and the key, a backoff, one order across a restart', async () => {
    const wrong = Buffer.alloc(32, 7).toString('base64');
    let lego = await started(dns01Env(wrong));
    try {
      await rig.applyIngress('badkey', ['*.badkey.example.test']);
      const record = await rig.eventually('badkey-tls with a failure recorded', async () => {
        const { record: parsed } = parseIssuanceRecord(
          (await rig.secret('badkey-tls'))?.metadata?.annotations ?? {},
        );
        return parsed.failures === 1 && parsed.retryNotBeforeMs !== undefined ? parsed : undefined;
      });
      assert.equal((record.retryNotBeforeMs ?? 0) - (record.lastFailureMs ?? 0), FAILURE_DELAYS_MS[0]);
      const failed = await rig.eventually('an IssuanceFailed Event', async () =>
        (await eventsFor('badkey')).find((e) => e.reason === 'IssuanceFailed'),
      );
      assert.match(failed.message ?? '', /NOTAUTH\/BADSIG/);
      assert.match(failed.message ?? '', new RegExp(`TSIG key "${dns.keys.sha256.name}"`));
      assert.ok(!(failed.message ?? '').includes(wrong), 'the secret is not in the Event');
      assert.ok(!lego.lines.some((line) => line.includes(wrong)), 'nor in the log');
      // A restart inside the backoff orders nothing more.
      await lego.kill();
      lego = await started(dns01Env(wrong));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.equal(rig.ca.ordersFor('*.badkey.example.test'), 1, `one order:\n${lego.lines.join('\n')}`);
      assert.deepEqual(await dns.dig('_acme-challenge.badkey.example.test', 'TXT'), []);
    } finally {
      assert.equal(await lego.terminate(), 0);
    }
  });

  it('issues *.wild.example.test with wild.example.test in one certificate, a mixed order and a CNAME-delegated host; the TXT records are gone afterwards', async () => {
    const lego = await started(dns01Env(dns.keys.sha256.secretBase64));
    try {
      const routeWritesBefore = challengeRouteWrites();
      const hosts = ['*.wild.example.test', 'wild.example.test'];
      await rig.applyIngress('wild', hosts, DNS01);
      assertIssuedPair(await issued('wild-tls'), hosts);
      assert.equal(rig.ca.ordersFor('wild.example.test'), 1);
      assert.deepEqual(
        await dns.dig('_acme-challenge.wild.example.test', 'TXT'),
        [],
        'queried at the server',
      );
      assert.equal(challengeRouteWrites(), routeWritesBefore, 'no http-01 route for a dns-01 certificate');
      const journal = await rig.kubectl(
        'get',
        'secret',
        'kube-lego-account-dns01',
        '-n',
        'kube-lego',
        '-o',
        'json',
      );
      assert.deepEqual((JSON.parse(journal) as { data?: object }).data ?? {}, {}, 'nothing left to clean up');

      // A mixed order: the wildcard over dns-01, the other name (not annotated) over http-01.
      const mixed = ['*.mixed.example.test', 'mixed.example.test'];
      await rig.applyIngress('mixed', mixed);
      assertIssuedPair(await issued('mixed-tls'), mixed);
      assert.equal(rig.ca.ordersFor('mixed.example.test'), 1, 'issued by the first order');
      assert.ok(challengeRouteWrites() > routeWritesBefore, 'mixed.example.test was routed for http-01');
      assert.deepEqual(await dns.dig('_acme-challenge.mixed.example.test', 'TXT'), []);

      // CNAME delegation: _acme-challenge.delegated.example.test points into acme-delegate.test.
      await rig.applyIngress('delegated', ['delegated.example.test'], DNS01);
      assertIssuedPair(await issued('delegated-tls'), ['delegated.example.test']);
      assert.equal(rig.ca.ordersFor('delegated.example.test'), 1, 'issued by the first order');
      assert.deepEqual(
        await dns.dig('delegated.acme-delegate.test', 'TXT'),
        [],
        'deleted in the second zone',
      );
    } finally {
      assert.equal(await lego.terminate(), 0);
    }
  });
});
