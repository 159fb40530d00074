import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JsonValue } from '../../../dev/sandbox/json.js';
import { applyJsonPatch } from '../../../dev/sandbox/patch.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { at, call, ingress } from './api-client.js';

type Patch = { op: string; path: string; value?: unknown }[];

const PATH0 = '/spec/rules/0/http/paths/0';

describe('sandbox validation', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox();
  });
  after(async () => {
    await sb.close();
  });

  const ingressCases: [string, Patch, string, string][] = [
    [
      'a path without pathType',
      [{ op: 'remove', path: `${PATH0}/pathType` }],
      'spec.rules[0].http.paths[0].pathType',
      'Required value: pathType must be specified',
    ],
    [
      'an unsupported pathType',
      [{ op: 'replace', path: `${PATH0}/pathType`, value: 'Glob' }],
      'spec.rules[0].http.paths[0].pathType',
      'Unsupported value: "Glob": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    ],
    [
      'a backend without a service name',
      [{ op: 'remove', path: `${PATH0}/backend/service/name` }],
      'spec.rules[0].http.paths[0].backend.service.name',
      'Required value',
    ],
    [
      'a backend without a port',
      [{ op: 'replace', path: `${PATH0}/backend/service/port`, value: {} }],
      'spec.rules[0].http.paths[0].backend.service.port',
      'Invalid value: {}: port name or number is required',
    ],
    [
      'a relative Prefix path',
      [{ op: 'replace', path: `${PATH0}/path`, value: 'api' }],
      'spec.rules[0].http.paths[0].path',
      'Invalid value: "api": must be an absolute path',
    ],
    [
      'an upper-case host',
      [{ op: 'replace', path: '/spec/rules/0/host', value: 'Shop.Example.com' }],
      'spec.rules[0].host',
      'Invalid value: "Shop.Example.com": a lowercase RFC 1123 subdomain',
    ],
  ];
  for (const [what, patch, field, message] of ingressCases) {
    it(`an Ingress with ${what} is 422 Invalid naming ${field}`, async () => {
      const body = applyJsonPatch(ingress('bad') as Record<string, JsonValue>, patch as JsonValue);
      const res = await call(sb, 'POST', '/apis/networking.k8s.io/v1/namespaces/default/ingresses', { body });
      assert.equal(res.status, 422);
      assert.equal(at(res.body, 'reason'), 'Invalid');
      assert.equal(at(res.body, 'details.kind'), 'Ingress');
      assert.equal(at(res.body, 'details.group'), 'networking.k8s.io');
      assert.equal(at(res.body, 'details.causes[0].field'), field);
      assert.ok(
        String(at(res.body, 'details.causes[0].message')).startsWith(message),
        String(at(res.body, 'details.causes[0].message')),
      );
      assert.match(String(at(res.body, 'message')), /^Ingress\.networking\.k8s\.io "bad" is invalid: /);
    });
  }

  it('a wildcard host is accepted in rules and tls', async () => {
    const body = ingress('wild', '*.example.com');
    const res = await call(sb, 'POST', '/apis/networking.k8s.io/v1/namespaces/default/ingresses', { body });
    assert.equal(res.status, 201, res.text);
  });

  const nameCases: [string, string, string, number][] = [
    ['configmaps', 'ConfigMap', 'Has_Underscore', 422],
    ['configmaps', 'ConfigMap', 'dots.are.fine', 201],
    ['services', 'Service', '1starts-with-digit', 422],
    ['services', 'Service', 'web', 201],
  ];
  for (const [plural, kind, name, status] of nameCases) {
    it(`a ${kind} named "${name}" gets ${status}`, async () => {
      const body: Record<string, unknown> = { apiVersion: 'v1', kind, metadata: { name } };
      if (kind === 'Service') body['spec'] = { ports: [{ port: 80 }] };
      const res = await call(sb, 'POST', `/api/v1/namespaces/default/${plural}`, { body });
      assert.equal(res.status, status, res.text);
      if (status === 422) assert.equal(at(res.body, 'details.causes[0].field'), 'metadata.name');
    });
  }

  it('a Namespace name must be a DNS-1123 label (no dots)', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } },
    });
    assert.equal(res.status, 422);
    assert.match(String(at(res.body, 'details.causes[0].message')), /RFC 1123 label/);
  });

  it('a kubernetes.io/tls Secret needs tls.crt and tls.key', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/default/secrets', {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 't' },
        type: 'kubernetes.io/tls',
        data: {},
      },
    });
    assert.equal(res.status, 422);
    assert.equal(
      at(res.body, 'message'),
      'Secret "t" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
    );
  });

  it('Secret data must be base64 and keys must be config keys', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/default/secrets', {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'b' },
        data: { ok: 'YQ==', 'bad key': 'YQ==', raw: 'not base64!' },
      },
    });
    assert.equal(res.status, 422);
    const fields = (at(res.body, 'details.causes') as { field: string }[]).map((c) => c.field);
    assert.deepEqual(fields, ['data[bad key]', 'data[raw]']);
    assert.doesNotMatch(res.text, /not base64!/, 'the secret value is not echoed back');
  });

  it('fieldValidation=Strict rejects unknown fields with 400, Warn answers with a Warning header', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, spec: { x: 1 } };
    const strict = await call(sb, 'POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', {
      body,
    });
    assert.equal(strict.status, 400);
    assert.equal(at(strict.body, 'message'), 'strict decoding error: unknown field "spec"');
    const warn = await call(sb, 'POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', {
      body,
    });
    assert.equal(warn.status, 201);
    assert.equal(warn.headers['warning'], '299 - "unknown field \\"spec\\""');
  });

  it('a body of the wrong kind is 400 BadRequest', async () => {
    const res = await call(sb, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } },
    });
    assert.equal(res.status, 400);
    assert.equal(
      at(res.body, 'message'),
      'the kind in the data (Secret) does not match the expected kind (ConfigMap)',
    );
  });
});
