import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SecretDns01Journal } from '../../../src/adapters/dns01/secret-journal.js';
import { KubeClient } from '../../../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../../../src/adapters/kube/kube-connection.js';
import { KubeObjects } from '../../../src/adapters/kube/kube-objects.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { storedSecrets } from '../../support/issued-secrets.js';

describe('SecretDns01Journal against the API sandbox', () => {
  let sandbox: Sandbox;
  let dir: string;
  let client: KubeClient;
  let objects: KubeObjects;

  before(async () => {
    sandbox = await startSandbox();
    dir = await mkdtemp(join(tmpdir(), 'dns01-journal-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
      userAgent: 'kube-lego-test',
      requestTimeoutMs: 5_000,
    });
    objects = new KubeObjects(client);
  });

  after(async () => {
    client.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  const wildcard = { name: '_acme-challenge.a.example', zone: 'a.example', value: 'value-of-the-wildcard' };
  const apex = { name: '_acme-challenge.a.example', zone: 'a.example', value: 'value-of-the-apex' };

  it('creates the Secret on the first record, keeps concurrent records apart, and forgets one by value', async () => {
    const journal = new SecretDns01Journal(objects, {
      namespace: 'default',
      name: 'kube-lego-account-dns01',
    });
    assert.deepEqual(await journal.records(), []);
    await Promise.all([journal.remember(wildcard), journal.remember(apex)]);
    const sorted = async () => [...(await journal.records())].sort((a, b) => a.value.localeCompare(b.value));
    assert.deepEqual(await sorted(), [apex, wildcard]);
    await journal.forget(wildcard);
    assert.deepEqual(await sorted(), [apex]);
    // What a restart reads: the Secret as stored, by another journal.
    const restarted = new SecretDns01Journal(objects, {
      namespace: 'default',
      name: 'kube-lego-account-dns01',
    });
    assert.deepEqual(await restarted.records(), [apex]);
    const stored = storedSecrets(sandbox.store, 'default').get('kube-lego-account-dns01');
    assert.equal(Object.keys(stored?.data ?? {}).length, 1);
    await restarted.forget(apex);
    await restarted.forget(apex); // forgetting twice is harmless
    assert.deepEqual(await restarted.records(), []);
  });
});
