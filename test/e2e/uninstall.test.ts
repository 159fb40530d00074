import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { ingressManifest, namespaceManifest } from '../support/ingress-manifest.js';
import { runCli, type CliRun } from './controller-process.js';
import { assertIssuedPair, startFaultRig, type FaultRig } from './fault-rig.js';

const MANAGED = 'kube-lego/managed';
const LEGACY = 'kubernetes.io/kube-lego-managed';
const CHALLENGES = 'kube-lego/challenges';
/** Leader election on, as deploy/ runs it: the Lease and the challenges Secret exist. */
const REPLICA = { LEGO_LEADER_ELECT: 'true' };

interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface Listed {
  readonly metadata: Meta;
  readonly spec?: { readonly rules?: unknown };
}

function gceIngress(name: string, hosts: readonly string[], namespace: string): string {
  return ingressManifest({ name, hosts, namespace }).replace(
    'kubernetes.io/tls-acme: "true"',
    'kubernetes.io/tls-acme: "true"\n    kubernetes.io/ingress.class: gce',
  );
}

/** The users' own objects, which uninstall must leave exactly as they are. */
const USER_OBJECTS = `apiVersion: v1
kind: Secret
metadata: {name: user-secret, namespace: default}
stringData: {password: hunter2}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
`;

describe('kube-lego uninstall after an nginx and a gce issuance', () => {
  let rig: FaultRig;
  let dir: string;
  let admin: string;
  const originalRules = new Map<string, unknown>();

  const list = async (resource: string, ...args: string[]): Promise<Listed[]> =>
    (JSON.parse(await rig.kubectl('get', resource, '-A', '-o', 'json', ...args)) as { items: Listed[] })
      .items;
  const names = (items: readonly Listed[]): string[] =>
    items.map((item) => `${item.metadata.namespace ?? ''}/${item.metadata.name}`).sort();
  /** Everything that could be kube-lego's: its label or 0.1.7's mark, one of its names, a gce challenge path. */
  const leftovers = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const resource of ['ingresses', 'services', 'endpoints', 'endpointslices', 'leases', 'secrets']) {
      for (const item of await list(resource)) {
        const { labels = {}, annotations = {}, name } = item.metadata;
        const marked =
          labels[MANAGED] === 'true' ||
          labels[CHALLENGES] === 'true' ||
          annotations[LEGACY] === 'true' ||
          annotations['kube-lego/gce-added-rules'] !== undefined ||
          JSON.stringify(item.spec?.rules ?? []).includes('/.well-known/acme-challenge/*') ||
          name.startsWith('kube-lego');
        if (marked) found.push(`${resource} ${item.metadata.namespace ?? ''}/${name}`);
      }
    }
    return found.sort();
  };
  const uninstall = async (...args: string[]): Promise<CliRun> => {
    const run = await runCli(['uninstall', '--kubeconfig', admin, ...args], {}, { timeoutMs: 30_000 });
    assert.equal(run.code, 0, run.stderr);
    return run;
  };

  before(async () => {
    rig = await startFaultRig();
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-uninstall-'));
    admin = join(dir, 'admin.kubeconfig');
    await rig.sandbox.writeKubeconfig(admin);
    const apply = async (file: string, yaml: string): Promise<void> => {
      await writeFile(join(dir, file), yaml);
      await rig.kubectl('apply', '-f', join(dir, file));
    };
    await apply('users.yaml', [namespaceManifest('shop'), USER_OBJECTS].join('---\n'));

    // 1. One nginx and one gce certificate, issued to completion.
    const first = rig.startController({ ...REPLICA, LEGO_POD_NAME: 'kube-lego-a' });
    await apply(
      'issued.yaml',
      [
        ingressManifest({ name: 'nginx-web', hosts: ['nginx.example.test'] }),
        gceIngress('gce-web', ['gce.example.test'], 'shop'),
      ].join('---\n'),
    );
    assertIssuedPair(
      await rig.eventually('nginx-web-tls issued', async () => {
        const s = await rig.secret('nginx-web-tls');
        return s?.metadata?.annotations?.['kube-lego/not-after'] === undefined ? undefined : s;
      }),
      ['nginx.example.test'],
    );
    await rig.eventually('gce-web-tls issued', async () => {
      const s = JSON.parse(await rig.kubectl('get', 'secret', 'gce-web-tls', '-n', 'shop', '-o', 'json')) as {
        metadata: Meta;
      };
      return s.metadata.annotations?.['kube-lego/not-after'] === undefined ? undefined : s;
    });
    // During normal operation the gce objects go once no challenge of their namespace is pending.
    await rig.eventually('the gce challenge objects removed after the issuance', async () =>
      (await leftovers()).some((l) => / shop\/kube-lego-gce$/.test(l)) ? undefined : true,
    );
    await first.terminate();

    // 2. A controller stopped in the middle of two challenges leaves its routing behind. The Ingresses are
    // applied first, so their own rules are read before any edit.
    await apply(
      'pending.yaml',
      [
        ingressManifest({ name: 'nginx-pending', hosts: ['pending.example.test'] }),
        gceIngress('gce-pending', ['gce-pending.example.test'], 'shop'),
      ].join('---\n'),
    );
    for (const item of await list('ingresses')) originalRules.set(item.metadata.name, item.spec?.rules);
    const second = rig.startController({
      ...REPLICA,
      LEGO_POD_NAME: 'kube-lego-b',
      // No self-check: the challenge waits this long with its routing in place.
      LEGO_SELF_CHECK_DELAY: '10m',
    });
    await rig.eventually(
      'challenge routing in place for both providers',
      async () => {
        const now = await leftovers();
        const wanted = [
          'ingresses kube-lego/kube-lego-nginx',
          'services kube-lego/kube-lego-nginx',
          'services shop/kube-lego-gce',
          'endpoints shop/kube-lego-gce',
          'endpointslices shop/kube-lego-gce',
          'ingresses shop/gce-pending',
        ];
        return wanted.every((w) => now.includes(w)) ? true : undefined;
      },
      30_000,
    );
    await second.kill();
  });

  after(async () => {
    await rig.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--dry-run lists what it would remove, revert and keep, and changes nothing', async () => {
    const before = rig.sandbox.store.resourceVersion;
    const run = await uninstall('--dry-run');
    assert.equal(rig.sandbox.store.resourceVersion, before, 'no object was written');
    assert.match(
      run.stdout,
      /^would remove Ingress kube-lego\/kube-lego-nginx \(nginx challenge routing\)$/m,
    );
    assert.match(run.stdout, /^would revert Ingress shop\/gce-pending \(gce challenge routing\)$/m);
    assert.match(run.stdout, /^would keep Secret kube-lego\/kube-lego-account \(ACME account key/m);
    assert.match(run.stderr, /^dry run, nothing changed: 7 removed, 1 reverted, 5 kept$/m);
  });

  it('removes everything of kube-lego but the TLS Secrets and the account Secret, and says what it removed', async () => {
    const run = await uninstall();
    assert.deepEqual(run.stdout.trim().split('\n'), [
      'reverted Ingress shop/gce-pending (gce challenge routing)',
      'removed Ingress kube-lego/kube-lego-nginx (nginx challenge routing)',
      'removed EndpointSlice shop/kube-lego-gce (gce challenge routing)',
      'removed Endpoints shop/kube-lego-gce (gce challenge routing)',
      'removed Service kube-lego/kube-lego-nginx (nginx challenge routing)',
      'removed Service shop/kube-lego-gce (gce challenge routing)',
      'removed Lease kube-lego/kube-lego (leader election)',
      'removed Secret kube-lego/kube-lego-challenges (pending challenge tokens)',
      'kept Secret default/nginx-pending-tls (TLS certificate: --delete-secrets removes it)',
      'kept Secret default/nginx-web-tls (TLS certificate: --delete-secrets removes it)',
      'kept Secret kube-lego/kube-lego-account (ACME account key: --delete-secrets removes it)',
      'kept Secret shop/gce-pending-tls (TLS certificate: --delete-secrets removes it)',
      'kept Secret shop/gce-web-tls (TLS certificate: --delete-secrets removes it)',
    ]);
    // Read back with kubectl: only the kept Secrets remain, listed by label and by name.
    assert.deepEqual(await leftovers(), [
      'secrets default/nginx-pending-tls',
      'secrets default/nginx-web-tls',
      'secrets kube-lego/kube-lego-account',
      'secrets shop/gce-pending-tls',
      'secrets shop/gce-web-tls',
    ]);
    assert.deepEqual(names(await list('secrets', '-l', `${MANAGED}=true`)), [
      'default/nginx-pending-tls',
      'default/nginx-web-tls',
      'shop/gce-pending-tls',
      'shop/gce-web-tls',
    ]);
    await rig.kubectl('get', 'secret', 'kube-lego-account', '-n', 'kube-lego');
    // The users' Ingresses have exactly their own rules again.
    for (const item of await list('ingresses')) {
      assert.deepEqual(item.spec?.rules, originalRules.get(item.metadata.name), item.metadata.name);
    }
    assert.deepEqual(names(await list('leases')), []);
    assert.match(run.stderr, /^7 removed, 1 reverted, 5 kept$/m);
  });

  it('--delete-secrets removes the TLS and account Secrets too, never a Secret of the user', async () => {
    const run = await uninstall('--delete-secrets');
    assert.match(run.stdout, /^removed Secret kube-lego\/kube-lego-account \(ACME account key\)$/m);
    assert.match(run.stdout, /^removed Secret shop\/gce-web-tls \(TLS certificate\)$/m);
    assert.deepEqual(await leftovers(), []);
    assert.deepEqual(names(await list('secrets')), ['default/user-secret']);
    assert.deepEqual(names(await list('services')), ['shop/web']);
    assert.match(run.stderr, /^5 removed, 0 reverted, 0 kept$/m);
    const again = await uninstall('--delete-secrets');
    assert.equal(again.stdout, '', 'nothing of kube-lego is left to remove');
  });
});

describe('kube-lego uninstall with too few permissions', () => {
  let sandbox: Sandbox;
  let dir: string;

  before(async () => {
    sandbox = await startSandbox({
      users: {
        'operator-token': {
          name: 'operator',
          // Everything uninstall reads, except listing Secrets.
          rules: [
            {
              verbs: ['get', 'list'],
              apiGroups: ['networking.k8s.io', '', 'discovery.k8s.io', 'coordination.k8s.io'],
              resources: ['ingresses', 'services', 'endpoints', 'endpointslices', 'leases'],
            },
            { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
          ],
        },
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-uninstall-rbac-'));
    await sandbox.writeKubeconfig(join(dir, 'operator'), { user: 'operator' });
  });

  after(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('names the permission that is missing and changes nothing', async () => {
    const before = sandbox.store.resourceVersion;
    const run = await runCli(['uninstall', '--kubeconfig', join(dir, 'operator')], {}, { timeoutMs: 30_000 });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /^error: Missing permission: list secrets in all namespaces; ask for a Role \(or ClusterRole\) granting "list" on "secrets"/m,
    );
    assert.equal(run.stdout, '');
    assert.equal(sandbox.store.resourceVersion, before);
  });
});
