import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  gatewayStatusWrites,
  servedCertificates,
  type GatewaySnapshot,
} from '../../../dev/devenv/gateway-status.js';
import type { JsonObject } from '../../../dev/sandbox/json.js';

const CONTROLLER = 'example.com/data-plane';
const IDENTITY = { controllerName: CONTROLLER, address: '127.0.0.1', nowIso: '2026-01-01T00:00:00.000Z' };

function meta(name: string, namespace = 'edge', labels: Record<string, string> = {}): JsonObject {
  return { name, namespace, labels, generation: 1 };
}

function snapshot(parts: Partial<GatewaySnapshot>): GatewaySnapshot {
  return {
    gatewayClasses: [{ metadata: meta('ours', ''), spec: { controllerName: CONTROLLER } }],
    gateways: [],
    httpRoutes: [],
    referenceGrants: [],
    services: [
      { metadata: meta('solver') },
      { metadata: meta('solver', 'kube-lego') },
      { metadata: meta('solver', 'apps') },
    ],
    secrets: [],
    namespaces: [{ metadata: meta('edge', '') }, { metadata: meta('apps', '', { team: 'web' }) }],
    listenerSets: [],
    ...parts,
  };
}

function gateway(listener: JsonObject): JsonObject {
  return {
    kind: 'Gateway',
    metadata: meta('web'),
    spec: {
      gatewayClassName: 'ours',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP', ...listener }],
    },
  };
}

function route(namespace: string, spec: JsonObject): JsonObject {
  return {
    metadata: meta('r', namespace),
    spec: {
      parentRefs: [{ name: 'web', namespace: 'edge' }],
      rules: [{ backendRefs: [{ name: 'solver', port: 8080 }] }],
      ...spec,
    },
  };
}

/** `Accepted ResolvedRefs` reasons of the one parent written for the route. */
function verdict(s: GatewaySnapshot): string {
  const write = gatewayStatusWrites(s, IDENTITY).find((w) => w.plural === 'httproutes');
  const parents = write?.status['parents'];
  const [parent] = Array.isArray(parents) ? parents : [];
  const conditions = (parent as { conditions?: { type: string; reason: string }[] } | undefined)?.conditions;
  return (conditions ?? []).map((c) => c.reason).join(' ') || 'no status';
}

describe('gatewayStatusWrites() as a Gateway API implementation would', () => {
  const cases: [string, JsonObject, JsonObject, string][] = [
    ['a route in the Gateway namespace (From Same)', {}, route('edge', {}), 'Accepted ResolvedRefs'],
    [
      'a route of another namespace under From Same',
      {},
      route('apps', {}),
      'NotAllowedByListeners ResolvedRefs',
    ],
    [
      'a route of another namespace under From All',
      { allowedRoutes: { namespaces: { from: 'All' } } },
      route('apps', {}),
      'Accepted ResolvedRefs',
    ],
    [
      'a route of a namespace the selector matches',
      { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'web' } } } } },
      route('apps', {}),
      'Accepted ResolvedRefs',
    ],
    [
      'a route of a namespace the selector does not match',
      { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'db' } } } } },
      route('apps', {}),
      'NotAllowedByListeners ResolvedRefs',
    ],
    [
      'a route hostname under a wildcard listener',
      { hostname: '*.example.com' },
      route('edge', { hostnames: ['shop.example.com'] }),
      'Accepted ResolvedRefs',
    ],
    [
      'a route hostname outside the listener hostname',
      { hostname: 'shop.example.com' },
      route('edge', { hostnames: ['blog.example.com'] }),
      'NoMatchingListenerHostname ResolvedRefs',
    ],
    [
      'a parentRef port no listener has',
      {},
      route('edge', { parentRefs: [{ name: 'web', port: 8080 }] }),
      'NoMatchingParent ResolvedRefs',
    ],
    [
      'a backend of another kind',
      {},
      route('edge', { rules: [{ backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 'b' }] }] }),
      'Accepted InvalidKind',
    ],
    [
      'a backend in another namespace without a ReferenceGrant',
      {},
      route('edge', { rules: [{ backendRefs: [{ name: 'solver', namespace: 'kube-lego', port: 8080 }] }] }),
      'Accepted RefNotPermitted',
    ],
  ];
  for (const [name, listener, r, expected] of cases) {
    it(`${name}: ${expected}`, () => {
      assert.equal(verdict(snapshot({ gateways: [gateway(listener)], httpRoutes: [r] })), expected);
    });
  }

  it('a backend in another namespace with a ReferenceGrant from HTTPRoutes there resolves', () => {
    const grant = {
      metadata: meta('allow', 'kube-lego'),
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'edge' }],
        to: [{ group: '', kind: 'Service' }],
      },
    };
    const r = route('edge', {
      rules: [{ backendRefs: [{ name: 'solver', namespace: 'kube-lego', port: 8080 }] }],
    });
    assert.equal(
      verdict(snapshot({ gateways: [gateway({})], httpRoutes: [r], referenceGrants: [grant] })),
      'Accepted ResolvedRefs',
    );
  });

  it("writes nothing for a Gateway of another implementation's class, and keeps others' parent entries", () => {
    const foreign = { ...gateway({}), spec: { gatewayClassName: 'theirs', listeners: [] } };
    const theirs = { parentRef: { name: 'web' }, controllerName: 'example.net/other', conditions: [] };
    const r = { ...route('edge', {}), status: { parents: [theirs] } };
    assert.deepEqual(
      gatewayStatusWrites(snapshot({ gateways: [foreign], httpRoutes: [r] }), IDENTITY).map((w) => w.plural),
      ['gatewayclasses'],
    );
    const ours = gatewayStatusWrites(snapshot({ gateways: [gateway({})], httpRoutes: [r] }), IDENTITY);
    const parents = ours.find((w) => w.plural === 'httproutes')?.status['parents'];
    assert.ok(Array.isArray(parents));
    assert.deepEqual(parents[0], theirs);
    assert.equal((parents[1] as { controllerName?: string }).controllerName, CONTROLLER);
  });

  it('writes nothing once the status it would write is stored (lastTransitionTime kept)', () => {
    const first = snapshot({ gateways: [gateway({})], httpRoutes: [route('edge', {})] });
    const stored = (objects: readonly JsonObject[], plural: string): JsonObject[] =>
      objects.map((o) => ({
        ...o,
        status: gatewayStatusWrites(first, IDENTITY).find((w) => w.plural === plural)?.status ?? {},
      }));
    const settled: GatewaySnapshot = {
      ...first,
      gatewayClasses: stored(first.gatewayClasses, 'gatewayclasses'),
      gateways: stored(first.gateways, 'gateways'),
      httpRoutes: stored(first.httpRoutes, 'httproutes'),
    };
    assert.deepEqual(gatewayStatusWrites(settled, { ...IDENTITY, nowIso: '2026-01-02T00:00:00.000Z' }), []);
  });
});

describe('servedCertificates()', () => {
  it('maps HTTPS listener hostnames to their first certificateRef, only when the reference is allowed', () => {
    const pair = { type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' } };
    const https = (name: string, hostname: string, ref: JsonObject): JsonObject => ({
      name,
      port: 443,
      protocol: 'HTTPS',
      hostname,
      tls: { mode: 'Terminate', certificateRefs: [ref] },
    });
    const s = snapshot({
      gateways: [
        {
          metadata: meta('web'),
          spec: {
            gatewayClassName: 'ours',
            listeners: [
              https('own', 'shop.example.com', { name: 'shop-tls' }),
              https('other-ns', 'blog.example.com', { name: 'blog-tls', namespace: 'certs' }),
              https('absent', 'gone.example.com', { name: 'gone-tls' }),
            ],
          },
        },
      ],
      listenerSets: [
        {
          kind: 'ListenerSet',
          metadata: meta('extra'),
          spec: {
            parentRef: { name: 'web' },
            listeners: [https('set', 'set.example.com', { name: 'set-tls' })],
          },
        },
      ],
      secrets: [
        { metadata: meta('shop-tls'), ...pair },
        { metadata: meta('blog-tls', 'certs'), ...pair },
        { metadata: meta('set-tls'), ...pair },
      ],
    });
    assert.deepEqual(
      [...servedCertificates(s, CONTROLLER)],
      [
        ['shop.example.com', 'edge/shop-tls'],
        ['set.example.com', 'edge/set-tls'],
      ],
    );
    assert.deepEqual([...servedCertificates(s, 'example.com/someone-else')], []);
  });
});
