import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DATA_PLANE_CONTROLLER_NAME, startDataPlane, type DataPlane } from '../../dev/devenv/data-plane.js';
import { gatewayChallengeRoutes } from '../../src/domain/gateway-challenge-routing.js';
import type { PolicyRule } from '../../dev/sandbox/sandbox.js';
import { loadAll } from 'js-yaml';
import { kustomize } from '../support/kustomize.js';
import { grants, neededPermissions, type Rule } from '../support/rbac-audit.js';
import { controllerEnv, NGINX_ONLY } from '../support/controller-env.js';
import { eventually } from '../support/eventually.js';
import { gatewayManifest } from '../support/gateway-manifest.js';
import { ingressManifest, namespaceManifest } from '../support/ingress-manifest.js';
import { startProxiedPebbleRig, type ProxiedPebbleRig } from '../support/proxied-pebble-rig.js';
import { readyzOk } from '../support/readyz.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';

const run = promisify(execFile);
const GATEWAY_PATH = '/apis/gateway.networking.k8s.io';

interface SecretJson {
  readonly data?: Readonly<Record<string, string>>;
}

/** The rig, a kube-lego process on it, and kubectl as the cluster's admin. */
async function startWithController(
  rig: ProxiedPebbleRig,
  extra: Readonly<Record<string, string>> = {},
  /** The controller's own kubeconfig (a user with deploy/'s RBAC); the admin's by default. */
  controllerKubeconfig = rig.kubeconfig,
): Promise<{ lego: ControllerProcess; kubectl: (...args: string[]) => Promise<string> }> {
  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', rig.kubeconfig, ...args])).stdout;
  await writeFile(join(rig.dir, 'ns.yaml'), namespaceManifest('kube-lego'));
  await kubectl('apply', '-f', join(rig.dir, 'ns.yaml'));
  const lego = startControllerProcess(
    controllerEnv(
      {
        kubeconfig: controllerKubeconfig,
        directoryUrl: rig.proxy.directoryUrl,
        caFile: rig.caFile,
        httpPort: rig.pebble.httpPort,
      },
      { ...NGINX_ONLY, LEGO_SERVED_CHECK: 'false', ...extra },
    ),
  );
  await eventually('readyz', async () => ((await readyzOk(rig.pebble.httpPort)) ? true : undefined), {
    context: () => lego.lines.slice(-30).join('\n'),
  });
  return { lego, kubectl };
}

/** The certificate stored in a Secret, once it is the CA's (not the temporary self-signed one). */
async function issuedCertificate(
  kubectl: (...args: string[]) => Promise<string>,
  namespace: string,
  name: string,
): Promise<X509Certificate | undefined> {
  const secret = JSON.parse(
    await kubectl('get', 'secret', '-n', namespace, name, '-o', 'json'),
  ) as SecretJson;
  const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
  if (pem === '') return undefined;
  const cert = new X509Certificate(pem);
  return cert.subject === cert.issuer ? undefined : cert;
}

describe('kube-lego process against a cluster without the Gateway API kinds (issue 15)', () => {
  let rig: ProxiedPebbleRig;
  let lego: ControllerProcess | undefined;

  before(async () => {
    rig = await startProxiedPebbleRig('kube-lego-no-gateway-', { gatewayApi: false });
  });

  after(async () => {
    await lego?.terminate();
    await rig.close();
  });

  it('says so in one log line, asks discovery once, and still issues for Ingresses', async () => {
    const started = await startWithController(rig);
    lego = started.lego;
    const host = 'plain.example.test';
    const file = join(rig.dir, 'plain.yaml');
    await writeFile(file, ingressManifest({ name: 'plain', hosts: [host] }));
    await started.kubectl('apply', '-f', file);
    const cert = await eventually(
      'the certificate of plain-tls',
      () => issuedCertificate(started.kubectl, 'default', 'plain-tls'),
      { context: () => started.lego.lines.slice(-30).join('\n') },
    );
    assert.ok(cert.checkHost(host), `issued for ${host}`);
    assert.equal(rig.proxy.ordersFor(host), 1);
    const gatewayLines = started.lego.lines.filter((line) => /gateway/i.test(line));
    assert.equal(gatewayLines.length, 1, gatewayLines.join('\n'));
    assert.match(
      gatewayLines[0] ?? '',
      /serves no Gateway API gateways \(gateway\.networking\.k8s\.io\), watching ingresses only/,
    );
    // From the sandbox's audit log: one discovery request for the group, no list or watch retried.
    const asked = rig.sandbox.audit.filter((e) => e.path.startsWith(GATEWAY_PATH));
    assert.deepEqual(
      asked.map((e) => `${e.method} ${e.path} ${String(e.status)}`),
      [`GET ${GATEWAY_PATH} 404`],
    );
  });
});

interface EventJson {
  readonly reason?: string;
  readonly message?: string;
  readonly involvedObject?: { readonly kind?: string; readonly name?: string };
}

const GATEWAY_MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: certs
---
${gatewayManifest({
  name: 'edge',
  listeners: [
    { name: 'http' },
    { name: 'https-a', hostname: 'a.gw.example.test', secret: 'shared-tls' },
    { name: 'https-b', hostname: 'b.gw.example.test', secret: 'shared-tls' },
    { name: 'https-c', hostname: 'c.gw.example.test', secret: 'c-tls' },
    { name: 'https-x', hostname: 'x.gw.example.test', secret: 'certs/x-tls' },
  ],
})}---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata:
  name: extra
  namespace: default
spec:
  parentRef:
    name: edge
  listeners:
  - name: https-l
    hostname: l.gw.example.test
    port: 443
    protocol: HTTPS
    tls:
      certificateRefs:
      - name: ls-tls
`;

const GRANT_MANIFEST = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: gateways-of-default
  namespace: certs
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: Gateway
    namespace: default
  to:
  - group: ""
    kind: Secret
`;

describe('kube-lego process with Gateways and ListenerSets, http-01 through an HTTPRoute (issue 15)', () => {
  let rig: ProxiedPebbleRig;
  let lego: ControllerProcess | undefined;

  before(async () => {
    rig = await startProxiedPebbleRig('kube-lego-gateway-');
  });

  after(async () => {
    await lego?.terminate();
    await rig.close();
  });

  it('issues the listeners of a Gateway and its ListenerSet, routes challenges only while pending, and needs a ReferenceGrant across namespaces', async (t) => {
    const started = await startWithController(rig);
    lego = started.lego;
    const { kubectl } = started;
    const context = (): string => started.lego.lines.slice(-30).join('\n');
    const certificate = (namespace: string, name: string): Promise<X509Certificate> =>
      eventually(
        `the certificate of ${namespace}/${name}`,
        () => issuedCertificate(kubectl, namespace, name),
        {
          context,
        },
      );
    await writeFile(join(rig.dir, 'gateway.yaml'), GATEWAY_MANIFEST);
    await kubectl('apply', '-f', join(rig.dir, 'gateway.yaml'));

    // Two listeners sharing a Secret get one certificate for both hostnames; the third its own; the
    // ListenerSet's listener is issued as the Gateway's.
    const shared = await certificate('default', 'shared-tls');
    assert.ok(
      shared.checkHost('a.gw.example.test') && shared.checkHost('b.gw.example.test'),
      shared.subjectAltName,
    );
    assert.ok((await certificate('default', 'c-tls')).checkHost('c.gw.example.test'));
    assert.ok((await certificate('default', 'ls-tls')).checkHost('l.gw.example.test'));
    for (const host of ['a.gw.example.test', 'c.gw.example.test', 'l.gw.example.test']) {
      assert.equal(rig.proxy.ordersFor(host), 1, `one order for ${host}`);
    }

    // The Secret in another namespace: an Event on the Gateway, and no write at all (audit log).
    const events = async (): Promise<EventJson[]> =>
      (JSON.parse(await kubectl('get', 'events', '-n', 'default', '-o', 'json')) as { items?: EventJson[] })
        .items ?? [];
    const refused = await eventually(
      'the ReferenceNotGranted Event',
      async () =>
        (await events()).find(
          (e) =>
            e.reason === 'ReferenceNotGranted' &&
            e.involvedObject?.kind === 'Gateway' &&
            e.involvedObject.name === 'edge',
        ),
      { context },
    );
    assert.match(
      refused.message ?? '',
      /names secret "certs\/x-tls" in another namespace and no ReferenceGrant/,
    );
    assert.equal(rig.proxy.ordersFor('x.gw.example.test'), 0);
    const certsWrites = (): string[] =>
      rig.sandbox.audit
        .filter(
          (e) =>
            e.resource === 'secrets' &&
            e.namespace === 'certs' &&
            e.verb !== 'get' &&
            e.verb !== 'list' &&
            e.verb !== 'watch',
        )
        .map((e) => `${e.verb} ${e.name}`);
    assert.deepEqual(certsWrites(), []);

    // Every challenge the CA was asked to validate had its HTTPRoute, created before and deleted after.
    const routeCreates = rig.sandbox.audit.filter(
      (e) => e.resource === 'httproutes' && e.verb === 'create' && e.status < 300,
    );
    const routeDeletes = rig.sandbox.audit.filter(
      (e) => e.resource === 'httproutes' && e.verb === 'delete' && e.status < 300,
    );
    const challengeTimes = rig.proxy.requests
      .filter((r) => r.method === 'POST' && r.path.includes('/chalZ/'))
      .map((r) => r.atMs);
    assert.ok(challengeTimes.length >= 4, `challenges answered: ${String(challengeTimes.length)}`);
    assert.ok(routeCreates.length >= 4, `routes created: ${String(routeCreates.length)}`);
    // A create is a POST to the collection (the audit has no name for it): count the routes alive instead.
    const alive = (at: number): number =>
      routeCreates.filter((c) => Date.parse(c.at) <= at).length -
      routeDeletes.filter((d) => Date.parse(d.at) < at).length;
    for (const at of challengeTimes) {
      assert.ok(
        alive(at) > 0,
        `a challenge route existed when the CA was asked at ${new Date(at).toISOString()}`,
      );
    }
    const remaining = await eventually(
      'no challenge route left',
      async () => {
        const list = JSON.parse(await kubectl('get', 'httproutes', '-A', '-o', 'json')) as {
          items?: unknown[];
        };
        return (list.items ?? []).length === 0 ? list : undefined;
      },
      { context },
    );
    assert.deepEqual(remaining.items, []);
    assert.equal(
      routeDeletes.length,
      routeCreates.length,
      'each route was deleted once its challenge was settled',
    );
    assert.equal(
      new Set(routeDeletes.map((d) => d.name)).size,
      routeDeletes.length,
      'deleted by name, once each',
    );

    // With a ReferenceGrant in the Secret's namespace, the cross-namespace listener is issued.
    await writeFile(join(rig.dir, 'grant.yaml'), GRANT_MANIFEST);
    await kubectl('apply', '-f', join(rig.dir, 'grant.yaml'));
    assert.ok((await certificate('certs', 'x-tls')).checkHost('x.gw.example.test'));
    assert.equal(rig.proxy.ordersFor('x.gw.example.test'), 1);
    t.diagnostic(
      `measured: ${String(routeCreates.length)} challenge routes for ${String(challengeTimes.length)} challenges`,
    );
  });
});

describe('kube-lego process with a Gateway implementation writing route status (issue 15)', () => {
  let rig: ProxiedPebbleRig;
  let lego: ControllerProcess | undefined;
  let dataPlane: DataPlane | undefined;

  before(async () => {
    rig = await startProxiedPebbleRig('kube-lego-gateway-status-');
    dataPlane = await startDataPlane({ sandbox: rig.sandbox, reloadDelayMs: 0 });
  });

  after(async () => {
    await lego?.terminate();
    await dataPlane?.close();
    await rig.close();
  });

  it('goes on as soon as the implementation accepts the challenge route, and explains a route it refuses instead of waiting for the CA', async (t) => {
    const started = await startWithController(rig);
    lego = started.lego;
    const { kubectl } = started;
    const context = (): string => started.lego.lines.slice(-30).join('\n');
    const manifest = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: sandbox
spec:
  controllerName: ${DATA_PLANE_CONTROLLER_NAME}
---
${gatewayManifest({
  name: 'open',
  gatewayClassName: 'sandbox',
  listeners: [{ name: 'http' }, { name: 'https', hostname: 'open.gw.example.test', secret: 'open-tls' }],
})}---
${gatewayManifest({
  name: 'closed',
  gatewayClassName: 'sandbox',
  // Gateway API's default: only routes of the Gateway's own namespace, so kube-lego's route is refused.
  listeners: [
    { name: 'http', routesFrom: 'Same' },
    { name: 'https', hostname: 'closed.gw.example.test', secret: 'closed-tls' },
  ],
})}`;
    await writeFile(join(rig.dir, 'implemented.yaml'), manifest);
    await kubectl('apply', '-f', join(rig.dir, 'implemented.yaml'));

    const open = await eventually(
      'the certificate of default/open-tls',
      () => issuedCertificate(kubectl, 'default', 'open-tls'),
      { context },
    );
    assert.ok(open.checkHost('open.gw.example.test'));
    assert.equal(rig.proxy.ordersFor('open.gw.example.test'), 1);
    const statusWrites = rig.sandbox.audit.filter(
      (e) => e.resource === 'httproutes' && e.path.endsWith('/status') && e.status < 300,
    );
    assert.ok(statusWrites.length > 0, 'the implementation wrote the challenge route status');

    const refused = await eventually(
      'the Event explaining the refused challenge route',
      async () =>
        (
          (
            JSON.parse(await kubectl('get', 'events', '-n', 'default', '-o', 'json')) as {
              items?: EventJson[];
            }
          ).items ?? []
        ).find(
          (e) =>
            e.involvedObject?.kind === 'Gateway' &&
            e.involvedObject.name === 'closed' &&
            /NotAllowedByListeners|admits this route/.test(e.message ?? ''),
        ),
      { context },
    );
    assert.match(refused.message ?? '', /allowedRoutes/);
    t.diagnostic(`${refused.reason ?? ''}: ${refused.message ?? ''}`);
    assert.equal(rig.proxy.ordersFor('closed.gw.example.test'), 1, 'one order, then the failure backoff');
    assert.equal(
      await issuedCertificate(kubectl, 'default', 'closed-tls'),
      undefined,
      'no CA certificate stored',
    );
  });
});

describe('kube-lego process starting after one that was killed with a challenge pending (issue 15)', () => {
  let rig: ProxiedPebbleRig;
  let lego: ControllerProcess | undefined;

  before(async () => {
    rig = await startProxiedPebbleRig('kube-lego-gateway-leftovers-');
  });

  after(async () => {
    await lego?.terminate();
    await rig.close();
  });

  it("deletes the challenge HTTPRoute the dead process left once its caches are synced, and no one else's", async () => {
    const settings = {
      namespace: 'kube-lego',
      serviceName: 'kube-lego-gateway',
      port: rig.pebble.httpPort,
      routeNamespace: 'kube-lego' as const,
    };
    // The route the earlier process wrote for a challenge it never settled, built as kube-lego builds it.
    const [left] = gatewayChallengeRoutes(settings, [
      {
        host: 'gone.gw.example.test',
        challenge: {
          gateway: { namespace: 'default', name: 'edge' },
          parents: [{ kind: 'Gateway', namespace: 'default', name: 'edge', sectionName: 'http' }],
        },
      },
    ]);
    assert.ok(left !== undefined);
    // A user's route with kube-lego's label but to the user's own Service: not a challenge route.
    const foreign = {
      ...left,
      metadata: { ...left.metadata, name: 'users-route' },
      spec: {
        ...left.spec,
        rules: [
          { ...left.spec.rules[0], backendRefs: [{ group: '', kind: 'Service', name: 'web', port: 80 }] },
        ],
      },
    };
    const kubectl = async (...args: string[]): Promise<string> =>
      (await run('kubectl', ['--kubeconfig', rig.kubeconfig, ...args])).stdout;
    await writeFile(join(rig.dir, 'ns.yaml'), namespaceManifest('kube-lego'));
    await kubectl('apply', '-f', join(rig.dir, 'ns.yaml'));
    // A stream of JSON objects, one per route.
    await writeFile(join(rig.dir, 'left.json'), [left, foreign].map((r) => JSON.stringify(r)).join('\n'));
    await kubectl('create', '-f', join(rig.dir, 'left.json'));
    await writeFile(
      join(rig.dir, 'gateway.yaml'),
      gatewayManifest({
        name: 'edge',
        listeners: [
          { name: 'http' },
          { name: 'https', hostname: 'live.gw.example.test', secret: 'live-tls' },
        ],
      }),
    );
    await kubectl('apply', '-f', join(rig.dir, 'gateway.yaml'));
    const startedAt = rig.sandbox.audit.length;

    const started = await startWithController(rig);
    lego = started.lego;
    const context = (): string => started.lego.lines.slice(-30).join('\n');
    // From the sandbox's audit log: the left route deleted by name, once.
    const deletes = (): string[] =>
      rig.sandbox.audit
        .slice(startedAt)
        .filter((e) => e.resource === 'httproutes' && e.verb === 'delete' && e.status < 300)
        .map((e) => `${e.namespace}/${e.name}`);
    await eventually(
      'the delete of the left route',
      () => Promise.resolve(deletes().includes(`kube-lego/${left.metadata.name}`) ? true : undefined),
      { context },
    );
    // The Gateway's own challenge goes on beside the clean-up.
    const live = await eventually(
      'the certificate of default/live-tls',
      () => issuedCertificate(started.kubectl, 'default', 'live-tls'),
      { context },
    );
    assert.ok(live.checkHost('live.gw.example.test'));
    assert.equal(rig.proxy.ordersFor('gone.gw.example.test'), 0, 'no order for the left route');
    const routes = JSON.parse(await kubectl('get', 'httproutes', '-A', '-o', 'json')) as {
      items?: { metadata?: { namespace?: string; name?: string } }[];
    };
    assert.deepEqual(
      (routes.items ?? []).map((r) => `${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`),
      ['kube-lego/users-route'],
      "the user's route is kept, the challenge routes are gone",
    );
    assert.equal(
      deletes().filter((d) => d === `kube-lego/${left.metadata.name}`).length,
      1,
      'the left route deleted once',
    );
  });
});

describe('kube-lego process with LEGO_GATEWAY_CHALLENGE_NAMESPACE=gateway under the RBAC of its deploy/ component (issue 15)', () => {
  const controllerUser = 'system:serviceaccount:kube-lego:kube-lego';
  let rig: ProxiedPebbleRig;
  let lego: ControllerProcess | undefined;
  let clusterRules: readonly Rule[] = [];
  let namespaceRules: readonly Rule[] = [];

  before(async () => {
    const rendered = loadAll(await kustomize('deploy/examples/gateway-challenge-namespace')) as {
      kind?: string;
      rules?: Rule[];
    }[];
    clusterRules = rendered.find((o) => o.kind === 'ClusterRole')?.rules ?? [];
    namespaceRules = rendered.find((o) => o.kind === 'Role')?.rules ?? [];
    const rules: PolicyRule[] = [
      ...clusterRules.map((rule) => ({ ...rule })),
      ...namespaceRules.map((rule) => ({ ...rule, namespaces: ['kube-lego'] })),
    ];
    rig = await startProxiedPebbleRig('kube-lego-gateway-mode-', {
      users: { 'controller-token': { name: controllerUser, rules } },
    });
  });

  after(async () => {
    await lego?.terminate();
    await rig.close();
  });

  it("routes the challenge from the Gateway's namespace, a listener admitting only its own namespace's routes, and uses exactly the Gateway API RBAC the component grants", async (t) => {
    const controllerKubeconfig = join(rig.dir, 'controller-kubeconfig');
    await rig.sandbox.writeKubeconfig(controllerKubeconfig, { user: controllerUser });
    const started = await startWithController(
      rig,
      { LEGO_GATEWAY_CHALLENGE_NAMESPACE: 'gateway' },
      controllerKubeconfig,
    );
    lego = started.lego;
    const { kubectl } = started;
    const context = (): string => started.lego.lines.slice(-30).join('\n');
    await writeFile(
      join(rig.dir, 'shop.yaml'),
      `${namespaceManifest('shop')}---
${gatewayManifest({
  name: 'shop',
  namespace: 'shop',
  listeners: [
    { name: 'http', routesFrom: 'Same' },
    { name: 'https', hostname: 'shop.gw.example.test', secret: 'shop-tls' },
  ],
})}`,
    );
    await kubectl('apply', '-f', join(rig.dir, 'shop.yaml'));
    const cert = await eventually(
      'the certificate of shop/shop-tls',
      () => issuedCertificate(kubectl, 'shop', 'shop-tls'),
      { context },
    );
    assert.ok(cert.checkHost('shop.gw.example.test'));
    assert.equal(rig.proxy.ordersFor('shop.gw.example.test'), 1);
    const writes = (resource: string): string[] =>
      rig.sandbox.audit
        .filter(
          (e) =>
            e.user === controllerUser &&
            e.resource === resource &&
            (e.verb === 'create' || e.verb === 'delete') &&
            e.status < 300,
        )
        .map((e) => `${e.verb} ${e.namespace}`);
    // The route beside the Gateway, the grant beside the Service; both deleted once the challenge settled.
    await eventually(
      'the challenge route and grant deleted',
      () =>
        Promise.resolve(
          writes('httproutes').includes('delete shop') &&
            writes('referencegrants').includes('delete kube-lego')
            ? true
            : undefined,
        ),
      { context },
    );
    assert.deepEqual(writes('httproutes'), ['create shop', 'delete shop']);
    assert.deepEqual(writes('referencegrants'), ['create kube-lego', 'delete kube-lego']);
    await lego.terminate();
    lego = undefined;
    const audit = rig.sandbox.audit;
    assert.deepEqual(
      audit.filter((e) => e.user === controllerUser && e.status === 403).map((e) => `${e.verb} ${e.path}`),
      [],
      'no request of the controller was refused',
    );
    const gatewayApi = (permission: string): boolean => permission.includes(' gateway.networking.k8s.io/');
    assert.deepEqual(
      neededPermissions(audit, { user: controllerUser, ownNamespace: 'kube-lego' }).filter(gatewayApi).sort(),
      [...grants(clusterRules, 'cluster'), ...grants(namespaceRules, 'own-namespace')]
        .filter(gatewayApi)
        .sort(),
      'the component grants the Gateway API permissions the audit log shows kube-lego used, no more, no fewer',
    );
    t.diagnostic(
      `controller requests audited: ${String(audit.filter((e) => e.user === controllerUser).length)}`,
    );
  });
});
