import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  makeInformer,
  V1Namespace,
  V1ObjectMeta,
  V1Secret,
  type KubernetesObject,
  type V1Ingress,
} from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { call, ingress } from './api-client.js';

interface Seen {
  verb: 'add' | 'update' | 'delete';
  name: string;
  rv: string;
}

/** Records informer callbacks and lets a test wait for one. */
function recorder(): {
  events: Seen[];
  push: (verb: Seen['verb']) => (o: KubernetesObject) => void;
  waitFor: (p: (e: Seen) => boolean) => Promise<Seen>;
} {
  const events: Seen[] = [];
  const waiters: { p: (e: Seen) => boolean; resolve: (e: Seen) => void }[] = [];
  return {
    events,
    push: (verb) => (o) => {
      const e = { verb, name: o.metadata?.name ?? '', rv: o.metadata?.resourceVersion ?? '' };
      events.push(e);
      for (const w of [...waiters]) {
        if (w.p(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    },
    waitFor: (p) => {
      const found = events.find(p);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no informer event matched; saw ${JSON.stringify(events)}`));
        }, 10_000);
        waiters.push({
          p,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
}

const secret = (name: string, labels: Record<string, string>, value = 'v'): V1Secret =>
  Object.assign(new V1Secret(), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: Object.assign(new V1ObjectMeta(), { name, labels }),
    data: { key: Buffer.from(value).toString('base64') },
  });

describe('@kubernetes/client-node 2.x (the official client) against the sandbox', () => {
  let sb: Sandbox;
  let dir: string;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let net: NetworkingV1Api;

  before(async () => {
    sb = await startSandbox();
    dir = await mkdtemp(join(tmpdir(), 'sandbox-client-node-'));
    await sb.writeKubeconfig(join(dir, 'kubeconfig'));
    kc = new KubeConfig();
    kc.loadFromFile(join(dir, 'kubeconfig'));
    core = kc.makeApiClient(CoreV1Api);
    net = kc.makeApiClient(NetworkingV1Api);
    await core.createNamespace({
      body: Object.assign(new V1Namespace(), {
        metadata: Object.assign(new V1ObjectMeta(), { name: 'shop' }),
      }),
    });
  });
  after(async () => {
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the written kubeconfig and lists with a bearer token', async () => {
    const list = await core.listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === 'shop'));
    assert.equal(sb.audit.at(-1)?.user, 'admin');
  });

  it('an Ingress informer sees creates, updates and deletes', async (t) => {
    const rec = recorder();
    const informer = makeInformer<V1Ingress>(kc, '/apis/networking.k8s.io/v1/ingresses', () =>
      net.listIngressForAllNamespaces(),
    );
    informer.on('add', rec.push('add'));
    informer.on('update', rec.push('update'));
    informer.on('delete', rec.push('delete'));
    informer.on('error', () => undefined);
    await informer.start();
    t.after(() => informer.stop());

    await net.createNamespacedIngress({ namespace: 'shop', body: ingress('web') });
    await rec.waitFor((e) => e.verb === 'add' && e.name === 'web');
    await net.patchNamespacedIngress({
      namespace: 'shop',
      name: 'web',
      body: [{ op: 'add', path: '/spec/ingressClassName', value: 'nginx' }],
    });
    await rec.waitFor((e) => e.verb === 'update' && e.name === 'web');
    assert.equal(informer.get('web', 'shop')?.spec?.ingressClassName, 'nginx');
    await net.deleteNamespacedIngress({ namespace: 'shop', name: 'web' });
    await rec.waitFor((e) => e.verb === 'delete' && e.name === 'web');
    assert.equal(informer.get('web', 'shop'), undefined);
  });

  it('a labelled-Secret informer sees only labelled Secrets, and losing the label is a delete', async (t) => {
    const rec = recorder();
    const selector = 'managed-by=kube-lego';
    const informer = makeInformer<V1Secret>(
      kc,
      '/api/v1/namespaces/shop/secrets',
      () => core.listNamespacedSecret({ namespace: 'shop', labelSelector: selector }),
      selector,
    );
    informer.on('add', rec.push('add'));
    informer.on('update', rec.push('update'));
    informer.on('delete', rec.push('delete'));
    informer.on('error', () => undefined);
    await informer.start();
    t.after(() => informer.stop());

    await core.createNamespacedSecret({ namespace: 'shop', body: secret('other', {}) });
    await core.createNamespacedSecret({
      namespace: 'shop',
      body: secret('mine', { 'managed-by': 'kube-lego' }),
    });
    await rec.waitFor((e) => e.verb === 'add' && e.name === 'mine');
    await core.replaceNamespacedSecret({
      namespace: 'shop',
      name: 'mine',
      body: secret('mine', { 'managed-by': 'kube-lego' }, 'v2'),
    });
    await rec.waitFor((e) => e.verb === 'update' && e.name === 'mine');
    await core.replaceNamespacedSecret({ namespace: 'shop', name: 'mine', body: secret('mine', {}, 'v2') });
    await rec.waitFor((e) => e.verb === 'delete' && e.name === 'mine');
    assert.ok(
      !rec.events.some((e) => e.name === 'other'),
      'the unlabelled Secret never reached the informer',
    );
  });

  it('an informer recovers from a forced 410 by relisting', async (t) => {
    const rec = recorder();
    const informer = makeInformer<V1Secret>(kc, '/api/v1/namespaces/shop/secrets', () =>
      core.listNamespacedSecret({ namespace: 'shop' }),
    );
    informer.on('add', rec.push('add'));
    informer.on('update', rec.push('update'));
    informer.on('delete', rec.push('delete'));
    informer.on('error', () => undefined);
    await informer.start();
    t.after(() => informer.stop());
    const lists = (): number =>
      sb.audit.filter((e) => e.verb === 'list' && e.path === '/api/v1/namespaces/shop/secrets').length;
    const listsBefore = lists();

    sb.faults.expireHistory();
    sb.faults.closeWatches();
    await call(sb, 'POST', '/api/v1/namespaces/shop/secrets', { body: secret('after-410', {}) });
    await rec.waitFor((e) => e.verb === 'add' && e.name === 'after-410');
    assert.ok(lists() > listsBefore, 'the informer listed again after the 410');
    assert.ok(informer.get('after-410', 'shop'));
  });

  it('a conflicting update gets 409 Conflict', async () => {
    const created = await core.createNamespacedSecret({ namespace: 'shop', body: secret('race', {}) });
    await core.replaceNamespacedSecret({
      namespace: 'shop',
      name: 'race',
      body: Object.assign(new V1Secret(), created, { data: { key: 'YQ==' } }),
    });
    await assert.rejects(
      core.replaceNamespacedSecret({
        namespace: 'shop',
        name: 'race',
        body: Object.assign(new V1Secret(), created, { data: { key: 'Yg==' } }),
      }),
      (error: unknown) => {
        assert.ok(error instanceof ApiException);
        assert.equal(error.code, 409);
        assert.match(String(error.body), /the object has been modified/);
        return true;
      },
    );
  });

  it('server-side apply and merge patch work through setHeaderOptions content types', async () => {
    const applied = await core.patchNamespacedSecret(
      {
        namespace: 'shop',
        name: 'applied',
        fieldManager: 'kube-lego',
        force: true,
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'applied', namespace: 'shop' },
          type: 'kubernetes.io/tls',
          data: { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    assert.equal(applied.type, 'kubernetes.io/tls');
    const entry = applied.metadata?.managedFields?.[0];
    assert.deepEqual([entry?.manager, entry?.operation], ['kube-lego', 'Apply']);
    const merged = await core.patchNamespacedSecret(
      { namespace: 'shop', name: 'applied', body: { metadata: { annotations: { note: 'x' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(merged.metadata?.annotations?.['note'], 'x');
    assert.equal(merged.data?.['tls.crt'], 'Y3J0');
  });

  it('loads a TLS kubeconfig with the generated CA', async (t) => {
    const secure = await startSandbox({ tls: true });
    t.after(() => secure.close());
    await secure.writeKubeconfig(join(dir, 'tls-kubeconfig'));
    const tlsKc = new KubeConfig();
    tlsKc.loadFromFile(join(dir, 'tls-kubeconfig'));
    const list = await tlsKc.makeApiClient(CoreV1Api).listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === 'default'));
  });
});
