import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DATA_PLANE_CONTROLLER_NAME,
  startDataPlane,
  type DataPlane,
} from '../../../dev/devenv/data-plane.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { createThrowawayTls } from '../../../dev/tls/throwaway-tls.js';
import { eventually } from '../../support/eventually.js';
import { servedLeaf } from '../../support/served-leaf.js';
import { kubectl } from '../sandbox/kubectl-runner.js';

const V1 = 'gateway.networking.k8s.io/v1';

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
}
interface RouteStatus {
  readonly parents?: readonly {
    readonly controllerName: string;
    readonly parentRef: { readonly name: string; readonly sectionName?: string };
    readonly conditions: readonly Condition[];
  }[];
}
interface GatewayStatus {
  readonly addresses?: readonly { readonly type: string; readonly value: string }[];
  readonly listeners?: readonly {
    readonly name: string;
    readonly attachedRoutes: number;
    readonly conditions: readonly Condition[];
  }[];
}

function condition(conditions: readonly Condition[] | undefined, type: string): string {
  const c = conditions?.find((x) => x.type === type);
  return c === undefined ? 'absent' : `${c.status}/${c.reason}`;
}

describe('the data plane implements the Gateway API for its GatewayClass', () => {
  let sb: Sandbox;
  let plane: DataPlane;
  let dir: string;
  let kc: string;
  let shopPem: string;

  /** Polls a synchronous look at the store. */
  const until = <T>(what: string, probe: () => T | undefined): Promise<T> =>
    eventually(what, () => Promise.resolve(probe()));
  const status = (plural: string, name: string, namespace = 'edge'): unknown =>
    sb.store.get(`${plural}.gateway.networking.k8s.io`, namespace, name)?.['status'];

  before(async () => {
    sb = await startSandbox();
    plane = await startDataPlane({ sandbox: sb, reloadDelayMs: 0, pollIntervalMs: 50 });
    dir = await mkdtemp(join(tmpdir(), 'data-plane-gateway-'));
    kc = join(dir, 'kubeconfig');
    await sb.writeKubeconfig(kc);
    const shop = await createThrowawayTls();
    const blog = await createThrowawayTls();
    shopPem = shop.certPem;
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const tlsSecret = (name: string, pair: { certPem: string; keyPem: string }): string => `apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: edge}
type: kubernetes.io/tls
data:
  tls.crt: ${b64(pair.certPem)}
  tls.key: ${b64(pair.keyPem)}
`;
    const manifests = `apiVersion: v1
kind: Namespace
metadata: {name: edge}
---
${tlsSecret('shop-tls', shop)}---
${tlsSecret('blog-tls', blog)}---
apiVersion: v1
kind: Service
metadata: {name: solver, namespace: edge}
spec:
  ports: [{port: 8080}]
---
apiVersion: ${V1}
kind: GatewayClass
metadata: {name: sandbox}
spec: {controllerName: ${DATA_PLANE_CONTROLLER_NAME}}
---
apiVersion: ${V1}
kind: GatewayClass
metadata: {name: elsewhere}
spec: {controllerName: example.com/another-implementation}
---
apiVersion: ${V1}
kind: Gateway
metadata: {name: web, namespace: edge}
spec:
  gatewayClassName: sandbox
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - name: https
    port: 443
    protocol: HTTPS
    hostname: shop.example.com
    tls: {mode: Terminate, certificateRefs: [{name: shop-tls}]}
  - name: missing
    port: 443
    protocol: HTTPS
    hostname: missing.example.com
    tls: {mode: Terminate, certificateRefs: [{name: no-such-secret}]}
---
apiVersion: ${V1}
kind: Gateway
metadata: {name: foreign, namespace: edge}
spec:
  gatewayClassName: elsewhere
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: ${V1}
kind: ListenerSet
metadata: {name: blog, namespace: edge}
spec:
  parentRef: {name: web}
  listeners:
  - name: blog
    port: 443
    protocol: HTTPS
    hostname: blog.example.com
    tls: {mode: Terminate, certificateRefs: [{name: blog-tls}]}
---
apiVersion: ${V1}
kind: HTTPRoute
metadata: {name: solver, namespace: edge}
spec:
  parentRefs: [{name: web, sectionName: http}, {name: foreign}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /.well-known/acme-challenge/}}]
    backendRefs: [{name: solver, port: 8080}]
---
apiVersion: ${V1}
kind: HTTPRoute
metadata: {name: wrong-section, namespace: edge}
spec:
  parentRefs: [{name: web, sectionName: ftp}]
  rules: [{backendRefs: [{name: solver, port: 8080}]}]
---
apiVersion: ${V1}
kind: HTTPRoute
metadata: {name: no-backend, namespace: edge}
spec:
  parentRefs: [{name: web, sectionName: http}]
  rules: [{backendRefs: [{name: absent, port: 8080}]}]
---
apiVersion: ${V1}
kind: HTTPRoute
metadata: {name: cross-namespace, namespace: edge}
spec:
  parentRefs: [{name: web, sectionName: http}]
  rules: [{backendRefs: [{name: solver, namespace: kube-lego, port: 8080}]}]
`;
    await writeFile(join(dir, 'gateway.yaml'), manifests);
    const applied = await kubectl(kc, ['apply', '--validate=strict', '-f', join(dir, 'gateway.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
  });

  after(async () => {
    await plane.close();
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts its GatewayClass and leaves the other implementation's alone", async () => {
    await until('GatewayClass sandbox Accepted', () =>
      condition(
        (status('gatewayclasses', 'sandbox', '') as { conditions?: Condition[] } | undefined)?.conditions,
        'Accepted',
      ) === 'True/Accepted'
        ? true
        : undefined,
    );
    assert.equal(status('gatewayclasses', 'elsewhere', ''), undefined);
    assert.equal(status('gateways', 'foreign'), undefined);
  });

  it('writes route status.parents for its Gateway only, with Accepted and ResolvedRefs', async () => {
    const parents = await until(
      'solver route status',
      () => (status('httproutes', 'solver') as RouteStatus | undefined)?.parents,
    );
    assert.deepEqual(
      parents.map((p) => [
        p.controllerName,
        p.parentRef.name,
        condition(p.conditions, 'Accepted'),
        condition(p.conditions, 'ResolvedRefs'),
      ]),
      [[DATA_PLANE_CONTROLLER_NAME, 'web', 'True/Accepted', 'True/ResolvedRefs']],
    );
    const refusals = await until("the refused routes' status", () => {
      const summary = ['wrong-section', 'no-backend', 'cross-namespace'].map((name) => {
        const [parent] = (status('httproutes', name) as RouteStatus | undefined)?.parents ?? [];
        return parent === undefined
          ? undefined
          : `${condition(parent.conditions, 'Accepted')} ${condition(parent.conditions, 'ResolvedRefs')}`;
      });
      return summary.includes(undefined) ? undefined : summary;
    });
    assert.deepEqual(refusals, [
      'False/NoMatchingParent True/ResolvedRefs',
      'True/Accepted False/BackendNotFound',
      'True/Accepted False/RefNotPermitted',
    ]);
  });

  it('publishes the Gateway address and listener conditions, attached routes counted', async () => {
    const gateway = await until('Gateway web status', () => {
      const s = status('gateways', 'web') as GatewayStatus | undefined;
      return s?.listeners?.find((l) => l.name === 'http')?.attachedRoutes === 3 ? s : undefined;
    });
    assert.deepEqual(gateway.addresses, [{ type: 'IPAddress', value: '127.0.0.1' }]);
    const listeners = new Map((gateway.listeners ?? []).map((l) => [l.name, l]));
    assert.equal(condition(listeners.get('https')?.conditions, 'ResolvedRefs'), 'True/ResolvedRefs');
    assert.equal(condition(listeners.get('https')?.conditions, 'Programmed'), 'True/Programmed');
    assert.equal(
      condition(listeners.get('missing')?.conditions, 'ResolvedRefs'),
      'False/InvalidCertificateRef',
    );
    assert.equal(condition(listeners.get('missing')?.conditions, 'Programmed'), 'False/Invalid');
    assert.equal(listeners.get('https')?.attachedRoutes, 0);
    assert.equal((gateway as { attachedListenerSets?: number }).attachedListenerSets, 1);
    const listenerSet = await until('ListenerSet blog status', () => {
      const s = status('listenersets', 'blog') as (GatewayStatus & { conditions?: Condition[] }) | undefined;
      return s?.listeners === undefined ? undefined : s;
    });
    assert.equal(condition(listenerSet.conditions, 'Accepted'), 'True/Accepted');
    assert.equal(condition(listenerSet.listeners?.[0]?.conditions, 'ResolvedRefs'), 'True/ResolvedRefs');
    const table = await kubectl(kc, ['get', 'gateway', 'web', '-n', 'edge', '--no-headers']);
    assert.match(table.stdout, /^web\s+sandbox\s+127\.0\.0\.1\s+True\s+\d+s$/m, table.stderr);
    const classes = await kubectl(kc, ['get', 'gatewayclasses', '--no-headers']);
    assert.match(
      classes.stdout,
      new RegExp(`^sandbox\\s+${DATA_PLANE_CONTROLLER_NAME}\\s+True\\s+\\d+s$`, 'm'),
    );
  });

  it('writes each status once: a settled cluster gets no more status writes (audit log)', async () => {
    const statusWrites = (): number =>
      sb.audit.filter(
        (e) =>
          e.verb === 'patch' && e.path.includes('gateway.networking.k8s.io') && e.path.endsWith('/status'),
      ).length;
    await until('the Gateway status written', () =>
      status('gateways', 'web') === undefined ? undefined : true,
    );
    const settled = statusWrites();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(statusWrites(), settled, 'twenty polls later, no further status write');
    assert.ok(settled >= 7, `the class, the Gateway, the ListenerSet, four routes: ${settled} status writes`);
  });

  it('serves by SNI the Secret of an HTTPS listener and of an attached ListenerSet listener', async () => {
    const expected = new X509Certificate(shopPem).fingerprint256;
    const leaf = await eventually('shop.example.com served', async () => {
      const served = await servedLeaf(plane.port, 'shop.example.com');
      return served.fingerprint256 === expected ? served : undefined;
    });
    assert.equal(leaf.fingerprint256, expected);
    const blogSecret = sb.store.get('secrets', 'edge', 'blog-tls')?.['data'] as Record<string, string>;
    const blogExpected = new X509Certificate(Buffer.from(blogSecret['tls.crt'] ?? '', 'base64'))
      .fingerprint256;
    await eventually('blog.example.com served', async () =>
      (await servedLeaf(plane.port, 'blog.example.com')).fingerprint256 === blogExpected ? true : undefined,
    );
    const other = await servedLeaf(plane.port, 'unknown.example.com');
    assert.notEqual(other.fingerprint256, expected, 'an unknown name gets the fallback certificate');
  });
});
