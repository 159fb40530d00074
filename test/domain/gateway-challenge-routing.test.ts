import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  challengeServiceGrant,
  gatewayChallengeRoutes,
  isOwnChallengeRoute,
  routeVerdict,
  type GatewayChallengeSettings,
  type GatewayPendingHost,
} from '../../src/domain/gateway-challenge-routing.js';

const SETTINGS: GatewayChallengeSettings = {
  namespace: 'kube-lego',
  serviceName: 'kube-lego-gateway',
  port: 8080,
  routeNamespace: 'kube-lego',
};

function pending(host: string, gateway: string, sections: string[], namespace = 'web'): GatewayPendingHost {
  return {
    host,
    challenge: {
      gateway: { namespace, name: gateway },
      parents: sections.map((sectionName) => ({ kind: 'Gateway', namespace, name: gateway, sectionName })),
    },
  };
}

describe('gatewayChallengeRoutes()', () => {
  it('builds one HTTPRoute per pending hostname of a Gateway, attached to the HTTP listeners serving it', () => {
    const routes = gatewayChallengeRoutes(SETTINGS, [
      pending('b.example', 'gw', ['http']),
      pending('a.example', 'gw', ['http-a', 'http']),
      pending('a.example', 'gw', ['http']),
      pending('c.example', 'other', ['plain']),
    ]);
    assert.deepEqual(routes.map((r) => r.spec.hostnames).sort(), [
      ['a.example'],
      ['b.example'],
      ['c.example'],
    ]);
    assert.ok(routes.every((r) => r.metadata.namespace === 'kube-lego'));
    assert.ok(routes.every((r) => /^kube-lego-gateway-[0-9a-f]{8}$/.test(r.metadata.name)));
    assert.equal(new Set(routes.map((r) => r.metadata.name)).size, 3, 'a name per hostname and Gateway');
    const a = routes.find((r) => r.spec.hostnames[0] === 'a.example');
    assert.ok(a);
    assert.deepEqual(a.metadata.labels, { 'kube-lego/managed': 'true' });
    assert.deepEqual(
      a.spec.parentRefs.map((p) => `${p.kind}/${p.namespace}/${p.name}/${p.sectionName}`),
      ['Gateway/web/gw/http', 'Gateway/web/gw/http-a'],
    );
    assert.deepEqual(a.spec.rules, [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/.well-known/acme-challenge/' } }],
        backendRefs: [{ group: '', kind: 'Service', name: 'kube-lego-gateway', port: 8080 }],
      },
    ]);
    assert.equal(
      gatewayChallengeRoutes(SETTINGS, [pending('a.example', 'gw', ['http'])])[0]?.metadata.name,
      a.metadata.name,
      'the name is stable',
    );
  });

  it('needs no route and no grant when nothing is pending', () => {
    const routes = gatewayChallengeRoutes(SETTINGS, []);
    assert.deepEqual(routes, []);
    assert.equal(challengeServiceGrant(SETTINGS, routes), undefined);
  });

  it("puts routes beside the Service without a grant, or in each Gateway's namespace with one", () => {
    const beside = gatewayChallengeRoutes(SETTINGS, [pending('a.example', 'gw', ['http'], 'kube-lego')]);
    assert.equal(beside[0]?.spec.rules[0]?.backendRefs[0]?.namespace, undefined);
    assert.equal(challengeServiceGrant(SETTINGS, beside), undefined);
    const inGateway = { ...SETTINGS, routeNamespace: 'gateway' as const };
    const routes = gatewayChallengeRoutes(inGateway, [
      pending('a.example', 'gw', ['http'], 'web'),
      pending('b.example', 'gw', ['http'], 'shop'),
    ]);
    assert.deepEqual(
      routes.map((r) => `${r.metadata.namespace} ${r.spec.hostnames.join(',')}`),
      ['shop b.example', 'web a.example'],
    );
    assert.deepEqual(challengeServiceGrant(inGateway, routes)?.spec, {
      from: [
        { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' },
        { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' },
      ],
      to: [{ group: '', kind: 'Service', name: 'kube-lego-gateway' }],
    });
  });
});

describe('routeVerdict()', () => {
  const [route] = gatewayChallengeRoutes(SETTINGS, [pending('a.example', 'gw', ['http'])]);
  assert.ok(route);
  const parent = { kind: 'Gateway', namespace: 'web', name: 'gw', sectionName: 'http' };
  const condition = (type: string, status: string, reason = 'Accepted', message = '') => ({
    type,
    status,
    reason,
    message,
  });

  it('is pending until the parent has both conditions', () => {
    assert.equal(routeVerdict(route, []).kind, 'pending');
    assert.equal(
      routeVerdict(route, [{ parent, conditions: [condition('Accepted', 'True')] }]).kind,
      'pending',
    );
  });

  it('is accepted when Accepted and ResolvedRefs are True', () => {
    const verdict = routeVerdict(route, [
      {
        parent,
        conditions: [condition('Accepted', 'True'), condition('ResolvedRefs', 'True', 'ResolvedRefs')],
      },
    ]);
    assert.equal(verdict.kind, 'accepted');
  });

  it('is refused with the listener, condition, reason and message when one is False', () => {
    const verdict = routeVerdict(route, [
      {
        parent,
        conditions: [
          condition('Accepted', 'False', 'NotAllowedByListeners', 'namespace kube-lego is not allowed'),
          condition('ResolvedRefs', 'True', 'ResolvedRefs'),
        ],
      },
    ]);
    assert.ok(verdict.kind === 'refused');
    assert.match(
      verdict.message,
      /HTTPRoute "kube-lego\/kube-lego-gateway-[0-9a-f]{8}" for a.example was refused by gateway "web\/gw" listener "http": Accepted=False \(NotAllowedByListeners: namespace kube-lego is not allowed\)/,
    );
  });
});

describe('isOwnChallengeRoute()', () => {
  const own = {
    namespace: 'kube-lego',
    labels: { 'kube-lego/managed': 'true' },
    backends: [{ kind: 'Service', name: 'kube-lego-gateway' }],
  };
  const cases: readonly (readonly [string, Parameters<typeof isOwnChallengeRoute>[1], boolean])[] = [
    ['a route beside the Service, to it', own, true],
    [
      "a route in a Gateway's namespace, to the Service in kube-lego's",
      { ...own, namespace: 'web', backends: [{ name: 'kube-lego-gateway', namespace: 'kube-lego' }] },
      true,
    ],
    ['a route without the label', { ...own, labels: {} }, false],
    ['a route to a user Service', { ...own, backends: [{ kind: 'Service', name: 'web' }] }, false],
    [
      'a route to the Service and a user one',
      { ...own, backends: [...own.backends, { kind: 'Service', name: 'web' }] },
      false,
    ],
    [
      "another installation's (its Service in its namespace)",
      { ...own, namespace: 'web', backends: [{ name: 'kube-lego-gateway' }] },
      false,
    ],
    ['a route with no backend', { ...own, backends: [] }, false],
  ];
  for (const [name, route, expected] of cases) {
    it(`${expected ? 'accepts' : 'rejects'} ${name}`, () => {
      assert.equal(isOwnChallengeRoute(SETTINGS, route), expected);
    });
  }
});
