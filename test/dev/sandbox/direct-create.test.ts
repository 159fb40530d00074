import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../../../dev/sandbox/api-error.js';
import type { JsonObject } from '../../../dev/sandbox/json.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { at, call, ingress, items, watch } from './api-client.js';

const INGRESSES = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';

describe('Sandbox.create()', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox();
  });
  after(async () => {
    await sb.close();
  });

  it('stores an object a client cannot tell from a POST: the same metadata, list and watch event, no audit entry', async () => {
    const posted = await call(sb, 'POST', INGRESSES, { body: ingress('posted', 'posted.example.com') });
    assert.equal(posted.status, 201);
    const from = sb.store.resourceVersion;
    const stream = await watch(sb, `${INGRESSES}?watch=true&resourceVersion=${from}`);
    const audited = sb.audit.length;
    sb.create(
      'ingresses.networking.k8s.io',
      'default',
      ingress('direct', 'direct.example.com') as JsonObject,
    );
    const event = await stream.next(2_000);
    stream.close();
    assert.equal(event?.type, 'ADDED');
    assert.equal(at(event.object, 'metadata.name'), 'direct');
    assert.ok(Number(at(event.object, 'metadata.resourceVersion')) > Number(from));
    assert.equal(sb.audit.length, audited, 'the direct create is not a request');

    const listed = await call(sb, 'GET', INGRESSES);
    const byName = new Map(items(listed.body).map((item) => [at(item, 'metadata.name'), item]));
    const direct = byName.get('direct');
    const post = byName.get('posted');
    assert.equal(at(direct, 'spec.rules[0].host'), 'direct.example.com');
    for (const path of ['metadata.uid', 'metadata.creationTimestamp', 'metadata.generation']) {
      assert.equal(typeof at(direct, path), typeof at(post, path), path);
      assert.notEqual(at(direct, path), undefined, path);
    }
    assert.equal(items(direct, 'metadata.managedFields').length, 1);
  });

  it("refuses what the POST refuses, with the POST's error", () => {
    sb.create('secrets', 'default', { metadata: { name: 'once' }, data: {} });
    assert.throws(
      () => {
        sb.create('secrets', 'default', { metadata: { name: 'once' }, data: {} });
      },
      (error: unknown) => error instanceof ApiError && error.code === 409,
    );
    assert.throws(
      () => {
        sb.create('secrets', 'missing', { metadata: { name: 'nowhere' } });
      },
      (error: unknown) => error instanceof ApiError && error.code === 404,
    );
  });
});
