import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiRequestKind } from '../../../src/adapters/kube/api-request-kind.js';

describe('apiRequestKind()', () => {
  const cases: [string, string, Record<string, string>, string, string][] = [
    ['GET', '/api/v1/namespaces/default/secrets/web-tls', {}, 'get', 'secrets'],
    ['GET', '/api/v1/secrets', { labelSelector: 'kube-lego/managed=true' }, 'list', 'secrets'],
    ['GET', '/apis/networking.k8s.io/v1/ingresses', { watch: 'true' }, 'watch', 'ingresses'],
    ['GET', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses', {}, 'list', 'ingresses'],
    ['POST', '/api/v1/namespaces/default/events', {}, 'create', 'events'],
    ['PUT', '/api/v1/namespaces/default/secrets/web-tls', {}, 'update', 'secrets'],
    [
      'PATCH',
      '/apis/networking.k8s.io/v1/namespaces/kube-lego/ingresses/kube-lego-nginx',
      {},
      'patch',
      'ingresses',
    ],
    ['DELETE', '/api/v1/namespaces/kube-lego/services/kube-lego-nginx', {}, 'delete', 'services'],
    ['DELETE', '/api/v1/namespaces/kube-lego/services', {}, 'deletecollection', 'services'],
    [
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {},
      'create',
      'selfsubjectaccessreviews',
    ],
    ['GET', '/api/v1/namespaces/kube-lego', {}, 'get', 'namespaces'],
    ['PUT', '/api/v1/namespaces/default/pods/web/status', {}, 'update', 'pods/status'],
    ['GET', '/version', {}, 'get', '/version'],
  ];
  for (const [method, path, query, verb, resource] of cases) {
    it(`apiRequestKind() names ${method} ${path}${query['watch'] === undefined ? '' : '?watch'} ${verb} ${resource}`, () => {
      assert.deepEqual(apiRequestKind(method, path, query), { verb, resource });
    });
  }
});
