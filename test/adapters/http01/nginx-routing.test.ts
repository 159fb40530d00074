import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NginxRouting } from '../../../src/adapters/http01/nginx-routing.js';
import { KubeClient } from '../../../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../../../src/adapters/kube/kube-connection.js';
import { KubeObjects } from '../../../src/adapters/kube/kube-objects.js';
import type { IngressObject, ServiceObject } from '../../../src/adapters/kube/kube-types.js';
import { INGRESSES, SERVICES, type ResourceKind } from '../../../src/adapters/kube/resources.js';
import type { Log } from '../../../src/ports/log.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { NGINX_SETTINGS } from '../../support/builders.js';

const NAMESPACES: ResourceKind = {
  apiVersion: 'v1',
  kind: 'Namespace',
  apiPath: '/api/v1',
  plural: 'namespaces',
};

function quietLog(errors: string[]): Log {
  const log: Log = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message) => {
      errors.push(message);
    },
    with: () => log,
  };
  return log;
}

describe('NginxRouting against the API sandbox', () => {
  let sandbox: Sandbox;
  let dir: string;
  let client: KubeClient;
  let objects: KubeObjects;
  const errors: string[] = [];
  let routing: NginxRouting;

  before(async () => {
    sandbox = await startSandbox();
    dir = await mkdtemp(join(tmpdir(), 'nginx-routing-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
      userAgent: 'test',
      requestTimeoutMs: 5000,
    });
    objects = new KubeObjects(client);
    await objects.create(NAMESPACES, '', { metadata: { name: 'kube-lego' } });
    routing = new NginxRouting({
      objects,
      log: quietLog(errors),
      settings: NGINX_SETTINGS,
    });
  });

  after(async () => {
    client.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the Service and one Ingress per class holding the union of pending hosts, field by field', async () => {
    await routing.sync([
      { host: 'b.example.test', ingressClass: 'nginx', classSource: 'default', ingresses: ['default/one'] },
      { host: 'a.example.test', ingressClass: 'nginx', classSource: 'default', ingresses: ['default/two'] },
      {
        host: 'c.example.test',
        ingressClass: 'internal',
        classSource: 'ingressClassName',
        ingresses: ['x/three'],
      },
    ]);
    const service = await objects.get<ServiceObject>(SERVICES, 'kube-lego', 'kube-lego-nginx');
    assert.equal(service.spec?.type, 'ClusterIP');
    assert.deepEqual(service.spec.selector, { app: 'kube-lego' });
    assert.deepEqual(
      service.spec.ports?.map((p) => [p.port, p.targetPort, p.protocol]),
      [[8080, 8080, 'TCP']],
    );
    assert.equal(service.metadata?.annotations?.['kubernetes.io/kube-lego-managed'], 'true');
    const main = await objects.get<IngressObject>(INGRESSES, 'kube-lego', 'kube-lego-nginx');
    assert.deepEqual(
      main.spec?.rules?.map((r) => r.host),
      ['a.example.test', 'b.example.test'],
    );
    const path = main.spec.rules[0]?.http?.paths?.[0];
    assert.deepEqual(path, {
      path: '/.well-known/acme-challenge',
      pathType: 'Prefix',
      backend: { service: { name: 'kube-lego-nginx', port: { number: 8080 } } },
    });
    const annotations = main.metadata?.annotations ?? {};
    assert.equal(annotations['kubernetes.io/ingress.class'], 'nginx');
    assert.equal(annotations['ingress.kubernetes.io/ssl-redirect'], 'false');
    assert.equal(annotations['nginx.ingress.kubernetes.io/ssl-redirect'], 'false');
    assert.equal(annotations['nginx.ingress.kubernetes.io/whitelist-source-range'], '0.0.0.0/0,::/0');
    const internal = await objects.get<IngressObject>(INGRESSES, 'kube-lego', 'kube-lego-nginx-internal');
    assert.equal(
      internal.spec?.ingressClassName,
      'internal',
      "the class of the user's Ingress, not the default",
    );
    assert.equal(internal.metadata?.annotations?.['kubernetes.io/ingress.class'], undefined);
  });

  it('writes nothing when the pending hosts did not change', async () => {
    const before = sandbox.audit.length;
    await routing.sync([
      { host: 'a.example.test', ingressClass: 'nginx', classSource: 'default', ingresses: ['default/two'] },
      { host: 'b.example.test', ingressClass: 'nginx', classSource: 'default', ingresses: ['default/one'] },
      {
        host: 'c.example.test',
        ingressClass: 'internal',
        classSource: 'ingressClassName',
        ingresses: ['x/three'],
      },
    ]);
    const writes = sandbox.audit.slice(before).filter((e) => e.verb !== 'get');
    assert.deepEqual(writes, []);
  });

  it('deletes the challenge objects by their own names once nothing is pending (bug 1)', async () => {
    await routing.sync([]);
    assert.equal(await objects.find(INGRESSES, 'kube-lego', 'kube-lego-nginx'), undefined);
    assert.equal(await objects.find(INGRESSES, 'kube-lego', 'kube-lego-nginx-internal'), undefined);
    assert.equal(await objects.find(SERVICES, 'kube-lego', 'kube-lego-nginx'), undefined);
  });

  it('creates and removes its own challenge objects without reading them first (one request each)', async () => {
    const verbsOf = async (hosts: Parameters<NginxRouting['sync']>[0]): Promise<string[]> => {
      const before = sandbox.audit.length;
      await routing.sync(hosts);
      return sandbox.audit.slice(before).map((entry) => `${entry.verb} ${entry.resource}`);
    };
    const created = await verbsOf([
      { host: 'd.example.test', ingressClass: 'nginx', classSource: 'default', ingresses: ['default/four'] },
    ]);
    assert.deepEqual(created, ['create services', 'create ingresses']);
    const ingress = await objects.get<IngressObject>(INGRESSES, 'kube-lego', 'kube-lego-nginx');
    assert.deepEqual(
      ingress.spec?.rules?.map((r) => r.host),
      ['d.example.test'],
    );
    // A change of hosts goes over our own last write: no read of the Ingress (the Service is checked).
    const changed = await verbsOf([
      { host: 'd.example.test', ingressClass: 'nginx', classSource: 'default', ingresses: ['default/four'] },
      { host: 'e.example.test', ingressClass: 'nginx', classSource: 'default', ingresses: ['default/five'] },
    ]);
    assert.deepEqual([...changed].sort(), ['get services', 'update ingresses']);
    const removed = await verbsOf([]);
    assert.deepEqual(removed, ['delete ingresses', 'delete services']);
    assert.equal(await objects.find(INGRESSES, 'kube-lego', 'kube-lego-nginx'), undefined);
    assert.equal(await objects.find(SERVICES, 'kube-lego', 'kube-lego-nginx'), undefined);
  });

  it('reads the challenge Ingress again when someone else changed it since its last write', async () => {
    const host = (name: string) => ({
      host: name,
      ingressClass: 'nginx',
      classSource: 'default' as const,
      ingresses: ['default/six'],
    });
    await routing.sync([host('f.example.test')]);
    const ours = await objects.get<IngressObject>(INGRESSES, 'kube-lego', 'kube-lego-nginx');
    await objects.replace<IngressObject>(INGRESSES, 'kube-lego', {
      ...ours,
      metadata: { ...ours.metadata, labels: { ...ours.metadata?.labels, team: 'edge' } },
    });
    await routing.sync([host('f.example.test'), host('g.example.test')]);
    const after = await objects.get<IngressObject>(INGRESSES, 'kube-lego', 'kube-lego-nginx');
    assert.deepEqual(
      after.spec?.rules?.map((r) => r.host),
      ['f.example.test', 'g.example.test'],
    );
    assert.equal(after.metadata?.labels?.['team'], 'edge', 'the other change is kept, not overwritten');
    await routing.sync([]);
    assert.equal(await objects.find(INGRESSES, 'kube-lego', 'kube-lego-nginx'), undefined);
  });

  it("never updates or deletes a user's Service that has the challenge Service's name (bug 2)", async () => {
    const user = await objects.create<ServiceObject>(SERVICES, 'kube-lego', {
      metadata: { name: 'kube-lego-nginx', namespace: 'kube-lego' },
      spec: {
        type: 'ClusterIP',
        selector: { app: 'mine' },
        ports: [{ port: 9999, targetPort: 9999, protocol: 'TCP' }],
      },
    });
    errors.length = 0;
    await routing.sync([
      { host: 'a.example.test', ingressClass: 'nginx', classSource: 'default', ingresses: ['default/two'] },
    ]);
    await routing.sync([]);
    const after = await objects.get<ServiceObject>(SERVICES, 'kube-lego', 'kube-lego-nginx');
    assert.deepEqual(after, user);
    assert.equal(errors.length, 2, 'both the update and the delete were refused with an error line');
  });
});
