import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AcmeAuthorization, AcmeChallenge } from '../../../src/acme/resources.js';
import { Http01Solvers, type ChallengeRouter } from '../../../src/adapters/http01/http01-solver.js';
import type { RoutedHost } from '../../../src/adapters/http01/nginx-routing.js';
import { MemoryChallengeStore } from '../../../src/http/challenge-store.js';
import { silentLog } from '../../support/silent-log.js';

const log = silentLog;

function authz(host: string): AcmeAuthorization {
  return {
    url: `https://ca/authz/${host}`,
    status: 'pending',
    identifier: { type: 'dns', value: host },
    challenges: [],
    wildcard: false,
  };
}

function challenge(token: string): AcmeChallenge {
  return { type: 'http-01', url: `https://ca/chall/${token}`, status: 'pending', token };
}

/** Records every set of hosts a router was asked to route. */
class RecordingRouter implements ChallengeRouter {
  readonly syncs: string[][] = [];
  sync(hosts: readonly RoutedHost[]): Promise<void> {
    this.syncs.push(hosts.map((h) => h.host).sort());
    return Promise.resolve();
  }
}

const route = (ingress: string) => ({
  provider: 'nginx',
  ingressClass: 'nginx',
  classSource: 'default' as const,
  ingresses: [ingress],
});

/** Solvers with a fresh token store, routing nginx hosts to `router`, without a self-check wait. */
function solversRoutingTo(router: ChallengeRouter): Http01Solvers {
  return new Http01Solvers({
    tokens: new MemoryChallengeStore(),
    routers: new Map([['nginx', router]]),
    selfCheck: { kind: 'wait', delayMs: 0 },
    log,
  });
}

describe('Http01Solvers', () => {
  it('serves each token while its challenge is presented and frees it afterwards (bug 10)', async () => {
    const store = new MemoryChallengeStore();
    const router = new RecordingRouter();
    const solvers = new Http01Solvers({
      tokens: store,
      routers: new Map([['nginx', router]]),
      selfCheck: { kind: 'wait', delayMs: 0 },
      log,
    });
    const solver = solvers.solverFor(route('default/web'));
    await solver.present(authz('a.example'), challenge('tok-a'), 'tok-a.thumb');
    assert.equal(store.lookup('a.example', 'tok-a'), 'tok-a.thumb');
    await solver.cleanup(authz('a.example'), challenge('tok-a'), 'tok-a.thumb');
    assert.equal(store.lookup('a.example', 'tok-a'), undefined);
    assert.equal(store.size, 0);
    assert.deepEqual(router.syncs.at(-1), []);
  });

  it('routes the union of hosts pending across concurrent orders and keeps a host until its last order is done', async () => {
    const router = new RecordingRouter();
    const solvers = solversRoutingTo(router);
    const web = solvers.solverFor(route('default/web'));
    const api = solvers.solverFor(route('default/api'));
    await web.present(authz('a.example'), challenge('t1'), 'k1');
    await api.present(authz('b.example'), challenge('t2'), 'k2');
    await api.present(authz('a.example'), challenge('t3'), 'k3');
    assert.deepEqual(router.syncs.at(-1), ['a.example', 'b.example']);
    await web.cleanup(authz('a.example'), challenge('t1'), 'k1');
    assert.deepEqual(
      router.syncs.at(-1),
      ['a.example', 'b.example'],
      'a.example is still pending for the other order',
    );
    await api.cleanup(authz('a.example'), challenge('t3'), 'k3');
    await api.cleanup(authz('b.example'), challenge('t2'), 'k2');
    assert.deepEqual(router.syncs.at(-1), []);
  });

  it('leaves a finished host to the next routing update while other hosts are pending, and clears all after the last', async () => {
    const router = new RecordingRouter();
    const solvers = solversRoutingTo(router);
    const solver = solvers.solverFor(route('default/web'));
    await solver.present(authz('a.example'), challenge('t-a'), 'k-a');
    await solver.present(authz('b.example'), challenge('t-b'), 'k-b');
    const before = router.syncs.length;
    await solver.cleanup(authz('a.example'), challenge('t-a'), 'k-a');
    assert.equal(router.syncs.length, before, 'no routing update only to drop a.example');
    await solver.present(authz('c.example'), challenge('t-c'), 'k-c');
    assert.deepEqual(router.syncs.at(-1), ['b.example', 'c.example'], 'the next update drops it');
    await solver.cleanup(authz('b.example'), challenge('t-b'), 'k-b');
    await solver.cleanup(authz('c.example'), challenge('t-c'), 'k-c');
    assert.deepEqual(router.syncs.at(-1), [], 'the last cleanup removes every route');
  });

  it('joins challenges presented together into one routing update', async () => {
    const router = new RecordingRouter();
    const solvers = solversRoutingTo(router);
    const solver = solvers.solverFor(route('default/web'));
    await Promise.all(
      ['a', 'b', 'c'].map((h) => solver.present(authz(`${h}.example`), challenge(`t-${h}`), `k-${h}`)),
    );
    assert.ok(router.syncs.length <= 2, `${router.syncs.length} routing updates for 3 challenges`);
    assert.deepEqual(router.syncs.at(-1), ['a.example', 'b.example', 'c.example']);
  });
});
