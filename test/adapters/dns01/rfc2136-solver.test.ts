import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChallengeSolver } from '../../../src/acme/challenge-solver.js';
import { obtainCertificate, toIdentifiers } from '../../../src/acme/obtain-certificate.js';
import type { AcmeAuthorization } from '../../../src/acme/resources.js';
import { Dns01Error } from '../../../src/adapters/dns01/dns01-error.js';
import { Dns01Solvers, type Dns01Settings } from '../../../src/adapters/dns01/rfc2136-solver.js';
import { DnsError } from '../../../src/dns/dns-error.js';
import { createTsigKey } from '../../../src/dns/tsig.js';
import type { Dns01Journal, Dns01Record } from '../../../src/ports/dns01-journal.js';
import { createCsr } from '../../../src/x509/create-csr.js';
import { generateKey } from '../../../src/x509/private-key.js';
import { startChasingResolver, type ChasingResolver } from '../../../dev/devenv/chasing-resolver.js';
import { startAcmeTestbed, type AcmeTestbed } from '../../acme/acme-testbed.js';
import { assertIssued } from '../../acme/issued-certificate.js';
import { defaultTestZones, startDnsServer, type DnsServerRig } from '../../support/dns-server.js';
import { silentLog } from '../../support/silent-log.js';

/** The journal port kept in memory: what the solver remembers, for the assertions. */
class MemoryJournal implements Dns01Journal {
  readonly entries = new Map<string, Dns01Record>();
  remember(record: Dns01Record): Promise<void> {
    this.entries.set(`${record.name} ${record.value}`, record);
    return Promise.resolve();
  }
  forget(record: Dns01Record): Promise<void> {
    this.entries.delete(`${record.name} ${record.value}`);
    return Promise.resolve();
  }
  records(): Promise<readonly Dns01Record[]> {
    return Promise.resolve([...this.entries.values()]);
  }
}

/** A zone whose second nameserver never answers: 127.0.0.2:53 has no listener. */
const lagZone = {
  name: 'lag.test',
  records: [
    '@ SOA ns1.lag.test. hostmaster.lag.test. 1 3600 600 86400 60',
    '@ NS ns1',
    '@ NS ns-lag',
    'ns1 A 127.0.0.1',
    'ns-lag A 127.0.0.2',
    '* A 127.0.0.1',
  ],
};

function pendingAuthz(name: string): AcmeAuthorization {
  return {
    url: `https://acme.invalid/authz/${name}`,
    status: 'pending',
    identifier: { type: 'dns', value: name },
    challenges: [],
    wildcard: false,
  };
}

const route = { provider: 'nginx', ingressClass: 'nginx', classSource: 'default', ingresses: [] } as const;

describe('Dns01Solvers against knotd and Pebble resolving through it', () => {
  let dns: DnsServerRig;
  let testbed: AcmeTestbed;
  let resolver: ChasingResolver;
  // What did start, stopped in reverse order: when a start fails in before(), after() still stops the rest
  // (a knotd left running keeps this test file's process alive).
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    dns = await startDnsServer({ zones: [...defaultTestZones, lagZone] });
    stops.push(() => dns.stop());
    // knotd answers a CNAME into another of its zones with the CNAME alone: the resolver in front of it
    // follows the chain as the CA's recursive resolver would.
    resolver = await startChasingResolver({ host: dns.host, port: dns.port }, { defaultIpv4: '127.0.0.1' });
    stops.push(() => resolver.close());
    testbed = await startAcmeTestbed({ authzReusePercent: 0, dnsServer: resolver.address });
    stops.push(() => testbed.close());
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  function solvers(overrides: Partial<Dns01Settings> = {}, journal = new MemoryJournal()): Dns01Solvers {
    const key = dns.keys.sha256;
    return new Dns01Solvers({
      settings: {
        nameserver: { host: dns.host, port: dns.port },
        key: createTsigKey({ name: key.name, algorithm: key.algorithm, secretBase64: key.secretBase64 }),
        zones: [],
        propagationTimeoutMs: 10_000,
        firstCheckDelayMs: 50,
        ...overrides,
      },
      journal,
      log: silentLog,
    });
  }

  async function issue(
    names: readonly string[],
    solver: ChallengeSolver | ((wildcard: boolean) => ChallengeSolver),
  ) {
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const result = await obtainCertificate(testbed.client, {
      identifiers: toIdentifiers(names),
      csrDer: (await createCsr(key, names)).der,
      solver: typeof solver === 'function' ? (authz) => solver(authz.wildcard) : solver,
      pollIntervalMs: 50,
    });
    assertIssued({
      chainPem: result.certificatePem,
      rootPem: await testbed.rig.rootPem(),
      key,
      names: [...names],
      nowMs: Date.now(),
    });
  }

  it('issues *.wild.example.test and wild.example.test in one certificate; both TXT values go, a foreign one stays', async () => {
    const foreign = 'someone-elses-value';
    const added = await dns.knsupdate(
      `server 127.0.0.1 ${dns.port}\nzone example.test.\nupdate add _acme-challenge.wild.example.test. 60 TXT "${foreign}"\nsend\n`,
      dns.keys.sha512,
    );
    assert.equal(added.code, 0, added.output);
    const journal = new MemoryJournal();
    await issue(['*.wild.example.test', 'wild.example.test'], solvers({}, journal).solverFor(route));
    assert.deepEqual(await dns.dig('_acme-challenge.wild.example.test', 'TXT'), [`"${foreign}"`]);
    assert.equal(journal.entries.size, 0, 'every record written was deleted and forgotten');
  });

  it('issues a mixed order: the wildcard over dns-01, the other names over http-01', async () => {
    const dns01 = solvers().solverFor(route);
    const before = testbed.http01.requests();
    await issue(['*.mixed.example.test', 'www.example.test'], (wildcard) =>
      wildcard ? dns01 : testbed.http01.solver,
    );
    assert.ok(testbed.http01.requests() > before, 'the VA fetched the http-01 token');
    assert.deepEqual(await dns.dig('_acme-challenge.mixed.example.test', 'TXT'), []);
  });

  it('issues a host whose _acme-challenge is CNAME-delegated into a second zone, writing and deleting the record there', async () => {
    const journal = new MemoryJournal();
    const solver = solvers({}, journal).solverFor(route);
    const written: Dns01Record[] = [];
    const served: string[][] = [];
    await issue(['delegated.example.test'], {
      ...solver,
      ready: async (authz, challenge, keyAuthorization) => {
        await solver.ready?.(authz, challenge, keyAuthorization);
        written.push(...journal.entries.values());
        served.push(await dns.dig('delegated.acme-delegate.test', 'TXT'));
      },
    });
    assert.deepEqual(
      written.map((r) => [r.name, r.zone]),
      [['delegated.acme-delegate.test', 'acme-delegate.test']],
    );
    assert.equal(served[0]?.length, 1, 'the TXT record was at the CNAME target while the CA validated');
    assert.deepEqual(await dns.dig('delegated.acme-delegate.test', 'TXT'), []);
    assert.deepEqual(await dns.dig('_acme-challenge.delegated.example.test', 'CNAME'), [
      'delegated.acme-delegate.test.',
    ]);
    assert.equal(journal.entries.size, 0);
  });

  it('refuses a CNAME target outside LEGO_DNS01_ZONES, naming the chain and the zones', async () => {
    const solver = solvers({ zones: ['example.test'] }).solverFor(route);
    await assert.rejects(issue(['delegated.example.test'], solver), (err: unknown) => {
      assert.ok(err instanceof Dns01Error);
      assert.equal(err.code, 'dns01OutsideZones');
      assert.equal(
        err.message,
        'Cannot write the dns-01 record of "delegated.example.test": delegated.acme-delegate.test (reached through CNAMEs: _acme-challenge.delegated.example.test -> delegated.acme-delegate.test) is outside the zones kube-lego updates (LEGO_DNS01_ZONES=example.test); point the CNAME into one of them or add its zone',
      );
      assert.equal(err.reaction.kind, 'giveUp');
      return true;
    });
  });

  it('reports a wrong TSIG secret as BADSIG, naming the key and the zone, and leaves nothing behind', async () => {
    const key = dns.keys.sha256;
    const wrong = createTsigKey({
      name: key.name,
      algorithm: key.algorithm,
      secretBase64: Buffer.alloc(32, 7).toString('base64'),
    });
    const journal = new MemoryJournal();
    await assert.rejects(
      issue(['badsig.example.test'], solvers({ key: wrong }, journal).solverFor(route)),
      (err: unknown) => {
        assert.ok(err instanceof DnsError);
        assert.equal(err.code, 'dnsBadSignature');
        assert.match(err.message, /NOTAUTH\/BADSIG/);
        assert.match(err.message, /TSIG key "kube-lego-sha256"/);
        assert.match(err.message, /zone "example.test"/);
        return true;
      },
    );
    assert.deepEqual(await dns.dig('_acme-challenge.badsig.example.test', 'TXT'), []);
  });

  it('names the nameserver that does not answer the record within the propagation timeout', async () => {
    const solver = solvers({ propagationTimeoutMs: 1_500 }).solverFor(route);
    const startedMs = Date.now();
    await assert.rejects(issue(['slow.lag.test'], solver), (err: unknown) => {
      assert.ok(err instanceof Dns01Error);
      assert.equal(err.code, 'dns01PropagationTimeout');
      assert.match(
        err.message,
        /TXT record _acme-challenge.slow.lag.test was not answered by every authoritative nameserver of zone lag.test within 2 s/,
      );
      assert.match(err.message, /lagging: ns-lag.lag.test \(127.0.0.2:53\)/);
      assert.doesNotMatch(err.message, /ns1.lag.test/);
      return true;
    });
    assert.ok(Date.now() - startedMs < 10_000, 'bounded by the timeout');
    assert.deepEqual(
      await dns.dig('_acme-challenge.slow.lag.test', 'TXT'),
      [],
      'cleaned up after the failure',
    );
  });

  it('removeLeftovers() deletes the records an interrupted run wrote, by value', async () => {
    const journal = new MemoryJournal();
    const solver = solvers({}, journal).solverFor(route);
    const authz = pendingAuthz('left.example.test');
    await solver.present(
      authz,
      { type: 'dns-01', url: 'https://acme.invalid/chall/1', status: 'pending', token: 't' },
      't.thumb',
    );
    assert.equal((await dns.dig('_acme-challenge.left.example.test', 'TXT')).length, 1);
    // A restart: a new solver set with the same journal.
    await solvers({}, journal).removeLeftovers();
    assert.deepEqual(await dns.dig('_acme-challenge.left.example.test', 'TXT'), []);
    assert.equal(journal.entries.size, 0);
  });
});
