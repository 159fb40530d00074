import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JsonObject } from '../../../dev/sandbox/json.js';
import { serverSideApply, trackUpdate } from '../../../dev/sandbox/managed-fields.js';
import { applyJsonPatch, applyMergePatch, strategicMerge } from '../../../dev/sandbox/patch.js';
import { podSchema, serviceSchema, configMapSchema } from '../../../dev/sandbox/kind-schemas.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { ApiError } from '../../../dev/sandbox/api-error.js';
import { at, call, configMap } from './api-client.js';

const pod = (containers: JsonObject[]): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: { containers },
});

describe('patch formats', () => {
  it('applyMergePatch() merges objects, deletes on null and replaces lists (RFC 7386)', () => {
    const cases: [JsonObject, JsonObject, JsonObject][] = [
      [{ a: 1, b: { c: 2 } }, { b: { d: 3 } }, { a: 1, b: { c: 2, d: 3 } }],
      [{ a: 1, b: 2 }, { a: null }, { b: 2 }],
      [{ l: [1, 2] }, { l: [3] }, { l: [3] }],
    ];
    for (const [target, patch, expected] of cases) assert.deepEqual(applyMergePatch(target, patch), expected);
  });

  it('applyJsonPatch() runs add, replace, remove, move, copy and test (RFC 6902)', () => {
    const out = applyJsonPatch({ a: { b: 1 }, l: [1, 2] }, [
      { op: 'add', path: '/a/c', value: 2 },
      { op: 'replace', path: '/a/b', value: 5 },
      { op: 'add', path: '/l/-', value: 3 },
      { op: 'remove', path: '/l/0' },
      { op: 'copy', from: '/a/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e' },
      { op: 'test', path: '/e', value: 2 },
      { op: 'add', path: '/x~1y', value: true },
    ]);
    assert.deepEqual(out, { a: { b: 5, c: 2 }, l: [2, 3], e: 2, 'x/y': true });
  });

  it('applyJsonPatch() rejects a failed test and a missing path with 422', () => {
    for (const ops of [
      [{ op: 'test', path: '/a', value: 2 }],
      [{ op: 'remove', path: '/nope' }],
      [{ op: 'replace', path: '/nope', value: 1 }],
    ]) {
      assert.throws(
        () => applyJsonPatch({ a: 1 }, ops),
        (e: unknown) => e instanceof ApiError && e.code === 422,
      );
    }
  });

  it('strategicMerge() merges containers by name and keeps the others', () => {
    const out = strategicMerge(
      pod([
        { name: 'a', image: 'a:1' },
        { name: 'b', image: 'b:1' },
      ]),
      {
        spec: {
          containers: [
            { name: 'b', image: 'b:2' },
            { name: 'c', image: 'c:1' },
          ],
        },
      },
      podSchema,
    );
    assert.deepEqual(at(out, 'spec.containers'), [
      { name: 'a', image: 'a:1' },
      { name: 'b', image: 'b:2' },
      { name: 'c', image: 'c:1' },
    ]);
  });

  it('strategicMerge() merges nested ports by containerPort and env by name', () => {
    const original = pod([
      {
        name: 'a',
        ports: [{ containerPort: 80 }],
        env: [
          { name: 'X', value: '1' },
          { name: 'Y', value: '2' },
        ],
      },
    ]);
    const out = strategicMerge(
      original,
      {
        spec: {
          containers: [{ name: 'a', ports: [{ containerPort: 443 }], env: [{ name: 'Y', value: '3' }] }],
        },
      },
      podSchema,
    );
    assert.deepEqual(at(out, 'spec.containers[0].ports'), [{ containerPort: 80 }, { containerPort: 443 }]);
    assert.deepEqual(at(out, 'spec.containers[0].env'), [
      { name: 'X', value: '1' },
      { name: 'Y', value: '3' },
    ]);
  });

  it('strategicMerge() honours $patch: delete, $patch: replace, $retainKeys, $deleteFromPrimitiveList and ignores $setElementOrder', () => {
    const svc = {
      spec: {
        ports: [
          { port: 80, name: 'http' },
          { port: 443, name: 'https' },
        ],
      },
      metadata: { finalizers: ['a', 'b'] },
    };
    const deleted = strategicMerge(
      svc,
      {
        spec: {
          $setElementOrder: 1,
          '$setElementOrder/ports': [{ port: 443 }],
          ports: [{ port: 80, $patch: 'delete' }],
        },
      },
      serviceSchema,
    );
    assert.deepEqual(at(deleted, 'spec.ports'), [{ port: 443, name: 'https' }]);
    const replaced = strategicMerge(
      svc,
      { spec: { ports: [{ port: 8080 }, { $patch: 'replace' }] } },
      serviceSchema,
    );
    assert.deepEqual(at(replaced, 'spec.ports'), [{ port: 8080 }]);
    const retained = strategicMerge(
      { spec: { a: 1, b: 2 } },
      { spec: { $retainKeys: ['b'], b: 3 } },
      serviceSchema,
    );
    assert.deepEqual(at(retained, 'spec'), { b: 3 });
    const primitive = strategicMerge(
      svc,
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      serviceSchema,
    );
    assert.deepEqual(at(primitive, 'metadata.finalizers'), ['b']);
    const union = strategicMerge(svc, { metadata: { finalizers: ['c'] } }, serviceSchema);
    assert.deepEqual(at(union, 'metadata.finalizers'), ['a', 'b', 'c']);
  });

  it('strategicMerge() replaces lists without a merge key', () => {
    const out = strategicMerge(
      { spec: { tls: [{ secretName: 'a' }] } },
      { spec: { tls: [{ secretName: 'b' }] } },
      undefined,
    );
    assert.deepEqual(at(out, 'spec.tls'), [{ secretName: 'b' }]);
  });
});

describe('field ownership', () => {
  const ctx = (manager: string) => ({
    manager,
    apiVersion: 'v1',
    now: '2026-01-01T00:00:00Z',
    schema: configMapSchema,
  });
  const cm = (data: Record<string, string>): JsonObject => ({
    metadata: { name: 'c', namespace: 'n' },
    data,
  });

  it('trackUpdate() gives the writer the fields it changed and takes them from others', () => {
    const created = trackUpdate(undefined, cm({ a: '1', b: '1' }), ctx('one'));
    const updated = trackUpdate(
      created,
      { ...cm({ a: '1', b: '2' }), metadata: created['metadata'] ?? {} },
      ctx('two'),
    );
    assert.deepEqual(at(updated, 'metadata.managedFields'), [
      {
        manager: 'one',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {} } },
      },
      {
        manager: 'two',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:b': {} } },
      },
    ]);
  });

  it('serverSideApply() reports conflicting fields with their managers, and force takes them over', () => {
    const owned = trackUpdate(undefined, cm({ a: '1' }), ctx('editor'));
    assert.throws(
      () => serverSideApply(owned, cm({ a: '2' }), { ...ctx('applier'), force: false }),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 409 &&
        e.message === 'Apply failed with 1 conflict: conflict with "editor" using v1: .data.a' &&
        e.causes[0]?.field === '.data.a' &&
        e.causes[0].reason === 'FieldManagerConflict',
    );
    const forced = serverSideApply(owned, cm({ a: '2' }), { ...ctx('applier'), force: true });
    assert.equal(at(forced, 'data.a'), '2');
    const managers = (at(forced, 'metadata.managedFields') as JsonObject[]).map((m) => [
      m['manager'],
      m['operation'],
    ]);
    assert.deepEqual(managers, [['applier', 'Apply']]);
  });

  it('serverSideApply() shares a field applied with the same value, without conflict', () => {
    const owned = trackUpdate(undefined, cm({ a: '1' }), ctx('editor'));
    const shared = serverSideApply(owned, cm({ a: '1' }), { ...ctx('applier'), force: false });
    assert.equal((at(shared, 'metadata.managedFields') as JsonObject[]).length, 2);
  });

  it('serverSideApply() removes a field the manager stops applying when nobody else owns it', () => {
    const first = serverSideApply(undefined, cm({ a: '1', b: '1' }), { ...ctx('applier'), force: false });
    const second = serverSideApply(first, cm({ a: '1' }), { ...ctx('applier'), force: false });
    assert.deepEqual(at(second, 'data'), { a: '1' });
  });
});

describe('PATCH over HTTP', () => {
  let sb: Sandbox;
  const path = '/api/v1/namespaces/default/configmaps';
  before(async () => {
    sb = await startSandbox();
  });
  after(async () => {
    await sb.close();
  });

  it('accepts merge, JSON and strategic patches by Content-Type and rejects others with 415', async () => {
    await call(sb, 'POST', path, { body: configMap('p', { a: '1' }) });
    const merge = await call(sb, 'PATCH', `${path}/p`, {
      body: { data: { b: '2' } },
      contentType: 'application/merge-patch+json',
    });
    assert.deepEqual(at(merge.body, 'data'), { a: '1', b: '2' });
    const json = await call(sb, 'PATCH', `${path}/p`, {
      body: [{ op: 'remove', path: '/data/a' }],
      contentType: 'application/json-patch+json',
    });
    assert.deepEqual(at(json.body, 'data'), { b: '2' });
    const smp = await call(sb, 'PATCH', `${path}/p`, {
      body: { data: { c: '3' } },
      contentType: 'application/strategic-merge-patch+json',
    });
    assert.deepEqual(at(smp.body, 'data'), { b: '2', c: '3' });
    const bad = await call(sb, 'PATCH', `${path}/p`, { body: { data: {} }, contentType: 'text/plain' });
    assert.equal(bad.status, 415);
  });

  it('a patch that sets a stale resourceVersion is 409 Conflict', async () => {
    const res = await call(sb, 'PATCH', `${path}/p`, {
      body: { metadata: { resourceVersion: '1' }, data: { z: '1' } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(res.status, 409);
  });

  it('server-side apply creates an absent object (201) and requires a fieldManager', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { k: 'v' } };
    const missing = await call(sb, 'PATCH', `${path}/applied`, {
      body,
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(missing.status, 400);
    const created = await call(sb, 'PATCH', `${path}/applied?fieldManager=kube-lego`, {
      body,
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(created.status, 201);
    assert.equal(at(created.body, 'metadata.managedFields[0].manager'), 'kube-lego');
    assert.equal(at(created.body, 'metadata.managedFields[0].operation'), 'Apply');
    assert.match(String(at(created.body, 'metadata.uid')), /^[0-9a-f-]{36}$/);
  });

  it('server-side apply conflicts are 409 with FieldManagerConflict causes', async () => {
    await call(sb, 'PATCH', `${path}/applied?fieldManager=other`, {
      body: { data: { k: 'changed' } },
      contentType: 'application/merge-patch+json',
    });
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { k: 'v' } };
    const res = await call(sb, 'PATCH', `${path}/applied?fieldManager=kube-lego`, {
      body,
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(res.status, 409);
    assert.equal(at(res.body, 'reason'), 'Conflict');
    assert.deepEqual(at(res.body, 'details.causes'), [
      { reason: 'FieldManagerConflict', message: 'conflict with "other" using v1', field: '.data.k' },
    ]);
    const forced = await call(sb, 'PATCH', `${path}/applied?fieldManager=kube-lego&force=true`, {
      body,
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(forced.status, 200);
    assert.equal(at(forced.body, 'data.k'), 'v');
  });
});
