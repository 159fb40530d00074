import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredCertificates, type DesiredProblemCode } from '../../src/domain/desired.js';
import { problemEventReason } from '../../src/domain/event-reasons.js';
import type { GatewaySources } from '../../src/domain/gateway-types.js';
import { desiredPolicy, ingress, OPT_IN, withTls } from '../support/builders.js';
import { gateway, http, https, listenerSet, secretGrant } from '../support/gateway-builders.js';

function sources(partial: Partial<GatewaySources>): GatewaySources {
  return { gateways: [], listenerSets: [], referenceGrants: [], ...partial };
}

/** The first element, asserted to exist. */
function first<T>(list: readonly T[]): T {
  const [item] = list;
  assert.ok(item);
  return item;
}

function codes(state: ReturnType<typeof desiredCertificates>): DesiredProblemCode[] {
  return state.problems.map((p) => p.code);
}

describe('desiredCertificates() from Gateway listeners', () => {
  it('issues one certificate per Secret: listeners sharing a Secret get the union of their hostnames', () => {
    const gw = gateway('gw', [
      https('a', 'a.example', 'shared'),
      https('b', 'b.example', 'shared'),
      https('c', 'c.example', 'own'),
      http('http'),
    ]);
    const state = desiredCertificates([], desiredPolicy(), sources({ gateways: [gw] }));
    assert.deepEqual(codes(state), []);
    assert.deepEqual(
      state.certificates.map((c) => [c.key, c.hosts, c.provider]),
      [
        ['default/own', ['c.example'], 'gateway'],
        ['default/shared', ['a.example', 'b.example'], 'gateway'],
      ],
    );
    const shared = state.certificates[1];
    assert.ok(shared);
    assert.deepEqual(
      shared.sources.map((s) => [s.kind, s.name, s.listener]),
      [['Gateway', 'gw', 'a']],
    );
    assert.deepEqual(shared.gatewayChallenge, {
      gateway: { namespace: 'default', name: 'gw' },
      parents: [{ kind: 'Gateway', namespace: 'default', name: 'gw', sectionName: 'http' }],
    });
  });

  it('skips listeners without hostname, with Passthrough, of other protocols or other ref kinds', () => {
    const gw = gateway('gw', [
      https('nohost', undefined, 's1'),
      https('pass', 'p.example', 's2', { protocol: 'TLS', mode: 'Passthrough' }),
      https('tcp', 't.example', 's3', { protocol: 'TCP' }),
      {
        name: 'cm',
        hostname: 'c.example',
        port: 443,
        protocol: 'HTTPS',
        tls: { certificateRefs: [{ group: 'example.com', kind: 'Vault', name: 'x' }] },
      },
      https('tls', 'tls.example', 's4', { protocol: 'TLS', mode: 'Terminate' }),
      http('http'),
    ]);
    const state = desiredCertificates([], desiredPolicy(), sources({ gateways: [gw] }));
    assert.deepEqual(
      state.certificates.map((c) => c.key),
      ['default/s4'],
    );
    assert.deepEqual(codes(state), []);
  });

  it('ignores a Gateway without the annotation with the same log line as an Ingress', () => {
    const gw = gateway('gw', [https('a', 'a.example', 's'), http('http')], { annotations: {} });
    const state = desiredCertificates([], desiredPolicy(), sources({ gateways: [gw] }));
    assert.equal(state.certificates.length, 0);
    assert.deepEqual(
      state.ignored.map((i) => [i.ingress.kind, i.reason, i.message]),
      [['Gateway', 'NoAnnotation', `ignoring as has no annotation '${OPT_IN}'`]],
    );
  });

  it('reports a hostname without a port-80 HTTP listener, naming the listener to add, and orders nothing', () => {
    const gw = gateway('gw', [
      https('a', 'a.example', 's'),
      http('other', 'b.example'),
      http('high', undefined, 8080),
    ]);
    const state = desiredCertificates([], desiredPolicy(), sources({ gateways: [gw] }));
    assert.equal(state.certificates.length, 0);
    assert.deepEqual(codes(state), ['NoHttpListener']);
    const problem = first(state.problems);
    assert.equal(problem.key, 'default/s');
    assert.match(problem.message, /listener "a" of gateway "default\/gw"/);
    assert.match(problem.message, /add a listener with protocol HTTP, port 80 and hostname "a.example"/);
    assert.equal(problemEventReason(problem.code, problem.ingress.kind), 'InvalidListener');
  });

  it('routes through the HTTP listeners whose hostname covers the host (exact, wildcard or none)', () => {
    const gw = gateway('gw', [
      https('a', 'a.example', 's'),
      http('exact', 'a.example'),
      http('wild', '*.example'),
      http('elsewhere', 'b.example'),
    ]);
    const state = desiredCertificates([], desiredPolicy(), sources({ gateways: [gw] }));
    assert.deepEqual(
      first(state.certificates).gatewayChallenge?.parents.map((p) => p.sectionName),
      ['exact', 'wild'],
    );
  });

  it('reports a wildcard hostname as needing dns-01 on the Gateway; with dns-01 it needs no HTTP listener', () => {
    const gw = gateway('gw', [https('w', '*.example.com', 'wild')]);
    const http01 = desiredCertificates([], desiredPolicy(), sources({ gateways: [gw] }));
    assert.deepEqual(codes(http01), ['WildcardNeedsDns01']);
    assert.match(
      first(http01.problems).message,
      /listener "w" of gateway "default\/gw": wildcard names need the dns-01 challenge/,
    );
    assert.equal(problemEventReason('WildcardNeedsDns01', 'Gateway'), 'InvalidListener');
    const dns01 = desiredCertificates(
      [],
      desiredPolicy({ dns01Configured: true }),
      sources({ gateways: [gw] }),
    );
    assert.deepEqual(
      dns01.certificates.map((c) => c.hosts),
      [['*.example.com']],
    );
  });

  it('refuses a Secret in another namespace without a ReferenceGrant, and issues it with one', () => {
    const gw = gateway('gw', [https('a', 'a.example', 'cert', { secretNamespace: 'certs' }), http('http')], {
      namespace: 'web',
    });
    const without = desiredCertificates([], desiredPolicy(), sources({ gateways: [gw] }));
    assert.deepEqual(codes(without), ['ReferenceNotGranted']);
    assert.equal(first(without.problems).key, 'certs/cert');
    assert.equal(first(without.problems).ingress.kind, 'Gateway');
    assert.match(first(without.problems).message, /no ReferenceGrant in namespace "certs"/);
    for (const wrong of [
      secretGrant('web', 'web'),
      secretGrant('certs', 'other'),
      secretGrant('certs', 'web', { kind: 'HTTPRoute' }),
      secretGrant('certs', 'web', { secretName: 'another' }),
    ]) {
      const state = desiredCertificates(
        [],
        desiredPolicy(),
        sources({ gateways: [gw], referenceGrants: [wrong] }),
      );
      assert.deepEqual(codes(state), ['ReferenceNotGranted'], JSON.stringify(wrong));
    }
    for (const right of [secretGrant('certs', 'web'), secretGrant('certs', 'web', { secretName: 'cert' })]) {
      const state = desiredCertificates(
        [],
        desiredPolicy(),
        sources({ gateways: [gw], referenceGrants: [right] }),
      );
      assert.deepEqual(
        state.certificates.map((c) => c.key),
        ['certs/cert'],
      );
    }
  });

  it("counts an attached ListenerSet's listeners as the Gateway's, with its own source for Events", () => {
    const gw = gateway('gw', [http('http')]);
    const set = listenerSet('extra', 'gw', [https('x', 'x.example', 'x-tls')]);
    const state = desiredCertificates([], desiredPolicy(), sources({ gateways: [gw], listenerSets: [set] }));
    assert.deepEqual(codes(state), []);
    assert.deepEqual(
      state.certificates.map((c) => [c.key, c.hosts, c.sources.map((s) => `${s.kind}/${s.name}`)]),
      [['default/x-tls', ['x.example'], ['ListenerSet/extra']]],
    );
  });

  it('routes a ListenerSet hostname through its own HTTP listener, and issues one opted in on its own', () => {
    const gw = gateway('gw', [], { annotations: {} });
    const set = listenerSet('extra', 'gw', [https('x', 'x.example', 'x-tls'), http('x-http', 'x.example')], {
      annotations: { [OPT_IN]: 'true' },
    });
    const state = desiredCertificates([], desiredPolicy(), sources({ gateways: [gw], listenerSets: [set] }));
    assert.deepEqual(first(state.certificates).gatewayChallenge?.parents, [
      { kind: 'ListenerSet', namespace: 'default', name: 'extra', sectionName: 'x-http' },
    ]);
  });

  it('reports a ListenerSet its Gateway does not accept, and ignores one attached to another Gateway', () => {
    const gw = gateway('gw', [http('http')], { allowedListeners: 'None' });
    const set = listenerSet('extra', 'gw', [https('x', 'x.example', 'x-tls')]);
    const elsewhere = listenerSet('other', 'gw', [https('y', 'y.example', 'y-tls')], {
      parentNamespace: 'else',
    });
    const state = desiredCertificates(
      [],
      desiredPolicy(),
      sources({ gateways: [gw], listenerSets: [set, elsewhere] }),
    );
    assert.equal(state.certificates.length, 0);
    assert.deepEqual(codes(state), ['ListenerSetNotAllowed']);
    assert.equal(first(state.problems).ingress.name, 'extra');
    const same = gateway('gw', [http('http')], { allowedListeners: 'Same' });
    const foreign = listenerSet('extra', 'gw', [https('x', 'x.example', 'x-tls')], {
      namespace: 'team',
      parentNamespace: 'default',
    });
    assert.deepEqual(
      codes(desiredCertificates([], desiredPolicy(), sources({ gateways: [same], listenerSets: [foreign] }))),
      ['ListenerSetNotAllowed'],
    );
  });

  it('reports an Ingress and a Gateway claiming one Secret on both, as two Ingresses would be', () => {
    const gw = gateway('gw', [https('a', 'a.example', 'web-tls'), http('http')]);
    const state = desiredCertificates(
      [ingress('web', withTls(['a.example'], 'web-tls'))],
      desiredPolicy(),
      sources({ gateways: [gw] }),
    );
    assert.equal(state.certificates.length, 0);
    assert.deepEqual(state.problems.map((p) => [p.code, p.ingress.kind]).sort(), [
      ['SecretConflict', 'Gateway'],
      ['SecretConflict', 'Ingress'],
    ]);
    assert.match(
      first(state.problems).message,
      /gateway "default\/gw" listener "a" \(a.example; provider gateway\)/,
    );
    assert.match(first(state.problems).message, /ingress "default\/web" spec.tls\[0\]/);
  });

  it('reports two Gateways claiming one Secret even with the same hostnames (their challenges route apart)', () => {
    const one = gateway('one', [https('a', 'a.example', 's'), http('http')]);
    const two = gateway('two', [https('a', 'a.example', 's'), http('http')]);
    const state = desiredCertificates([], desiredPolicy(), sources({ gateways: [one, two] }));
    assert.equal(state.certificates.length, 0);
    assert.deepEqual(codes(state), ['SecretConflict', 'SecretConflict']);
  });

  it('reports too many hostnames on one Secret', () => {
    const gw = gateway('gw', [https('a', 'a.example', 's'), https('b', 'b.example', 's'), http('http')]);
    const state = desiredCertificates(
      [],
      desiredPolicy({ maxNamesPerCertificate: 1 }),
      sources({ gateways: [gw] }),
    );
    assert.deepEqual(codes(state), ['TooManyNames']);
  });
});
