import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../../dev/sandbox/api-error.js';
import { renderKubeconfig } from '../../../dev/sandbox/kubeconfig.js';
import { ObjectStore } from '../../../dev/sandbox/object-store.js';
import { ResourceRegistry } from '../../../dev/sandbox/resource-registry.js';
import { parseFieldSelector, parseLabelSelector } from '../../../dev/sandbox/selectors.js';

describe('selectors', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['', {}, true],
    ['a=b', { a: 'b' }, true],
    ['a=b', { a: 'c' }, false],
    ['a!=b', {}, true],
    ['a in (b, c)', { a: 'c' }, true],
    ['a notin (b)', { a: 'b' }, false],
    ['a', { a: '' }, true],
    ['!a', { a: '' }, false],
    ['a=b,c=d', { a: 'b', c: 'd' }, true],
    ['a=b,c=d', { a: 'b' }, false],
  ];
  for (const [selector, labels, expected] of cases) {
    it(`parseLabelSelector("${selector}") ${expected ? 'matches' : 'rejects'} ${JSON.stringify(labels)}`, () => {
      assert.equal(parseLabelSelector(selector)(labels), expected);
    });
  }

  it('parseLabelSelector() rejects malformed requirements with a 400', () => {
    assert.throws(
      () => parseLabelSelector('a=b=c'),
      (e: unknown) => e instanceof ApiError && e.code === 400,
    );
  });

  it('parseFieldSelector() rejects set-based requirements and unknown fields', () => {
    assert.throws(() => parseFieldSelector('metadata.name in (a)', [], 'secrets'), ApiError);
    assert.throws(() => parseFieldSelector('spec.x=1', ['type'], 'secrets'), /not a known field selector/);
    assert.equal(parseFieldSelector('type=Opaque', ['type'], 'secrets')({ type: 'Opaque' }), true);
  });
});

describe('ObjectStore', () => {
  const registry = new ResourceRegistry();
  const secrets = registry.find('', 'v1', 'secrets')!;
  const configMaps = registry.find('', 'v1', 'configmaps')!;
  const object = (name: string) => ({ metadata: { name, namespace: 'n' } });

  it('changesAfter() returns the changes of one resource after a version, in order', () => {
    const store = new ObjectStore(100);
    store.put(secrets, object('a'));
    const from = store.resourceVersion;
    store.put(configMaps, object('x'));
    store.put(secrets, object('a'));
    store.remove(secrets, 'n', 'a');
    const read = store.changesAfter('/secrets', from);
    assert.equal(read.kind, 'events');
    assert.deepEqual(
      read.events.map((e) => e.type),
      ['MODIFIED', 'DELETED'],
    );
  });

  it('changesAfter() reports expired once the history limit dropped the needed changes', () => {
    const store = new ObjectStore(2);
    store.put(secrets, object('a'));
    const from = store.resourceVersion;
    for (let i = 0; i < 3; i++) store.put(secrets, object(`b${i}`));
    assert.equal(store.changesAfter('/secrets', from).kind, 'expired');
    assert.equal(store.changesAfter('/secrets', store.resourceVersion).kind, 'events');
  });

  it('list() returns objects in namespace/name order', () => {
    const store = new ObjectStore(10);
    for (const [ns, name] of [
      ['b', 'x'],
      ['a', 'z'],
      ['a', 'y'],
    ] as const) {
      store.put(secrets, { metadata: { name, namespace: ns } });
    }
    assert.deepEqual(
      store.list(secrets).map((o) => JSON.stringify(o['metadata'])),
      [
        { name: 'y', namespace: 'a', resourceVersion: '3' },
        { name: 'z', namespace: 'a', resourceVersion: '2' },
        { name: 'x', namespace: 'b', resourceVersion: '1' },
      ].map((m) => JSON.stringify(m)),
    );
  });
});

describe('renderKubeconfig()', () => {
  it('marks plain-http clusters insecure-skip-tls-verify and embeds a CA for TLS', () => {
    const http = renderKubeconfig({
      server: 'http://127.0.0.1:1',
      userName: 'admin',
      token: 't',
      namespace: 'default',
    });
    assert.match(http, /insecure-skip-tls-verify: true/);
    assert.doesNotMatch(http, /certificate-authority-data/);
    const tls = renderKubeconfig({
      server: 'https://127.0.0.1:1',
      caPem: 'PEM',
      userName: 'admin',
      token: 't',
      namespace: 'x',
    });
    assert.match(tls, new RegExp(`certificate-authority-data: ${Buffer.from('PEM').toString('base64')}`));
    assert.match(tls, /namespace: "x"/);
  });
});
