import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccessReview } from '../../../src/adapters/kube/access-review.js';
import { EventRecorder } from '../../../src/adapters/kube/event-recorder.js';
import { KubeClient } from '../../../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../../../src/adapters/kube/kube-connection.js';
import { KubeApiError, isKubeError } from '../../../src/adapters/kube/kube-errors.js';
import { kubeListWatcher } from '../../../src/adapters/kube/kube-list-watcher.js';
import { KubeObjects } from '../../../src/adapters/kube/kube-objects.js';
import type { IngressObject, SecretObject } from '../../../src/adapters/kube/kube-types.js';
import { EVENTS, INGRESSES, SECRETS } from '../../../src/adapters/kube/resources.js';
import { SecretStore } from '../../../src/adapters/kube/secret-store.js';
import { Informer } from '../../../src/runtime/informer.js';
import { watchSources } from '../../../src/app/watch.js';
import type { Log } from '../../../src/ports/log.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import type { EventToRecord } from '../../../src/ports/events.js';

function ingress(name: string, hosts: string[]): IngressObject {
  return {
    metadata: { name, namespace: 'default', annotations: { 'kubernetes.io/tls-acme': 'true' } },
    spec: {
      tls: [{ hosts, secretName: `${name}-tls` }],
      rules: hosts.map((host) => ({
        host,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
          ],
        },
      })),
    },
  };
}

async function eventually(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('Kubernetes adapter against the API sandbox', () => {
  let sandbox: Sandbox;
  let dir: string;
  let client: KubeClient;
  let objects: KubeObjects;
  const requests: string[] = [];

  before(async () => {
    sandbox = await startSandbox({ bookmarkIntervalMs: 200 });
    dir = await mkdtemp(join(tmpdir(), 'kube-adapter-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
      userAgent: 'kube-lego-test',
      requestTimeoutMs: 5000,
      onRequest: (method, path) => requests.push(`${method} ${path}`),
    });
    objects = new KubeObjects(client);
  });

  after(async () => {
    client.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('maps 404 to a notFound KubeApiError and find() to undefined', async () => {
    await assert.rejects(objects.get(SECRETS, 'default', 'missing'), (err: unknown) => {
      assert.ok(err instanceof KubeApiError);
      assert.equal(err.code, 'notFound');
      assert.equal(err.status, 404);
      assert.equal(err.reason, 'NotFound');
      return true;
    });
    assert.equal(await objects.find(SECRETS, 'default', 'missing'), undefined);
  });

  it('refuses a write with a stale resourceVersion as a conflict instead of overwriting', async () => {
    const created = await objects.create<SecretObject>(SECRETS, 'default', {
      metadata: { name: 'stale', namespace: 'default' },
      type: 'Opaque',
      data: { a: Buffer.from('1').toString('base64') },
    });
    await objects.replace<SecretObject>(SECRETS, 'default', {
      ...created,
      data: { a: Buffer.from('2').toString('base64') },
    });
    await assert.rejects(
      objects.replace<SecretObject>(SECRETS, 'default', {
        ...created,
        data: { a: Buffer.from('3').toString('base64') },
      }),
      (err: unknown) => isKubeError(err, 'conflict'),
    );
    const stored = await objects.get<SecretObject>(SECRETS, 'default', 'stale');
    assert.equal(Buffer.from(stored.data?.a ?? '', 'base64').toString(), '2');
  });

  it('reports a 429 with its Retry-After as rateLimited', async () => {
    sandbox.faults.failNext({
      method: 'GET',
      pathPattern: '/secrets/limited$',
      count: 1,
      status: 429,
      retryAfterSeconds: 7,
    });
    await assert.rejects(objects.get(SECRETS, 'default', 'limited'), (err: unknown) => {
      assert.ok(err instanceof KubeApiError);
      assert.equal(err.code, 'tooManyRequests');
      assert.equal(err.retryAfterMs, 7000);
      assert.equal(err.errorClass, 'rateLimited');
      return true;
    });
  });

  it('classifies a 422 as invalid (terminal)', async () => {
    await assert.rejects(
      objects.create<SecretObject>(SECRETS, 'default', {
        metadata: { name: 'bad-tls', namespace: 'default' },
        type: 'kubernetes.io/tls',
        data: {},
      }),
      (err: unknown) => isKubeError(err, 'invalid') && err.errorClass === 'terminal',
    );
  });

  it('keeps an Ingress informer in sync through create, update, delete, closed watches and expired history', async () => {
    const seen: string[] = [];
    const informer = new Informer<IngressObject>({
      name: 'ingresses',
      source: kubeListWatcher<IngressObject>(client, { resource: INGRESSES }),
      onChange: (key, current) => seen.push(`${key}:${current === undefined ? 'deleted' : 'present'}`),
      initialBackoffMs: 20,
      maxBackoffMs: 100,
    });
    informer.start();
    try {
      await informer.waitForSync();
      assert.equal(informer.hasSynced(), true);
      await objects.create(INGRESSES, 'default', ingress('web', ['a.example.test']));
      await eventually('the created ingress', () => informer.get('default/web') !== undefined);

      sandbox.faults.closeWatches();
      await objects.create(INGRESSES, 'default', ingress('after-close', ['b.example.test']));
      await eventually(
        'an ingress created after the watch closed',
        () => informer.get('default/after-close') !== undefined,
      );

      sandbox.faults.closeWatches();
      sandbox.faults.expireHistory();
      await objects.delete(INGRESSES, { namespace: 'default', name: 'web' });
      await eventually('the deletion after expired history', () => informer.get('default/web') === undefined);
      assert.ok(seen.includes('default/web:deleted'));
    } finally {
      await informer.stop();
    }
  });

  it('caches only labelled Secrets and reads an unlabelled one with a targeted GET, cached briefly', async () => {
    await objects.create<SecretObject>(SECRETS, 'default', {
      metadata: { name: 'managed', namespace: 'default', labels: { 'kube-lego/managed': 'true' } },
      type: 'Opaque',
      data: {},
    });
    await objects.create<SecretObject>(SECRETS, 'default', {
      metadata: { name: 'user-owned', namespace: 'default' },
      type: 'Opaque',
      data: {},
    });
    const informer = new Informer<SecretObject>({
      name: 'secrets',
      source: kubeListWatcher<SecretObject>(client, {
        resource: SECRETS,
        labelSelector: 'kube-lego/managed=true',
      }),
      onChange: () => undefined,
    });
    informer.start();
    try {
      await informer.waitForSync();
      assert.deepEqual(
        informer.list().map((s) => s.metadata?.name),
        ['managed'],
      );
      const store = new SecretStore({ objects, managed: informer, ttlMs: 60_000 });
      requests.length = 0;
      const managed = await store.lookup('default', 'managed', 0);
      assert.equal(managed.kind === 'found' && managed.managedCache, true);
      // Only object reads count here; the informer's own watch requests are collection paths.
      const objectReads = (): string[] => requests.filter((r) => r.includes('/namespaces/'));
      assert.deepEqual(objectReads(), []);
      const first = await store.lookup('default', 'user-owned', 1000);
      const second = await store.lookup('default', 'user-owned', 2000);
      assert.equal(first.kind, 'found');
      assert.equal(second.kind, 'found');
      assert.deepEqual(objectReads(), ['GET /api/v1/namespaces/default/secrets/user-owned']);
      assert.deepEqual(await store.lookup('default', 'nothing-here', 0), { kind: 'absent' });
    } finally {
      await informer.stop();
    }
  });

  it('lists in pages of at most 100 objects and keeps every object of every page', async () => {
    const labelSelector = 'kube-lego/paging-test=true';
    for (let i = 0; i < 250; i += 1) {
      await objects.create<SecretObject>(SECRETS, 'default', {
        metadata: {
          name: `paged-${String(i).padStart(3, '0')}`,
          labels: { 'kube-lego/paging-test': 'true' },
        },
        type: 'Opaque',
        data: {},
      });
    }
    const auditStart = sandbox.audit.length;
    const listed = await kubeListWatcher<SecretObject>(client, { resource: SECRETS, labelSelector }).list(
      AbortSignal.timeout(10_000),
    );
    assert.equal(new Set(listed.items.map((s) => s.metadata?.name)).size, 250);
    const pages = sandbox.audit
      .slice(auditStart)
      .filter((e) => e.verb === 'list' && e.resource === 'secrets');
    assert.equal(pages.length, 3);
  });

  it('keeps the watched objects without managedFields and tells when a managed Secret is gone', async () => {
    const secret = await objects.create<SecretObject>(SECRETS, 'default', {
      metadata: { name: 'slim-tls', labels: { 'kube-lego/managed': 'true' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' },
    });
    await objects.create<IngressObject>(INGRESSES, 'default', ingress('slim', ['slim.example']));
    // The server tracks field ownership: what it serves carries managedFields.
    assert.ok(secret.metadata?.managedFields !== undefined, 'the sandbox serves managedFields');
    const gone: string[] = [];
    const silent: Log = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      with: () => silent,
    };
    const watches = watchSources({
      client,
      namespace: 'default',
      queue: { add: () => undefined },
      onIngressChange: () => undefined,
      annotationKey: 'kubernetes.io/tls-acme',
      onSecretGone: (uid) => gone.push(uid),
      synced: () => true,
      log: silent,
    });
    watches.ingresses.start();
    watches.secrets.start();
    try {
      await Promise.all([watches.ingresses.waitForSync(), watches.secrets.waitForSync()]);
      const cachedSecret = watches.secrets.get('default/slim-tls');
      assert.deepEqual(cachedSecret?.data, { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' });
      assert.equal(cachedSecret.metadata?.managedFields, undefined);
      const cachedIngress = watches.ingresses.get('default/slim');
      assert.deepEqual(cachedIngress?.spec?.tls, [{ hosts: ['slim.example'], secretName: 'slim-tls' }]);
      assert.equal(cachedIngress.metadata?.managedFields, undefined);
      await objects.delete(SECRETS, { namespace: 'default', name: 'slim-tls' });
      await eventually('the deleted Secret reported gone', () => gone.length > 0);
      assert.deepEqual(gone, [secret.metadata.uid]);
    } finally {
      await Promise.all([watches.ingresses.stop(), watches.secrets.stop()]);
    }
  });

  it('reads its own write while the managed cache still holds the older copy (no decision on a stale read)', async () => {
    const created = await objects.create<SecretObject>(SECRETS, 'default', {
      metadata: { name: 'read-your-write', labels: { 'kube-lego/managed': 'true' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': '', 'tls.key': '' },
    });
    let cached: SecretObject | undefined = created;
    const store = new SecretStore({ objects, managed: { get: () => cached } });
    const before = await store.lookup('default', 'read-your-write', 0);
    assert.ok(before.kind === 'found');
    const result = await store.write({
      namespace: 'default',
      name: 'read-your-write',
      base: before.secret,
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Q0VSVA==', 'tls.key': 'S0VZ' },
      labels: { 'kube-lego/managed': 'true' },
      annotations: { 'kube-lego/not-after': '2027-01-01T00:00:00Z' },
    });
    assert.equal(result.kind, 'written');
    // The informer has not delivered the write yet: the store answers with what it wrote.
    const after = await store.lookup('default', 'read-your-write', 0);
    assert.ok(after.kind === 'found');
    assert.equal(after.secret.snapshot.annotations['kube-lego/not-after'], '2027-01-01T00:00:00Z');
    // Once the cache holds that version (or a later one), the cache is the source again.
    const latest = await objects.get<SecretObject>(SECRETS, 'default', 'read-your-write');
    cached = { ...latest, metadata: { ...latest.metadata, annotations: { marker: 'from-cache' } } };
    const caught = await store.lookup('default', 'read-your-write', 0);
    assert.ok(caught.kind === 'found');
    assert.deepEqual(caught.secret.snapshot.annotations, { marker: 'from-cache' });
  });

  it('never reports a Secret as absent when the read fails', async () => {
    const store = new SecretStore({ objects, managed: { get: () => undefined } });
    sandbox.faults.failNext({ method: 'GET', pathPattern: '/secrets/flaky$', count: 1, status: 500 });
    await assert.rejects(store.lookup('default', 'flaky', 0), (err: unknown) =>
      isKubeError(err, 'serverError'),
    );
  });

  it('aggregates a repeated Event into one object with a count', async () => {
    const recorder = new EventRecorder(objects);
    const event: EventToRecord = {
      involved: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'default', name: 'web' },
      type: 'Warning',
      reason: 'IssuanceFailed',
      message: 'Cannot issue certificate for a.example.test: challenge failed',
    };
    await recorder.record(event);
    await recorder.record(event);
    await recorder.record({ ...event, reason: 'RateLimited' });
    const stored = sandbox.store.list('events', 'default').filter((e) => {
      const involved = e['involvedObject'] as { name?: string } | undefined;
      return involved?.name === 'web';
    });
    const counts = stored.map((e) => `${JSON.stringify(e['reason'])}:${JSON.stringify(e['count'])}`).sort();
    assert.deepEqual(counts, ['"IssuanceFailed":2', '"RateLimited":1']);
    assert.equal(EVENTS.plural, 'events');
  });

  it('answers access questions through SelfSubjectAccessReview', async () => {
    const review = new AccessReview(client);
    assert.equal(
      await review.allowed({ verb: 'update', resource: 'secrets', namespace: 'default', name: 'x' }, 0),
      true,
    );
  });
});

describe('Kubernetes watches against a silent partition of the API sandbox', () => {
  const BOOKMARK_INTERVAL_MS = 200;
  let sandbox: Sandbox;
  let dir: string;
  let client: KubeClient;

  before(async () => {
    sandbox = await startSandbox({
      bookmarkIntervalMs: BOOKMARK_INTERVAL_MS,
      users: { 'partition-test-token': { name: 'kube-lego' } },
    });
    dir = await mkdtemp(join(tmpdir(), 'kube-adapter-partition-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig, { user: 'kube-lego' });
    client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
      userAgent: 'kube-lego-test',
      requestTimeoutMs: 5000,
    });
  });

  after(async () => {
    client.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'keeps a quiet watch that gets bookmarks, and ends a silenced one after three missed bookmark intervals',
    { timeout: 20_000 },
    async () => {
      const source = kubeListWatcher<IngressObject>(client, { resource: INGRESSES, minimumSilenceMs: 0 });
      const { resourceVersion } = await source.list(AbortSignal.timeout(5000));
      const bookmarkTimes: number[] = [];
      const ended: { atMs?: number } = {};
      const endedAtMs = (): number | undefined => ended.atMs;
      const abort = new AbortController();
      const watching = source
        .watch(
          resourceVersion,
          (change) => {
            if (change.type === 'bookmark') bookmarkTimes.push(performance.now());
          },
          abort.signal,
        )
        .finally(() => (ended.atMs = performance.now()));
      try {
        // Quiet but healthy: ten bookmark intervals without an event must not end the stream.
        await new Promise((resolve) => setTimeout(resolve, 10 * BOOKMARK_INTERVAL_MS));
        assert.equal(endedAtMs(), undefined, 'a watch that gets bookmarks stays open');
        assert.ok(bookmarkTimes.length >= 5, `bookmarks seen: ${bookmarkTimes.length}`);

        sandbox.faults.partition({ user: 'kube-lego' });
        await assert.rejects(
          watching,
          (err: unknown) => isKubeError(err, 'timeout') && /not even a bookmark/.test(String(err)),
        );
        // Silence counts from the last thing the stream sent.
        const silentForMs = (endedAtMs() ?? Number.NaN) - (bookmarkTimes.at(-1) ?? Number.NaN);
        // Three intervals of the longest gap seen (timers may stretch a gap a little under load).
        assert.ok(silentForMs >= 3 * BOOKMARK_INTERVAL_MS - 50, `ended after ${silentForMs} ms of silence`);
        assert.ok(silentForMs < 10 * BOOKMARK_INTERVAL_MS, `ended after ${silentForMs} ms of silence`);
      } finally {
        abort.abort();
        await watching.catch(() => undefined);
        sandbox.faults.heal();
      }
      // The server records a watch once its connection has closed.
      await eventually('the watch in the audit log', () => sandbox.audit.some((e) => e.verb === 'watch'));
      for (const entry of sandbox.audit.filter((e) => e.verb === 'watch')) {
        assert.match(entry.query, /(^|&)allowWatchBookmarks=true(&|$)/);
      }
    },
  );
});
