import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { call } from './api-client.js';
import { kubectl, startKubectl } from './kubectl-runner.js';

const GATEWAY_API = 'gateway.networking.k8s.io/v1';

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata:
  name: edge
---
apiVersion: ${GATEWAY_API}
kind: GatewayClass
metadata:
  name: sandbox
spec:
  controllerName: example.com/gateway-controller
---
apiVersion: ${GATEWAY_API}
kind: Gateway
metadata:
  name: web
  namespace: edge
  annotations:
    kubernetes.io/tls-acme: "true"
spec:
  gatewayClassName: sandbox
  listeners:
  - name: http
    port: 80
    protocol: HTTP
  - name: https
    port: 443
    protocol: HTTPS
    hostname: shop.example.com
    tls:
      mode: Terminate
      certificateRefs:
      - name: shop-tls
---
apiVersion: ${GATEWAY_API}
kind: ListenerSet
metadata:
  name: extra
  namespace: edge
spec:
  parentRef:
    name: web
  listeners:
  - name: blog
    port: 443
    protocol: HTTPS
    hostname: blog.example.com
    tls:
      mode: Terminate
      certificateRefs:
      - name: blog-tls
---
apiVersion: ${GATEWAY_API}
kind: HTTPRoute
metadata:
  name: acme
  namespace: edge
spec:
  parentRefs:
  - name: web
    sectionName: http
  hostnames:
  - shop.example.com
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /.well-known/acme-challenge/
    backendRefs:
    - name: kube-lego
      port: 8080
---
apiVersion: ${GATEWAY_API}
kind: ReferenceGrant
metadata:
  name: from-edge
  namespace: edge
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: Gateway
    namespace: other
  to:
  - group: ""
    kind: Secret
`;

function gatewayWith(listener: string): string {
  return `apiVersion: ${GATEWAY_API}
kind: Gateway
metadata:
  name: bad
  namespace: checks
spec:
  gatewayClassName: sandbox
  listeners:
${listener}`;
}

describe('the sandbox serves the Gateway API kinds to kubectl', () => {
  let sb: Sandbox;
  let dir: string;
  let kc: string;
  let readerKc: string;

  before(async () => {
    sb = await startSandbox({
      users: {
        'reader-token': {
          name: 'gateway-reader',
          rules: [
            {
              verbs: ['get', 'list', 'watch'],
              apiGroups: ['gateway.networking.k8s.io'],
              resources: ['gateways', 'listenersets', 'referencegrants'],
            },
            {
              verbs: ['create', 'update', 'delete'],
              apiGroups: ['gateway.networking.k8s.io'],
              resources: ['httproutes'],
              namespaces: ['kube-lego'],
            },
          ],
        },
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'sandbox-gateway-'));
    kc = join(dir, 'admin.kubeconfig');
    readerKc = join(dir, 'reader.kubeconfig');
    await sb.writeKubeconfig(kc);
    await sb.writeKubeconfig(readerKc, { user: 'gateway-reader', namespace: 'checks' });
    await writeFile(join(dir, 'gateway.yaml'), MANIFESTS);
    const created = await kubectl(kc, ['create', 'namespace', 'checks']);
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Applies `manifest` with `kubectl apply --validate=strict`, expects a refusal and returns its stderr. */
  const refusal = async (manifest: string): Promise<string> => {
    const file = join(dir, 'refused.yaml');
    await writeFile(file, manifest);
    const res = await kubectl(kc, ['apply', '--validate=strict', '-f', file]);
    assert.notEqual(res.code, 0, `kubectl apply accepted:\n${manifest}`);
    return res.stderr;
  };

  it('lists the group, its kinds and their scopes in discovery', async () => {
    const res = await kubectl(kc, ['api-resources', '--api-group=gateway.networking.k8s.io', '-o', 'wide']);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.split('\n');
    const row = (name: string): string => lines.find((l) => l.startsWith(`${name} `)) ?? '';
    assert.match(row('gatewayclasses'), /gc\s+gateway\.networking\.k8s\.io\/v1\s+false\s+GatewayClass/);
    assert.match(row('gateways'), /gtw\s+gateway\.networking\.k8s\.io\/v1\s+true\s+Gateway/);
    assert.match(row('httproutes'), /gateway\.networking\.k8s\.io\/v1\s+true\s+HTTPRoute/);
    assert.match(
      row('referencegrants'),
      /refgrant\s+gateway\.networking\.k8s\.io\/v1\s+true\s+ReferenceGrant/,
    );
    assert.match(row('listenersets'), /lset\s+gateway\.networking\.k8s\.io\/v1\s+true\s+ListenerSet/);
    const versions = await kubectl(kc, ['api-versions']);
    assert.match(versions.stdout, /^gateway\.networking\.k8s\.io\/v1$/m);
    assert.match(versions.stdout, /^gateway\.networking\.k8s\.io\/v1beta1$/m);
  });

  it('applies, gets and deletes each kind with strict validation', async () => {
    const applied = await kubectl(kc, ['apply', '--validate=strict', '-f', join(dir, 'gateway.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    for (const line of [
      'gatewayclass.gateway.networking.k8s.io/sandbox created',
      'gateway.gateway.networking.k8s.io/web created',
      'listenerset.gateway.networking.k8s.io/extra created',
      'httproute.gateway.networking.k8s.io/acme created',
      'referencegrant.gateway.networking.k8s.io/from-edge created',
    ]) {
      assert.ok(applied.stdout.includes(line), applied.stdout);
    }
    const again = await kubectl(kc, ['apply', '--validate=strict', '-f', join(dir, 'gateway.yaml')]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.stdout.includes('gateway.gateway.networking.k8s.io/web unchanged'), again.stdout);

    const got = await kubectl(kc, [
      'get',
      'gtw',
      'web',
      '-n',
      'edge',
      '-o',
      'jsonpath={.spec.listeners[1].tls.certificateRefs[0].name}',
    ]);
    assert.equal(got.stdout, 'shop-tls', got.stderr);
    const beta = await kubectl(kc, [
      'get',
      'gateways.v1beta1.gateway.networking.k8s.io',
      'web',
      '-n',
      'edge',
      '-o',
      'jsonpath={.apiVersion}',
    ]);
    assert.equal(beta.stdout, 'gateway.networking.k8s.io/v1beta1', beta.stderr);
    const classes = await kubectl(kc, ['get', 'gatewayclasses', '-o', 'name']);
    assert.equal(classes.stdout.trim(), 'gatewayclass.gateway.networking.k8s.io/sandbox');
    const all = await kubectl(kc, ['get', 'gateway-api', '-n', 'edge', '-o', 'name']);
    assert.equal(all.code, 0, all.stderr);
    for (const name of [
      'gateway.gateway.networking.k8s.io/web',
      'httproute.gateway.networking.k8s.io/acme',
    ]) {
      assert.ok(all.stdout.includes(name), all.stdout);
    }

    const deletedRoute = await kubectl(kc, ['delete', 'httproute', 'acme', '-n', 'edge']);
    assert.equal(deletedRoute.code, 0, deletedRoute.stderr);
    const gone = await kubectl(kc, ['get', 'httproute', 'acme', '-n', 'edge']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /httproutes\.gateway\.networking\.k8s\.io "acme" not found/);
    const deleted = await kubectl(kc, [
      'delete',
      '-f',
      join(dir, 'gateway.yaml'),
      '--ignore-not-found',
      '--wait=false',
    ]);
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  it('refuses a listener without a name with the apiserver field error', async () => {
    const stderr = await refusal(gatewayWith('  - port: 80\n    protocol: HTTP\n'));
    assert.match(stderr, /The Gateway "bad" is invalid: spec\.listeners\[0\]\.name: Required value/);
  });

  it('refuses a TLS mode outside the enum, a protocol outside the pattern, a port out of range', async () => {
    const stderr = await refusal(
      gatewayWith(
        '  - name: https\n    port: 70000\n    protocol: "HTTP S"\n    tls:\n      mode: Offload\n',
      ),
    );
    assert.match(
      stderr,
      /spec\.listeners\[0\]\.tls\.mode: Unsupported value: "Offload": supported values: "Terminate", "Passthrough"/,
    );
    assert.match(
      stderr,
      /spec\.listeners\[0\]\.protocol: Invalid value: "HTTP S": spec\.listeners\[0\]\.protocol in body should match '/,
    );
    assert.match(
      stderr,
      /spec\.listeners\[0\]\.port: Invalid value: 70000: spec\.listeners\[0\]\.port in body should be less than or equal to 65535/,
    );
  });

  it("applies the CRD's CEL rules: no tls on HTTP listeners, unique names, absolute path prefixes", async () => {
    const gateway = await refusal(
      gatewayWith(
        '  - name: http\n    port: 80\n    protocol: HTTP\n    tls:\n      mode: Terminate\n' +
          '  - name: http\n    port: 8080\n    protocol: HTTP\n',
      ),
    );
    assert.match(
      gateway,
      /spec\.listeners: Invalid value: "array": tls must not be specified for protocols \['HTTP', 'TCP', 'UDP'\]/,
    );
    assert.match(
      gateway,
      /spec\.listeners: Invalid value: "array": Listener name must be unique within the Gateway/,
    );
    const route = await refusal(`apiVersion: ${GATEWAY_API}
kind: HTTPRoute
metadata: {name: relative, namespace: checks}
spec:
  rules:
  - matches: [{path: {type: PathPrefix, value: well-known}}]
`);
    assert.match(
      route,
      /spec\.rules\[0\]\.matches\[0\]\.path: Invalid value: "object": value must be an absolute path and start with '\/' when type one of \['Exact', 'PathPrefix'\]/,
    );
  });

  it('refuses an unknown field under --validate=strict and only warns without', async () => {
    const file = join(dir, 'unknown.yaml');
    await writeFile(
      file,
      gatewayWith('  - name: http\n    port: 80\n    protocol: HTTP\n    tlsMode: none\n'),
    );
    const strict = await kubectl(kc, ['apply', '--validate=strict', '-f', file]);
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /strict decoding error: unknown field "spec\.listeners\[0\]\.tlsMode"/);
    const warned = await kubectl(kc, ['apply', '--validate=warn', '-f', file]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /unknown field "spec\.listeners\[0\]\.tlsMode"/);
    await kubectl(kc, ['delete', 'gateway', 'bad', '-n', 'checks']);
  });

  it('watches Gateways and takes a status update through the status subresource only', async () => {
    await kubectl(kc, ['create', 'namespace', 'watched']);
    const watch = startKubectl(kc, ['get', 'gateways', '-n', 'watched', '-w', '-o', 'name']);
    try {
      const file = join(dir, 'watched.yaml');
      await writeFile(
        file,
        gatewayWith('  - name: http\n    port: 80\n    protocol: HTTP\n').replace(
          'namespace: checks',
          'namespace: watched',
        ),
      );
      const created = await kubectl(kc, ['apply', '-f', file]);
      assert.equal(created.code, 0, created.stderr);
      await watch.waitFor(/gateway\.gateway\.networking\.k8s\.io\/bad/);
    } finally {
      watch.stop();
    }
    const status = {
      addresses: [{ type: 'IPAddress', value: '127.0.0.1' }],
      conditions: [
        {
          type: 'Programmed',
          status: 'True',
          reason: 'Programmed',
          message: 'ready',
          observedGeneration: 1,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    const patchGateway = (patch: unknown, ...extra: string[]): ReturnType<typeof kubectl> =>
      kubectl(kc, [
        'patch',
        'gateway',
        'bad',
        '-n',
        'watched',
        '--type=merge',
        ...extra,
        '-p',
        JSON.stringify(patch),
      ]);
    const patched = await patchGateway({ status }, '--subresource=status');
    assert.equal(patched.code, 0, patched.stderr);
    const stored = await call(
      sb,
      'GET',
      '/apis/gateway.networking.k8s.io/v1/namespaces/watched/gateways/bad',
    );
    assert.deepEqual((stored.body as { status?: unknown }).status, status);

    const viaMain = await patchGateway({ status: { addresses: [{ type: 'IPAddress', value: '10.0.0.1' }] } });
    assert.equal(viaMain.code, 0, viaMain.stderr);
    const after = await call(sb, 'GET', '/apis/gateway.networking.k8s.io/v1/namespaces/watched/gateways/bad');
    assert.deepEqual((after.body as { status?: unknown }).status, status, 'the main resource ignores status');

    const badStatus = await patchGateway(
      { status: { conditions: [{ type: 'Programmed', status: 'Maybe' }] } },
      '--subresource=status',
    );
    assert.notEqual(badStatus.code, 0);
    assert.match(badStatus.stderr, /status\.conditions\[0\]\.reason: Required value/);
  });

  it('authorizes the group and its resources like any other (RBAC wording, can-i)', async () => {
    const listed = await kubectl(readerKc, ['get', 'gateways,listenersets,referencegrants', '-A']);
    assert.equal(listed.code, 0, listed.stderr);
    const routes = await kubectl(readerKc, ['get', 'httproutes']);
    assert.notEqual(routes.code, 0);
    assert.match(
      routes.stderr,
      /httproutes\.gateway\.networking\.k8s\.io is forbidden: User "gateway-reader" cannot list resource "httproutes" in API group "gateway\.networking\.k8s\.io" in the namespace "checks"/,
    );
    const canI = async (...args: string[]): Promise<string> =>
      (await kubectl(readerKc, ['auth', 'can-i', ...args])).stdout.trim();
    assert.equal(await canI('create', 'httproutes.gateway.networking.k8s.io', '-n', 'kube-lego'), 'yes');
    assert.equal(await canI('create', 'httproutes.gateway.networking.k8s.io', '-n', 'checks'), 'no');
    assert.equal(await canI('update', 'gateways.gateway.networking.k8s.io/status', '-n', 'checks'), 'no');
    assert.equal(await canI('watch', 'gateways.gateway.networking.k8s.io', '-A'), 'yes');
  });

  it('refuses a strategic merge patch as the apiextensions apiserver does', async () => {
    const res = await call(
      sb,
      'PATCH',
      '/apis/gateway.networking.k8s.io/v1/namespaces/watched/gateways/bad',
      {
        body: { metadata: { labels: { a: 'b' } } },
        contentType: 'application/strategic-merge-patch+json',
      },
    );
    assert.equal(res.status, 415);
  });
});

describe('a sandbox started without the Gateway API kinds', () => {
  let sb: Sandbox;
  let dir: string;
  let kc: string;

  before(async () => {
    sb = await startSandbox({ gatewayApi: false });
    dir = await mkdtemp(join(tmpdir(), 'sandbox-no-gateway-'));
    kc = join(dir, 'admin.kubeconfig');
    await sb.writeKubeconfig(kc);
  });

  after(async () => {
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('does not list the group and answers 404 on its paths', async () => {
    const versions = await kubectl(kc, ['api-versions']);
    assert.equal(versions.code, 0, versions.stderr);
    assert.doesNotMatch(versions.stdout, /gateway\.networking\.k8s\.io/);
    const res = await kubectl(kc, ['get', 'gateways', '-A']);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /the server doesn't have a resource type "gateways"/);
    const direct = await call(sb, 'GET', '/apis/gateway.networking.k8s.io/v1/gateways');
    assert.equal(direct.status, 404);
  });
});
