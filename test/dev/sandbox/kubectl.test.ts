import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { createThrowawayTls } from '../../../dev/tls/throwaway-tls.js';
import { at, items } from './api-client.js';
import { kubectl, startKubectl } from './kubectl-runner.js';
import { ingressManifest } from '../../support/ingress-manifest.js';

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
  labels:
    app: web
data:
  color: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: shop
  labels:
    app: web
type: Opaque
data:
  password: aHVudGVyMg==
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
${ingressManifest({ name: 'web', namespace: 'shop', hosts: ['shop.example.com'] })}`;

describe('kubectl 1.32 against the sandbox', () => {
  let sb: Sandbox;
  let dir: string;
  let kc: string;
  let viewerKc: string;
  const file = (name: string): string => join(dir, name);

  before(async () => {
    sb = await startSandbox({
      users: {
        'viewer-token': {
          name: 'viewer',
          rules: [
            {
              verbs: ['get', 'list', 'watch'],
              apiGroups: [''],
              resources: ['secrets', 'configmaps'],
              namespaces: ['shop'],
            },
          ],
        },
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'sandbox-kubectl-'));
    kc = file('admin.kubeconfig');
    viewerKc = file('viewer.kubeconfig');
    await sb.writeKubeconfig(kc);
    await sb.writeKubeconfig(viewerKc, { user: 'viewer', namespace: 'shop' });
    await writeFile(file('all.yaml'), MANIFESTS);
  });
  after(async () => {
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('apply -f creates Namespace, ConfigMap, Secret, Service and Ingress with validation on', async () => {
    const res = await kubectl(kc, ['apply', '--validate=strict', '-f', file('all.yaml')]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split('\n'), [
      'namespace/shop created',
      'configmap/settings created',
      'secret/creds created',
      'service/web created',
      'ingress.networking.k8s.io/web created',
    ]);
    const ing = sb.store.get('ingresses.networking.k8s.io', 'shop', 'web');
    assert.equal(at(ing, 'spec.rules[0].http.paths[0].backend.service.port.number'), 80);
    assert.match(
      String(at(ing, 'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]')),
      /"kind":"Ingress"/,
    );
    assert.ok(
      sb.audit.some((e) => e.path === '/openapi/v3'),
      'kubectl fetched the OpenAPI v3 index',
    );
  });

  it('apply again with a change sends a strategic merge patch that replaces the keyed port', async () => {
    await writeFile(
      file('changed.yaml'),
      MANIFESTS.replace('color: blue', 'color: red').replace(
        'port: 80\n    targetPort',
        'port: 81\n    targetPort',
      ),
    );
    const res = await kubectl(kc, ['apply', '-f', file('changed.yaml')]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /configmap\/settings configured/);
    assert.match(res.stdout, /service\/web configured/);
    assert.match(res.stdout, /ingress.networking.k8s.io\/web unchanged/);
    assert.ok(sb.audit.some((e) => e.method === 'PATCH' && e.resource === 'services' && e.status === 200));
    assert.deepEqual(at(sb.store.get('services', 'shop', 'web'), 'spec.ports'), [
      { name: 'http', port: 81, targetPort: 8080 },
    ]);
    assert.equal(at(sb.store.get('configmaps', 'shop', 'settings'), 'data.color'), 'red');
  });

  it('get -o json and -o yaml print the stored object', async () => {
    const json = await kubectl(kc, ['-n', 'shop', 'get', 'ingress', 'web', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed: unknown = JSON.parse(json.stdout);
    assert.equal(at(parsed, 'kind'), 'Ingress');
    assert.equal(at(parsed, 'spec.tls[0].secretName'), 'web-tls');
    assert.equal(
      at(parsed, 'metadata.uid'),
      at(sb.store.get('ingresses.networking.k8s.io', 'shop', 'web'), 'metadata.uid'),
    );
    const yaml = await kubectl(kc, ['-n', 'shop', 'get', 'secret', 'creds', '-o', 'yaml']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^kind: Secret$/m);
    assert.match(yaml.stdout, /^ {2}password: aHVudGVyMg==$/m);
    assert.match(yaml.stdout, /^type: Opaque$/m);
  });

  it('get prints server-side table columns, and label selectors filter', async () => {
    const table = await kubectl(kc, ['-n', 'shop', 'get', 'ingress']);
    assert.match(table.stdout, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE$/m);
    assert.match(table.stdout, /^web\s+<none>\s+shop\.example\.com\s+80, 443\s+\d+s$/m);
    const selected = await kubectl(kc, [
      '-n',
      'shop',
      'get',
      'configmaps,secrets',
      '-l',
      'app=web',
      '-o',
      'name',
    ]);
    assert.deepEqual(selected.stdout.trim().split('\n'), ['configmap/settings', 'secret/creds']);
    const none = await kubectl(kc, ['-n', 'shop', 'get', 'secrets', '-l', 'app=db', '-o', 'name']);
    assert.equal(none.stdout.trim(), '');
  });

  it('get -w prints a change made while watching', async (t) => {
    const watcher = startKubectl(kc, [
      '-n',
      'shop',
      'get',
      'configmap',
      'settings',
      '-w',
      '-o',
      'jsonpath={.data.color}{"\\n"}',
    ]);
    t.after(() => {
      watcher.stop();
    });
    await watcher.waitFor(/^red$/m);
    const patched = await kubectl(kc, [
      '-n',
      'shop',
      'patch',
      'configmap',
      'settings',
      '--type',
      'merge',
      '-p',
      '{"data":{"color":"green"}}',
    ]);
    assert.equal(patched.code, 0, patched.stderr);
    const out = await watcher.waitFor(/^green$/m);
    assert.deepEqual(out.trim().split('\n'), ['red', 'green']);
  });

  it('get -w in table form prints a row for an object created while watching', async (t) => {
    const watcher = startKubectl(kc, ['-n', 'shop', 'get', 'configmaps', '-w']);
    t.after(() => {
      watcher.stop();
    });
    await watcher.waitFor(/^settings\s+1\s+\d+s$/m);
    const created = await kubectl(kc, [
      '-n',
      'shop',
      'create',
      'configmap',
      'late',
      '--from-literal=a=b',
      '--from-literal=c=d',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const out = await watcher.waitFor(/^late\s+2\s+\d+s$/m);
    assert.match(out, /^NAME\s+DATA\s+AGE$/m);
  });

  it('patch --type merge changes one field and keeps the rest', async () => {
    const res = await kubectl(kc, [
      '-n',
      'shop',
      'patch',
      'configmap',
      'settings',
      '--type',
      'merge',
      '-p',
      '{"data":{"size":"xl"}}',
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'configmap/settings patched');
    assert.deepEqual(at(sb.store.get('configmaps', 'shop', 'settings'), 'data'), {
      color: 'green',
      size: 'xl',
    });
  });

  it('apply --server-side records the field manager and reports conflicts with another manager', async () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: shop\ndata:\n  a: "1"\n';
    await writeFile(file('ssa.yaml'), cm);
    const first = await kubectl(kc, ['apply', '--server-side', '-f', file('ssa.yaml')]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), 'configmap/ssa serverside-applied');
    const managed = at(sb.store.get('configmaps', 'shop', 'ssa'), 'metadata.managedFields[0]');
    assert.equal(at(managed, 'manager'), 'kubectl');
    assert.equal(at(managed, 'operation'), 'Apply');
    assert.deepEqual(at(managed, 'fieldsV1'), { 'f:data': { 'f:a': {} } });

    await kubectl(kc, [
      '-n',
      'shop',
      'patch',
      'configmap',
      'ssa',
      '--type',
      'merge',
      '-p',
      '{"data":{"a":"2"}}',
    ]);
    const conflicting = await kubectl(kc, ['apply', '--server-side', '-f', file('ssa.yaml')]);
    assert.notEqual(conflicting.code, 0);
    assert.match(
      conflicting.stderr,
      /Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: \.data\.a/,
    );
    const forced = await kubectl(kc, ['apply', '--server-side', '--force-conflicts', '-f', file('ssa.yaml')]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(at(sb.store.get('configmaps', 'shop', 'ssa'), 'data.a'), '1');
  });

  it('apply rejects an Ingress path without pathType with the server validation message', async () => {
    await writeFile(
      file('bad.yaml'),
      MANIFESTS.split('---').at(-1)!.replace('        pathType: Prefix\n', ''),
    );
    const res = await kubectl(kc, ['apply', '-f', file('bad.yaml')]);
    assert.notEqual(res.code, 0);
    assert.match(
      res.stderr,
      /spec\.rules\[0\]\.http\.paths\[0\]\.pathType: Required value: pathType must be specified/,
    );
  });

  it('apply with validation on rejects an unknown field', async () => {
    await writeFile(
      file('unknown.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n  namespace: shop\nspec:\n  nope: 1\n',
    );
    const res = await kubectl(kc, ['apply', '-f', file('unknown.yaml')]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /unknown field "spec"/);
  });

  it('auth can-i answers from the role table', async () => {
    const admin = await kubectl(kc, ['auth', 'can-i', 'delete', 'secrets', '-n', 'shop']);
    assert.equal(admin.stdout.trim(), 'yes');
    const viewerGet = await kubectl(viewerKc, ['auth', 'can-i', 'get', 'secrets']);
    assert.equal(viewerGet.stdout.trim(), 'yes');
    const viewerDelete = await kubectl(viewerKc, ['auth', 'can-i', 'delete', 'secrets']);
    assert.equal(viewerDelete.stdout.trim(), 'no');
    assert.equal(viewerDelete.code, 1);
    const whoami = await kubectl(viewerKc, ['auth', 'whoami', '-o', 'json']);
    assert.equal(at(JSON.parse(whoami.stdout), 'status.userInfo.username'), 'viewer');
  });

  it('a user without the delete verb gets Forbidden from kubectl delete', async () => {
    const res = await kubectl(viewerKc, ['delete', 'secret', 'creds']);
    assert.notEqual(res.code, 0);
    assert.match(
      res.stderr,
      /Error from server \(Forbidden\): secrets "creds" is forbidden: User "viewer" cannot delete resource "secrets" in API group "" in the namespace "shop"/,
    );
    assert.ok(sb.store.get('secrets', 'shop', 'creds'));
  });

  it('delete removes the object and wait --for=delete returns once it is gone', async () => {
    const waiter = kubectl(kc, ['-n', 'shop', 'wait', '--for=delete', 'secret/creds', '--timeout=20s']);
    const res = await kubectl(kc, ['-n', 'shop', 'delete', 'secret', 'creds']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'secret "creds" deleted');
    const waited = await waiter;
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(sb.store.get('secrets', 'shop', 'creds'), undefined);
    const listed = await kubectl(kc, ['-n', 'shop', 'get', 'secrets', '-o', 'json']);
    assert.deepEqual(items(JSON.parse(listed.stdout)), []);
  });

  it('kubectl create namespace, secret tls, configmap and service (protobuf bodies) store the objects', async () => {
    const pem = await createThrowawayTls();
    await writeFile(file('tls.crt'), pem.certPem);
    await writeFile(file('tls.key'), pem.keyPem);
    const steps = [
      ['create', 'namespace', 'made'],
      [
        '-n',
        'made',
        'create',
        'secret',
        'tls',
        'site-tls',
        `--cert=${file('tls.crt')}`,
        `--key=${file('tls.key')}`,
      ],
      ['-n', 'made', 'create', 'configmap', 'conf', '--from-literal=color=blue'],
      ['-n', 'made', 'create', 'service', 'clusterip', 'web', '--tcp=80:8080'],
    ];
    for (const args of steps) {
      const res = await kubectl(kc, args);
      assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
    }
    const tls = sb.store.get('secrets', 'made', 'site-tls');
    assert.equal(at(tls, 'type'), 'kubernetes.io/tls');
    assert.equal(Buffer.from(String(at(tls, 'data["tls.crt"]')), 'base64').toString('utf8'), pem.certPem);
    assert.equal(at(sb.store.get('configmaps', 'made', 'conf'), 'data.color'), 'blue');
    const svc = sb.store.get('services', 'made', 'web');
    assert.deepEqual(at(svc, 'spec.ports'), [
      { name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 },
    ]);
    assert.match(String(at(svc, 'spec.clusterIP')), /^10\.96\.\d+\.\d+$/);
  });

  it('kubectl talks to a TLS sandbox through the CA in the kubeconfig', async (t) => {
    const secure = await startSandbox({ tls: true });
    t.after(() => secure.close());
    const secureKc = file('tls.kubeconfig');
    await secure.writeKubeconfig(secureKc);
    const res = await kubectl(secureKc, ['get', 'namespaces', '-o', 'name']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^namespace\/default$/m);
    assert.ok(secure.url.startsWith('https://'));
    assert.match(secure.caPem ?? '', /BEGIN CERTIFICATE/);
  });
});
