import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedIngress } from '../../../src/adapters/kube/cached-ingress.js';
import { cachedSecret } from '../../../src/adapters/kube/cached-secret.js';
import type { IngressObject, SecretObject } from '../../../src/adapters/kube/kube-types.js';

const managedFields = [
  { manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } },
];

describe('what the watch caches keep of an object', () => {
  it('cachedSecret() drops managedFields and keeps everything a whole-object replace must carry', () => {
    const servedMetadata = {
      name: 'web-tls',
      namespace: 'default',
      uid: 'u-1',
      resourceVersion: '42',
      labels: { 'kube-lego/managed': 'true' },
      annotations: {
        'kube-lego/hosts': 'a.example',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
      },
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'o-1' }],
      finalizers: ['example.com/keep'],
      managedFields,
    };
    const served = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: servedMetadata,
      data: { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5', 'kube-lego.pending.key': 'cGVuZGluZw==' },
    };
    const kept = cachedSecret(served);
    assert.equal(kept.metadata?.managedFields, undefined);
    const { managedFields: _dropped, ...metadata } = servedMetadata;
    assert.deepEqual(kept, { ...served, metadata });
  });

  it('cachedSecret() returns an object without managedFields as it is', () => {
    const served: SecretObject = { metadata: { name: 'plain', uid: 'u-2' }, data: {} };
    assert.equal(cachedSecret(served), served);
  });

  it('cachedIngress() keeps what ingressView() and the served check read, drops managedFields, other status and the kubectl copy', () => {
    const spec = {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['a.example'], secretName: 'web-tls' }],
      rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix' }] } }],
    };
    // What the cache keeps of the metadata; the server adds the rest.
    const kept = {
      name: 'web',
      namespace: 'default',
      uid: 'u-3',
      resourceVersion: '7',
      generation: 2,
      labels: { app: 'web' },
    };
    const served = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        ...kept,
        annotations: {
          'kubernetes.io/tls-acme': 'true',
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec }),
        },
        creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields,
      },
      spec,
      status: {
        loadBalancer: {
          ingress: [
            { ip: '192.0.2.1', ports: [{ port: 443, protocol: 'TCP' }] },
            { hostname: 'lb.example.net' },
          ],
        },
      },
    } as IngressObject;
    assert.deepEqual(cachedIngress(served), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { ...kept, annotations: { 'kubernetes.io/tls-acme': 'true' } },
      spec,
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { hostname: 'lb.example.net' }] } },
    });
  });
});
