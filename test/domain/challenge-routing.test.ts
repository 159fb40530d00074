import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  challengeIngressName,
  isManagedChallengeObject,
  nginxChallengeIngresses,
  nginxChallengeService,
  pendingHostsOf,
  type NginxChallengeSettings,
} from '../../src/domain/challenge-routing.js';
import { INGRESS_KIND } from '../../src/domain/desired.js';
import { desired, NGINX_SETTINGS } from '../support/builders.js';

const settings: NginxChallengeSettings = NGINX_SETTINGS;

describe('nginx challenge routing', () => {
  it("nginxChallengeService() is the ClusterIP Service of 0.1.7 selecting kube-lego's pods", () => {
    assert.deepEqual(nginxChallengeService(settings), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kube-lego-nginx',
        namespace: 'kube-lego',
        labels: { 'kube-lego/managed': 'true' },
        annotations: { 'kubernetes.io/kube-lego-managed': 'true' },
      },
      spec: {
        type: 'ClusterIP',
        selector: { app: 'kube-lego' },
        ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }],
      },
    });
  });

  it('nginxChallengeIngresses() holds the sorted union of pending hosts, field by field (bug 8)', () => {
    const [ingress, ...rest] = nginxChallengeIngresses(settings, [
      { host: 'b.example', ingressClass: 'nginx', classSource: 'default' },
      { host: 'A.example', ingressClass: 'nginx', classSource: 'annotation' },
      { host: 'b.example', ingressClass: 'nginx', classSource: 'default' },
    ]);
    assert.deepEqual(rest, []);
    const backend = { service: { name: 'kube-lego-nginx', port: { number: 8080 } } };
    assert.deepEqual(ingress, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'kube-lego-nginx',
        namespace: 'kube-lego',
        labels: { 'kube-lego/managed': 'true' },
        annotations: {
          'kubernetes.io/tls-acme-challenge-endpoints': 'true',
          'kubernetes.io/ingress.provider': 'nginx',
          'ingress.kubernetes.io/ssl-redirect': 'false',
          'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
          'ingress.kubernetes.io/whitelist-source-range': '0.0.0.0/0,::/0',
          'nginx.ingress.kubernetes.io/whitelist-source-range': '0.0.0.0/0,::/0',
          'kubernetes.io/ingress.class': 'nginx',
        },
      },
      spec: {
        rules: [
          {
            host: 'a.example',
            http: { paths: [{ path: '/.well-known/acme-challenge', pathType: 'Prefix', backend }] },
          },
          {
            host: 'b.example',
            http: { paths: [{ path: '/.well-known/acme-challenge', pathType: 'Prefix', backend }] },
          },
        ],
      },
    });
  });

  it("nginxChallengeIngresses() uses the class of the user's Ingress, one challenge Ingress per class", () => {
    const ingresses = nginxChallengeIngresses(settings, [
      { host: 'a.example', ingressClass: 'nginx', classSource: 'default' },
      { host: 'b.example', ingressClass: 'nginx-internal', classSource: 'ingressClassName' },
    ]);
    assert.deepEqual(
      ingresses.map((i) => [
        i.metadata.name,
        i.spec.ingressClassName,
        i.metadata.annotations['kubernetes.io/ingress.class'],
        i.spec.rules.map((r) => r.host),
      ]),
      [
        ['kube-lego-nginx', undefined, 'nginx', ['a.example']],
        ['kube-lego-nginx-nginx-internal', 'nginx-internal', undefined, ['b.example']],
      ],
    );
  });

  it("pendingHostsOf() names the class the way the certificate's Ingresses do", () => {
    const want = { ...desired(['a.example', 'b.example']), class: 'internal' };
    assert.deepEqual(pendingHostsOf(want), [
      { host: 'a.example', ingressClass: 'internal', classSource: 'default' },
      { host: 'b.example', ingressClass: 'internal', classSource: 'default' },
    ]);
    const viaField = {
      ...want,
      sources: [
        ...want.sources,
        {
          ...INGRESS_KIND,
          namespace: 'default',
          name: 'api',
          tlsIndex: 0,
          classSource: 'ingressClassName' as const,
        },
      ],
    };
    assert.equal(pendingHostsOf(viaField)[0]?.classSource, 'ingressClassName');
  });

  it('nginxChallengeIngresses() wants no Ingress when no challenge is pending', () => {
    assert.deepEqual(nginxChallengeIngresses(settings, []), []);
  });

  it('challengeIngressName() keeps generated names valid for odd class names', () => {
    assert.equal(challengeIngressName(settings, 'NGINX'.toLowerCase()), 'kube-lego-nginx');
    assert.equal(challengeIngressName(settings, 'my_class/x'), 'kube-lego-nginx-my-class-x');
    assert.equal(challengeIngressName(settings, '__'), 'kube-lego-nginx-class');
  });

  const ownership: [string, Parameters<typeof isManagedChallengeObject>[0], boolean][] = [
    ['our label', { labels: { 'kube-lego/managed': 'true' } }, true],
    ["0.1.7's annotation", { annotations: { 'kubernetes.io/kube-lego-managed': 'true' } }, true],
    ['a user Service of the same name (bug 2)', { labels: { app: 'web' }, annotations: {} }, false],
    ['no metadata', undefined, false],
  ];
  for (const [name, metadata, ours] of ownership) {
    it(`isManagedChallengeObject() says ${ours} for ${name}`, () => {
      assert.equal(isManagedChallengeObject(metadata), ours);
    });
  }
});
