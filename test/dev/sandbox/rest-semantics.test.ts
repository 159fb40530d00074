import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { at, call, configMap, ingress, items } from './api-client.js';

const NS = '/api/v1/namespaces';

describe('sandbox REST semantics', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox();
    await call(sb, 'POST', NS, { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } });
  });
  after(async () => {
    await sb.close();
  });

  it('create fills uid, creationTimestamp and a numeric resourceVersion, and get returns the same object', async () => {
    const created = await call(sb, 'POST', `${NS}/shop/configmaps`, { body: configMap('one', { a: '1' }) });
    assert.equal(created.status, 201);
    assert.match(String(at(created.body, 'metadata.uid')), /^[0-9a-f-]{36}$/);
    assert.match(String(at(created.body, 'metadata.creationTimestamp')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(String(at(created.body, 'metadata.resourceVersion')), /^\d+$/);
    const got = await call(sb, 'GET', `${NS}/shop/configmaps/one`);
    assert.equal(got.status, 200);
    assert.equal(at(got.body, 'kind'), 'ConfigMap');
    assert.equal(at(got.body, 'apiVersion'), 'v1');
    assert.deepEqual(at(got.body, 'data'), { a: '1' });
    assert.equal(at(got.body, 'metadata.uid'), at(created.body, 'metadata.uid'));
  });

  it('resourceVersion increases monotonically across writes of different objects', async () => {
    const a = await call(sb, 'POST', `${NS}/shop/configmaps`, { body: configMap('rv-a') });
    const b = await call(sb, 'POST', `${NS}/shop/configmaps`, { body: configMap('rv-b') });
    const c = await call(sb, 'PUT', `${NS}/shop/configmaps/rv-a`, {
      body: { ...configMap('rv-a', { x: 'y' }) },
    });
    const versions = [a, b, c].map((r) => Number(at(r.body, 'metadata.resourceVersion')));
    assert.ok(
      versions[0]! < versions[1]! && versions[1]! < versions[2]!,
      `not increasing: ${versions.join(',')}`,
    );
  });

  it('generateName produces a unique name with the prefix', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } };
    const first = await call(sb, 'POST', `${NS}/shop/configmaps`, { body });
    const second = await call(sb, 'POST', `${NS}/shop/configmaps`, { body });
    assert.equal(first.status, 201);
    assert.match(String(at(first.body, 'metadata.name')), /^gen-[a-z0-9]{5}$/);
    assert.notEqual(at(first.body, 'metadata.name'), at(second.body, 'metadata.name'));
  });

  it('a missing name without generateName is 422 Invalid naming metadata.name', async () => {
    const res = await call(sb, 'POST', `${NS}/shop/configmaps`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
    });
    assert.equal(res.status, 422);
    assert.equal(at(res.body, 'reason'), 'Invalid');
    assert.equal(at(res.body, 'details.causes[0].field'), 'metadata.name');
  });

  it('get of a missing object is a 404 Status with reason NotFound and details', async () => {
    const res = await call(sb, 'GET', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/nope');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'ingresses.networking.k8s.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'networking.k8s.io', kind: 'ingresses' },
      code: 404,
    });
  });

  it('creating an existing name is 409 AlreadyExists', async () => {
    await call(sb, 'POST', `${NS}/shop/configmaps`, { body: configMap('dup') });
    const res = await call(sb, 'POST', `${NS}/shop/configmaps`, { body: configMap('dup') });
    assert.equal(res.status, 409);
    assert.equal(at(res.body, 'reason'), 'AlreadyExists');
    assert.equal(at(res.body, 'message'), 'configmaps "dup" already exists');
  });

  it('an update with a stale resourceVersion is 409 Conflict worded like kube-apiserver', async () => {
    const created = await call(sb, 'POST', `${NS}/shop/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, stringData: { a: 'b' } },
    });
    const stale = String(at(created.body, 'metadata.resourceVersion'));
    await call(sb, 'PUT', `${NS}/shop/secrets/x`, {
      body: { ...(created.body as object), data: { a: 'Yw==' } },
    });
    const res = await call(sb, 'PUT', `${NS}/shop/secrets/x`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', resourceVersion: stale }, data: {} },
    });
    assert.equal(res.status, 409);
    assert.equal(at(res.body, 'reason'), 'Conflict');
    assert.equal(
      at(res.body, 'message'),
      'Operation cannot be fulfilled on secrets "x": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.deepEqual(at(res.body, 'details'), { name: 'x', kind: 'secrets' });
  });

  it('creating in a namespace that does not exist is 404 namespaces "x" not found', async () => {
    const res = await call(sb, 'POST', `${NS}/ghost/configmaps`, { body: configMap('a') });
    assert.equal(res.status, 404);
    assert.equal(at(res.body, 'message'), 'namespaces "ghost" not found');
    assert.deepEqual(at(res.body, 'details'), { name: 'ghost', kind: 'namespaces' });
  });

  it('stringData is folded into base64 data and the type defaults to Opaque', async () => {
    const res = await call(sb, 'POST', `${NS}/shop/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'folded' },
        stringData: { password: 'hunter2' },
      },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(at(res.body, 'data'), { password: Buffer.from('hunter2').toString('base64') });
    assert.equal(at(res.body, 'stringData'), undefined);
    assert.equal(at(res.body, 'type'), 'Opaque');
  });

  it("a Secret's type is immutable", async () => {
    await call(sb, 'POST', `${NS}/shop/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'imm' }, data: {} },
    });
    const res = await call(sb, 'PUT', `${NS}/shop/secrets/imm`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'imm' },
        type: 'example.com/other',
        data: {},
      },
    });
    assert.equal(res.status, 422);
    assert.equal(at(res.body, 'details.causes[0].field'), 'type');
    assert.equal(
      at(res.body, 'details.causes[0].message'),
      'Invalid value: "example.com/other": field is immutable',
    );
  });

  it('generation starts at 1 and is bumped by spec changes, not by metadata changes', async () => {
    const created = await call(sb, 'POST', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses', {
      body: ingress('gen'),
    });
    assert.equal(at(created.body, 'metadata.generation'), 1);
    const path = '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/gen';
    const labelled = await call(sb, 'PATCH', path, {
      body: { metadata: { labels: { a: 'b' } } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(at(labelled.body, 'metadata.generation'), 1);
    const changed = await call(sb, 'PATCH', path, {
      body: { spec: { ingressClassName: 'nginx' } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(at(changed.body, 'metadata.generation'), 2);
  });

  it('an update that changes nothing keeps the resourceVersion', async () => {
    const created = await call(sb, 'POST', `${NS}/shop/configmaps`, { body: configMap('same', { a: '1' }) });
    const again = await call(sb, 'PUT', `${NS}/shop/configmaps/same`, { body: created.body });
    assert.equal(again.status, 200);
    assert.equal(at(again.body, 'metadata.resourceVersion'), at(created.body, 'metadata.resourceVersion'));
  });

  it('the status subresource changes only status, and the main resource ignores status', async () => {
    const path = '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/st';
    await call(sb, 'POST', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses', { body: ingress('st') });
    const lb = { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } };
    const viaMain = await call(sb, 'PATCH', path, {
      body: { status: lb },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(at(viaMain.body, 'status.loadBalancer.ingress'), undefined);
    const viaStatus = await call(sb, 'PATCH', `${path}/status`, {
      body: { status: lb, spec: { ingressClassName: 'ignored' } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(viaStatus.status, 200);
    assert.equal(at(viaStatus.body, 'status.loadBalancer.ingress[0].ip'), '10.0.0.1');
    assert.equal(at(viaStatus.body, 'spec.ingressClassName'), undefined);
  });

  it('list returns a XList with resourceVersion, items without apiVersion/kind, filtered by label selector', async () => {
    await call(sb, 'POST', `${NS}/shop/configmaps`, {
      body: configMap('lbl-a', {}, { app: 'web', tier: 'front' }),
    });
    await call(sb, 'POST', `${NS}/shop/configmaps`, {
      body: configMap('lbl-b', {}, { app: 'web', tier: 'back' }),
    });
    await call(sb, 'POST', `${NS}/shop/configmaps`, { body: configMap('lbl-c', {}, { app: 'db' }) });
    const cases: [string, string[]][] = [
      ['app=web', ['lbl-a', 'lbl-b']],
      ['app==web,tier!=back', ['lbl-a']],
      ['tier in (front,back)', ['lbl-a', 'lbl-b']],
      ['app,!tier', ['lbl-c']],
      ['app,app notin (web)', ['lbl-c']],
    ];
    for (const [selector, expected] of cases) {
      const res = await call(
        sb,
        'GET',
        `${NS}/shop/configmaps?labelSelector=${encodeURIComponent(selector)}`,
      );
      assert.equal(at(res.body, 'kind'), 'ConfigMapList', selector);
      assert.match(String(at(res.body, 'metadata.resourceVersion')), /^\d+$/);
      assert.deepEqual(
        items(res.body).map((i) => at(i, 'metadata.name')),
        expected,
        selector,
      );
      assert.equal(at(items(res.body)[0], 'kind'), undefined);
    }
  });

  it('field selectors select by metadata.name and Secret type, and unknown fields are 400', async () => {
    await call(sb, 'POST', `${NS}/shop/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tls-one' },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': '', 'tls.key': '' },
      },
    });
    const byType = await call(sb, 'GET', `${NS}/shop/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls`);
    assert.deepEqual(
      items(byType.body).map((i) => at(i, 'metadata.name')),
      ['tls-one'],
    );
    const byName = await call(
      sb,
      'GET',
      `/api/v1/secrets?fieldSelector=metadata.name%3Dtls-one,metadata.namespace%3Dshop`,
    );
    assert.equal(items(byName.body).length, 1);
    const bad = await call(sb, 'GET', `${NS}/shop/secrets?fieldSelector=spec.nope%3Dx`);
    assert.equal(bad.status, 400);
  });

  it('limit and continue page through a list in name order', async () => {
    await call(sb, 'POST', NS, {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } },
    });
    for (let i = 0; i < 7; i++)
      await call(sb, 'POST', `${NS}/paging/configmaps`, { body: configMap(`cm-${i}`) });
    const names: unknown[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await call(
        sb,
        'GET',
        `${NS}/paging/configmaps?limit=3${token === '' ? '' : `&continue=${encodeURIComponent(token)}`}`,
      );
      names.push(...items(res.body).map((i) => at(i, 'metadata.name')));
      const next = at(res.body, 'metadata.continue');
      token = typeof next === 'string' ? next : '';
      if (pages === 0) assert.equal(at(res.body, 'metadata.remainingItemCount'), 4);
      pages++;
    } while (token !== '');
    assert.equal(pages, 3);
    assert.deepEqual(
      names,
      [0, 1, 2, 3, 4, 5, 6].map((i) => `cm-${i}`),
    );
  });

  it('a continue token older than the retained history is 410 Expired', async () => {
    const first = await call(sb, 'GET', `${NS}/paging/configmaps?limit=2`);
    sb.faults.expireHistory();
    const res = await call(
      sb,
      'GET',
      `${NS}/paging/configmaps?limit=2&continue=${encodeURIComponent(String(at(first.body, 'metadata.continue')))}`,
    );
    assert.equal(res.status, 410);
    assert.equal(at(res.body, 'reason'), 'Expired');
  });

  it('delete answers a Success Status and the object is gone', async () => {
    await call(sb, 'POST', `${NS}/shop/configmaps`, { body: configMap('bye') });
    const res = await call(sb, 'DELETE', `${NS}/shop/configmaps/bye`);
    assert.equal(res.status, 200);
    assert.equal(at(res.body, 'kind'), 'Status');
    assert.equal(at(res.body, 'status'), 'Success');
    assert.equal(at(res.body, 'details.name'), 'bye');
    assert.equal((await call(sb, 'GET', `${NS}/shop/configmaps/bye`)).status, 404);
  });

  it('an object with finalizers is only marked for deletion, and goes when the last finalizer is removed', async () => {
    const body = { ...configMap('held'), metadata: { name: 'held', finalizers: ['example.com/hold'] } };
    await call(sb, 'POST', `${NS}/shop/configmaps`, { body });
    const deleted = await call(sb, 'DELETE', `${NS}/shop/configmaps/held`);
    assert.equal(deleted.status, 200);
    assert.match(String(at(deleted.body, 'metadata.deletionTimestamp')), /Z$/);
    assert.ok(sb.store.get('configmaps', 'shop', 'held'), 'still stored while a finalizer remains');
    const released = await call(sb, 'PATCH', `${NS}/shop/configmaps/held`, {
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
      contentType: 'application/json-patch+json',
    });
    assert.equal(released.status, 200);
    assert.equal(sb.store.get('configmaps', 'shop', 'held'), undefined);
  });

  it('delete with a stale uid precondition is 409 Conflict', async () => {
    await call(sb, 'POST', `${NS}/shop/configmaps`, { body: configMap('pre') });
    const res = await call(sb, 'DELETE', `${NS}/shop/configmaps/pre`, {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'other' } },
    });
    assert.equal(res.status, 409);
    assert.match(String(at(res.body, 'message')), /Precondition failed: UID in precondition: other/);
  });

  it('a deleted namespace is Terminating, refuses new content, then disappears with its objects', async () => {
    await call(sb, 'POST', NS, {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } },
    });
    await call(sb, 'POST', `${NS}/doomed/configmaps`, { body: configMap('c') });
    await call(sb, 'POST', '/apis/networking.k8s.io/v1/namespaces/doomed/ingresses', { body: ingress('i') });
    const res = await call(sb, 'DELETE', `${NS}/doomed`);
    assert.equal(res.status, 200);
    assert.equal(at(res.body, 'status.phase'), 'Terminating');
    assert.match(String(at(res.body, 'metadata.deletionTimestamp')), /Z$/);
    const refused = await call(sb, 'POST', `${NS}/doomed/configmaps`, { body: configMap('late') });
    assert.equal(refused.status, 403);
    assert.equal(at(refused.body, 'details.causes[0].reason'), 'NamespaceTerminating');
    assert.equal(
      (await call(sb, 'DELETE', `${NS}/doomed/configmaps/c`)).status,
      200,
      'objects stay deletable while terminating',
    );
    const deadline = Date.now() + 5000;
    while (sb.store.get('namespaces', '', 'doomed') !== undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(sb.store.get('namespaces', '', 'doomed'), undefined);
    assert.deepEqual(sb.store.list('ingresses.networking.k8s.io', 'doomed'), []);
  });

  it('with namespaceFinalizeDelayMs 0 a namespace and its objects go within the DELETE', async (t) => {
    const quick = await startSandbox({ namespaceFinalizeDelayMs: 0 });
    t.after(() => quick.close());
    await call(quick, 'POST', NS, {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } },
    });
    await call(quick, 'POST', `${NS}/gone/configmaps`, { body: configMap('c') });
    await call(quick, 'DELETE', `${NS}/gone`);
    assert.equal(quick.store.get('namespaces', '', 'gone'), undefined);
    assert.deepEqual(quick.store.list('configmaps', 'gone'), []);
  });

  it('deletecollection removes only the objects matching the selector', async () => {
    await call(sb, 'POST', NS, { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'coll' } } });
    await call(sb, 'POST', `${NS}/coll/configmaps`, { body: configMap('keep', {}, { keep: 'yes' }) });
    await call(sb, 'POST', `${NS}/coll/configmaps`, { body: configMap('drop', {}, { keep: 'no' }) });
    const res = await call(sb, 'DELETE', `${NS}/coll/configmaps?labelSelector=keep%3Dno`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      sb.store.list('configmaps', 'coll').map((o) => at(o, 'metadata.name')),
      ['keep'],
    );
  });

  it('cluster-scoped IngressClass is served without a namespace', async () => {
    const res = await call(sb, 'POST', '/apis/networking.k8s.io/v1/ingressclasses', {
      body: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'nginx' },
        spec: { controller: 'k8s.io/ingress-nginx' },
      },
    });
    assert.equal(res.status, 201);
    assert.equal(at(res.body, 'metadata.namespace'), undefined);
    assert.equal((await call(sb, 'GET', '/apis/networking.k8s.io/v1/ingressclasses/nginx')).status, 200);
  });

  it('core Events and events.k8s.io Events are both served', async () => {
    const core = await call(sb, 'POST', `${NS}/shop/events`, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e1' },
        involvedObject: { kind: 'Ingress', name: 'web' },
        reason: 'Issued',
        type: 'Normal',
      },
    });
    assert.equal(core.status, 201);
    const v1 = await call(sb, 'POST', '/apis/events.k8s.io/v1/namespaces/shop/events', {
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'e2' },
        regarding: { kind: 'Ingress', name: 'web' },
        reason: 'Issued',
        type: 'Normal',
        action: 'Issue',
        reportingController: 'kube-lego',
        reportingInstance: 'x',
        eventTime: '2026-01-01T00:00:00.000000Z',
      },
    });
    assert.equal(v1.status, 201);
    const byReason = await call(
      sb,
      'GET',
      `${NS}/shop/events?fieldSelector=reason%3DIssued,involvedObject.name%3Dweb`,
    );
    assert.deepEqual(
      items(byReason.body).map((i) => at(i, 'metadata.name')),
      ['e1'],
    );
  });

  it('discovery lists every group and the resources with verbs and short names', async () => {
    const apis = await call(sb, 'GET', '/apis');
    const groups = items(apis.body, 'groups').map((g) => at(g, 'name'));
    for (const g of [
      'networking.k8s.io',
      'events.k8s.io',
      'discovery.k8s.io',
      'coordination.k8s.io',
      'authorization.k8s.io',
    ]) {
      assert.ok(groups.includes(g), g);
    }
    const v1 = await call(sb, 'GET', '/api/v1');
    const secrets = items(v1.body, 'resources').find((r) => at(r, 'name') === 'secrets');
    assert.equal(at(secrets, 'kind'), 'Secret');
    assert.equal(at(secrets, 'namespaced'), true);
    const net = await call(sb, 'GET', '/apis/networking.k8s.io/v1');
    const names = items(net.body, 'resources').map((r) => at(r, 'name'));
    assert.deepEqual(names, ['ingresses', 'ingresses/status', 'ingressclasses']);
    const version = await call(sb, 'GET', '/version');
    assert.equal(at(version.body, 'minor'), '32');
  });

  it('unknown paths are a 404 Status', async () => {
    const res = await call(sb, 'GET', '/apis/example.com/v1/widgets');
    assert.equal(res.status, 404);
    assert.equal(at(res.body, 'kind'), 'Status');
  });
});
