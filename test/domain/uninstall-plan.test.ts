import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gceIngressEdit } from '../../src/domain/gce-challenge-routing.js';
import type { IngressView } from '../../src/domain/types.js';
import {
  uninstallPlan,
  type InstallationNames,
  type InstalledKind,
  type InstalledObject,
} from '../../src/domain/uninstall-plan.js';
import { ingress, inNamespace, rule, withClassName, withRules, withTls } from '../support/builders.js';

const names: InstallationNames = {
  namespace: 'kube-lego',
  accountSecretName: 'kube-lego-account',
  leaseName: 'kube-lego',
  annotation: 'kubernetes.io/tls-acme',
  gce: { serviceName: 'kube-lego-gce', port: 8080 },
};

function found(
  kind: InstalledKind,
  at: string,
  meta: { labels?: Record<string, string>; annotations?: Record<string, string>; ingress?: IngressView } = {},
): InstalledObject {
  const [namespace = '', name = ''] = at.split('/');
  return {
    kind,
    namespace,
    name,
    uid: `uid-${at}`,
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    ...(meta.ingress === undefined ? {} : { ingress: meta.ingress }),
  };
}

const labelled = { labels: { 'kube-lego/managed': 'true' } };
/** kube-lego 0.1.7 marked its Services and Endpoints with an annotation only. */
const legacy = { annotations: { 'kubernetes.io/kube-lego-managed': 'true' } };

/** A user's gce Ingress as the gce provider left it mid-challenge. */
function editedIngress(): IngressView {
  const own = ingress(
    'shop-web',
    inNamespace('shop'),
    withClassName('gce'),
    withTls(['shop.example', 'bare.example'], 'shop-tls'),
    withRules(rule('shop.example', [['/*', 'web', 80]])),
  );
  const edit = gceIngressEdit(own, ['shop.example', 'bare.example'], names.gce);
  return { ...own, rules: edit.rules, annotations: edit.annotations };
}

function summary(steps: ReturnType<typeof uninstallPlan>): string[] {
  return steps.map((s) => `${s.kind} ${s.object.kind} ${s.object.namespace}/${s.object.name} (${s.reason})`);
}

describe('uninstallPlan()', () => {
  const cluster: InstalledObject[] = [
    found('Secret', 'default/web-tls', labelled),
    found('Secret', 'default/user-password'),
    found('Secret', 'default/legacy-tls', { annotations: { 'kubernetes.io/tls-acme': 'true' } }),
    found('Secret', 'kube-lego/kube-lego-account'),
    found('Secret', 'kube-lego/kube-lego-challenges', { labels: { 'kube-lego/challenges': 'true' } }),
    found('Lease', 'kube-lego/kube-lego'),
    found('Lease', 'kube-system/kube-scheduler'),
    found('Service', 'kube-lego/kube-lego-nginx', labelled),
    found('Service', 'shop/kube-lego-gce', legacy),
    found('Service', 'shop/web'),
    // A Service of the user that happens to have kube-lego's name: no mark, not kube-lego's.
    found('Service', 'blog/kube-lego-gce'),
    found('Endpoints', 'shop/kube-lego-gce', legacy),
    found('Endpoints', 'shop/web'),
    found('EndpointSlice', 'shop/kube-lego-gce', {
      labels: { 'endpointslice.kubernetes.io/managed-by': 'kube-lego' },
    }),
    found('Ingress', 'kube-lego/kube-lego-nginx', {
      annotations: { 'kubernetes.io/tls-acme-challenge-endpoints': 'true' },
    }),
    found('Ingress', 'shop/shop-web', { ingress: editedIngress() }),
    found('Ingress', 'default/web', {
      ingress: ingress('web', withRules(rule('web.example', [['/', 'web', 80]]))),
    }),
  ];

  it('reverts edited Ingresses first, then deletes the routing, the Lease and the challenges Secret, and keeps the certificates', () => {
    assert.deepEqual(summary(uninstallPlan(cluster, names, { deleteSecrets: false })), [
      'revert Ingress shop/shop-web (gce challenge routing)',
      'delete Ingress kube-lego/kube-lego-nginx (nginx challenge routing)',
      'delete EndpointSlice shop/kube-lego-gce (gce challenge routing)',
      'delete Endpoints shop/kube-lego-gce (gce challenge routing)',
      'delete Service kube-lego/kube-lego-nginx (nginx challenge routing)',
      'delete Service shop/kube-lego-gce (gce challenge routing)',
      'delete Lease kube-lego/kube-lego (leader election)',
      'delete Secret kube-lego/kube-lego-challenges (pending challenge tokens)',
      'keep Secret default/legacy-tls (TLS certificate)',
      'keep Secret default/web-tls (TLS certificate)',
      'keep Secret kube-lego/kube-lego-account (ACME account key)',
    ]);
  });

  it("with deleteSecrets deletes the TLS and account Secrets, never a Secret without kube-lego's mark", () => {
    const steps = summary(uninstallPlan(cluster, names, { deleteSecrets: true }));
    assert.deepEqual(
      steps.filter((s) => s.includes(' Secret ')),
      [
        'delete Secret default/legacy-tls (TLS certificate)',
        'delete Secret default/web-tls (TLS certificate)',
        'delete Secret kube-lego/kube-lego-account (ACME account key)',
        'delete Secret kube-lego/kube-lego-challenges (pending challenge tokens)',
      ].sort((a, b) => (a < b ? -1 : 1)),
    );
    for (const untouched of [
      'user-password',
      'shop/web',
      'blog/kube-lego-gce',
      'kube-scheduler',
      'default/web ',
    ])
      assert.ok(!steps.some((s) => s.includes(untouched)), untouched);
  });

  it("the revert restores the user's rules exactly and drops the added-rules annotation", () => {
    const [revert] = uninstallPlan([found('Ingress', 'shop/shop-web', { ingress: editedIngress() })], names, {
      deleteSecrets: false,
    });
    assert.ok(revert?.kind === 'revert', 'the edited Ingress is reverted');
    assert.deepEqual(revert.edit.rules, [rule('shop.example', [['/*', 'web', 80]])]);
    assert.equal(revert.edit.annotations['kube-lego/gce-added-rules'], undefined);
  });

  it('lists an object once however many lists found it, and finds labelled Leases in any namespace', () => {
    const twice = [
      found('Secret', 'kube-lego/kube-lego-challenges', { labels: { 'kube-lego/challenges': 'true' } }),
      found('Secret', 'kube-lego/kube-lego-challenges', { labels: { 'kube-lego/challenges': 'true' } }),
      found('Lease', 'elsewhere/kube-lego', labelled),
    ];
    assert.deepEqual(summary(uninstallPlan(twice, names, { deleteSecrets: false })), [
      'delete Lease elsewhere/kube-lego (leader election)',
      'delete Secret kube-lego/kube-lego-challenges (pending challenge tokens)',
    ]);
  });
});
