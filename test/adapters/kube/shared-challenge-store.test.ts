import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../../../src/adapters/kube/kube-connection.js';
import { SharedChallengeStore } from '../../../src/adapters/kube/shared-challenge-store.js';
import { MemoryChallengeStore } from '../../../src/http/challenge-store.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { eventually } from '../../support/eventually.js';
import { silentLog } from '../../support/silent-log.js';

describe('SharedChallengeStore against the API sandbox', () => {
  let sandbox: Sandbox;
  let dir: string;
  let client: KubeClient;
  const stores: SharedChallengeStore[] = [];

  before(async () => {
    sandbox = await startSandbox({ bookmarkIntervalMs: 200 });
    dir = await mkdtemp(join(tmpdir(), 'shared-challenges-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
      userAgent: 'kube-lego-test',
      requestTimeoutMs: 5_000,
    });
  });

  after(async () => {
    await Promise.all(stores.map((store) => store.stop()));
    client.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function replica(): Promise<SharedChallengeStore> {
    const store = new SharedChallengeStore({
      client,
      local: new MemoryChallengeStore(),
      namespace: 'default',
      name: 'kube-lego-challenges',
      log: silentLog,
    });
    stores.push(store);
    store.start();
    await store.waitForSync();
    return store;
  }

  it("lets a follower answer the leader's exact token once published, and forget it once removed", async () => {
    const leader = await replica();
    const follower = await replica();
    leader.add('a.example.test', 'tok-A', 'tok-A.thumb');
    assert.equal(leader.lookup('a.example.test', 'tok-A'), 'tok-A.thumb');
    await leader.publish();
    const secret = sandbox.store.get('secrets', 'default', 'kube-lego-challenges');
    assert.deepEqual(secret?.['data'], { 'tok-A': Buffer.from('tok-A.thumb').toString('base64') });
    await eventually('the follower answering tok-A', () =>
      Promise.resolve(follower.lookup('a.example.test', 'tok-A')),
    );
    assert.equal(follower.lookup('a.example.test', 'tok-B'), undefined);

    leader.remove('a.example.test', 'tok-A');
    await leader.publish();
    await eventually('the follower forgetting tok-A', () =>
      Promise.resolve(follower.lookup('a.example.test', 'tok-A') === undefined ? true : undefined),
    );
    assert.deepEqual(sandbox.store.get('secrets', 'default', 'kube-lego-challenges')?.['data'] ?? {}, {});
  });

  it('drops the tokens a former leader left behind when a new leader adopts the Secret', async () => {
    const former = await replica();
    former.add('b.example.test', 'tok-old', 'tok-old.thumb');
    await former.publish();
    const next = await replica();
    await eventually('the new leader seeing tok-old', () =>
      Promise.resolve(next.lookup('b.example.test', 'tok-old')),
    );
    next.add('c.example.test', 'tok-new', 'tok-new.thumb');
    await next.adoptLeftovers();
    assert.deepEqual(sandbox.store.get('secrets', 'default', 'kube-lego-challenges')?.['data'], {
      'tok-new': Buffer.from('tok-new.thumb').toString('base64'),
    });
  });
});
