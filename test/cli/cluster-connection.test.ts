import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubeconfigSource } from '../../src/cli/cluster-connection.js';
import { secretTarget } from '../../src/cli/secret-target.js';

describe("kubeconfigSource() follows kubectl's loading rules", () => {
  const none = (): boolean => false;
  const all = (): boolean => true;

  it('--kubeconfig wins over KUBECONFIG; --context is passed on', () => {
    assert.deepEqual(
      kubeconfigSource(
        { kubeconfig: '/flag', context: 'prod' },
        { KUBECONFIG: '/a:/b', HOME: '/home/u' },
        all,
      ),
      { kind: 'kubeconfig', path: '/flag', context: 'prod' },
    );
  });

  it('merges every file of KUBECONFIG, empty entries dropped', () => {
    assert.deepEqual(kubeconfigSource({}, { KUBECONFIG: '/a::/b:/c', HOME: '/home/u' }, all), {
      kind: 'kubeconfig',
      path: '/a',
      merged: ['/b', '/c'],
    });
  });

  it('falls back to ~/.kube/config, and says what to set when it is missing', () => {
    assert.deepEqual(kubeconfigSource({}, { HOME: '/home/u' }, all), {
      kind: 'kubeconfig',
      path: '/home/u/.kube/config',
    });
    assert.throws(
      () => kubeconfigSource({}, { HOME: '/home/u' }, none),
      /pass --kubeconfig or set KUBECONFIG/,
    );
  });
});

describe('secretTarget()', () => {
  it('reads NAMESPACE/SECRET, and a bare SECRET in the default namespace', () => {
    assert.deepEqual(secretTarget('prod/web-tls', 'default'), { namespace: 'prod', name: 'web-tls' });
    assert.deepEqual(secretTarget('web-tls', 'team-a'), { namespace: 'team-a', name: 'web-tls' });
  });

  it('refuses anything else with an example', () => {
    for (const text of ['', 'a/b/c', '/web-tls', 'prod/'])
      assert.throws(
        () => secretTarget(text, 'default'),
        /expected NAMESPACE\/SECRET or SECRET, e\.g\. default\/web-tls/,
      );
  });
});
