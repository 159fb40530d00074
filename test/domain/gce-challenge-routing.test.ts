import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GCE_ADDED_RULES_ANNOTATION,
  gceChallengeEndpointSlice,
  gceChallengeEndpoints,
  gceChallengeService,
  gceIngressEdit,
} from '../../src/domain/gce-challenge-routing.js';
import type { IngressRuleView, IngressView } from '../../src/domain/types.js';
import { ingress, rule, withAnnotation, withClassName, withRules, withTls } from '../support/builders.js';

const settings = { serviceName: 'kube-lego-gce', port: 8080 };
const challenge = {
  path: '/.well-known/acme-challenge/*',
  pathType: 'ImplementationSpecific',
  backend: { service: { name: 'kube-lego-gce', port: { number: 8080 } } },
};

/** Applies an edit the way the executor would write it back. */
function applied(
  base: IngressView,
  edit: { rules: readonly IngressRuleView[]; annotations: Readonly<Record<string, string>> },
): IngressView {
  return { ...base, rules: edit.rules, annotations: edit.annotations };
}

describe('gceIngressEdit()', () => {
  const user = ingress(
    'web',
    withClassName('gce'),
    withTls(['a.example', 'b.example', 'c.example'], 'web-tls'),
    withRules(
      rule('a.example', [['/*', 'web', 80]]),
      rule('b.example'), // host-only rule relying on the default backend
      rule('other.example', [['/', 'other', 80]]),
      rule(undefined, [['/static', 'static', 80]]),
    ),
  );

  it('gceIngressEdit() prepends the challenge path for TLS hosts and appends rules for hosts without one', () => {
    const edit = gceIngressEdit(user, ['a.example', 'b.example', 'c.example'], settings);
    assert.equal(edit.changed, true);
    assert.deepEqual(edit.rules, [
      { host: 'a.example', http: { paths: [challenge, ...(user.rules[0]?.http?.paths ?? [])] } },
      { host: 'b.example', http: { paths: [challenge] } },
      user.rules[2],
      user.rules[3],
      { host: 'c.example', http: { paths: [challenge] } },
    ]);
    assert.equal(edit.annotations[GCE_ADDED_RULES_ANNOTATION], 'c.example');
  });

  it('gceIngressEdit() only routes hosts with a pending challenge', () => {
    const edit = gceIngressEdit(user, ['a.example'], settings);
    assert.deepEqual(edit.rules[1], user.rules[1]);
    assert.equal(edit.rules.length, user.rules.length);
    assert.equal(edit.annotations[GCE_ADDED_RULES_ANNOTATION], undefined);
  });

  it('gceIngressEdit() ignores pending hosts that are not TLS hosts of this Ingress', () => {
    const edit = gceIngressEdit(user, ['other.example', 'x.example'], settings);
    assert.equal(edit.changed, false);
  });

  it('gceIngressEdit() is idempotent, so its own update never triggers another', () => {
    const once = gceIngressEdit(user, ['a.example', 'c.example'], settings);
    const twice = gceIngressEdit(applied(user, once), ['a.example', 'c.example'], settings);
    assert.equal(twice.changed, false);
    assert.deepEqual(twice.rules, once.rules);
  });

  it('gceIngressEdit() compares independently of the field order an adapter uses', () => {
    const once = gceIngressEdit(user, ['a.example'], settings);
    const reordered = once.rules.map(
      (r) => JSON.parse(JSON.stringify(r, Object.keys(r).reverse())) as IngressRuleView,
    );
    const reorderedChallenge = {
      backend: { service: { port: { number: 8080 }, name: 'kube-lego-gce' } },
      pathType: 'ImplementationSpecific',
      path: '/.well-known/acme-challenge/*',
    };
    const first = {
      http: { paths: [reorderedChallenge, ...(user.rules[0]?.http?.paths ?? [])] },
      host: 'a.example',
    };
    const edit = gceIngressEdit(
      applied(user, { rules: [first, ...reordered.slice(1)], annotations: once.annotations }),
      ['a.example'],
      settings,
    );
    assert.equal(edit.changed, false);
  });

  it("gceIngressEdit() restores the user's rules exactly once no challenge is pending, keeping host-only rules (bug 19)", () => {
    const edited = applied(user, gceIngressEdit(user, ['a.example', 'b.example', 'c.example'], settings));
    const restored = gceIngressEdit(edited, [], settings);
    assert.equal(restored.changed, true);
    assert.deepEqual(restored.rules, user.rules);
    assert.deepEqual(restored.annotations, user.annotations);
  });

  it('gceIngressEdit() keeps a user rule added later for a host kube-lego had appended', () => {
    const edited = applied(user, gceIngressEdit(user, ['c.example'], settings));
    const userAdded = applied(edited, {
      rules: [...edited.rules, rule('c.example', [['/api', 'api', 80]])],
      annotations: edited.annotations,
    });
    const restored = gceIngressEdit(userAdded, [], settings);
    assert.deepEqual(restored.rules, [...user.rules, rule('c.example', [['/api', 'api', 80]])]);
  });

  it('gceIngressEdit() never drops a rule, even one left without paths', () => {
    const bare = ingress(
      'web',
      withTls(['a.example'], 's'),
      withRules(rule('a.example')),
      withAnnotation('x', 'y'),
    );
    const restored = gceIngressEdit(
      applied(bare, gceIngressEdit(bare, ['a.example'], settings)),
      [],
      settings,
    );
    assert.deepEqual(restored.rules, [rule('a.example')]);
  });

  it('gceIngressEdit() keeps an Ingress with no rules at no rules (the original deleted it, bug 1)', () => {
    const empty = ingress('web', withTls(['a.example'], 's'));
    const restored = gceIngressEdit(
      applied(empty, gceIngressEdit(empty, ['a.example'], settings)),
      [],
      settings,
    );
    assert.deepEqual(restored.rules, []);
  });
});

describe('gce challenge objects', () => {
  const target = { namespace: 'shop', serviceName: 'kube-lego-gce', port: 8080, podIp: '10.4.0.7' };

  it('gceChallengeService() is a selector-less NodePort Service in the Ingress namespace', () => {
    const service = gceChallengeService(target);
    assert.equal(service.metadata.namespace, 'shop');
    assert.equal(service.spec.type, 'NodePort');
    assert.equal(service.spec.selector, undefined);
    assert.deepEqual(service.spec.ports, [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
  });

  it('gceChallengeEndpoints() points at the pod IP and port', () => {
    assert.deepEqual(gceChallengeEndpoints(target).subsets, [
      { addresses: [{ ip: '10.4.0.7' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    ]);
  });

  it('gceChallengeEndpointSlice() is tied to the Service and typed by address family', () => {
    const slice = gceChallengeEndpointSlice(target);
    assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kube-lego-gce');
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.endpoints, [{ addresses: ['10.4.0.7'], conditions: { ready: true } }]);
    assert.equal(gceChallengeEndpointSlice({ ...target, podIp: 'fd00::7' }).addressType, 'IPv6');
  });
});
