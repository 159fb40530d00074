import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { at, call, configMap, watch } from './api-client.js';

describe('sandbox access control and audit', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({
      users: {
        'reader-token': {
          name: 'reader',
          groups: ['readers'],
          rules: [
            {
              verbs: ['get', 'list', 'watch'],
              apiGroups: [''],
              resources: ['configmaps'],
              namespaces: ['default'],
            },
          ],
        },
        'named-token': {
          name: 'named',
          rules: [{ verbs: ['update', 'get'], resources: ['configmaps'], resourceNames: ['only-this'] }],
        },
      },
    });
    await call(sb, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap('only-this') });
  });
  after(async () => {
    await sb.close();
  });

  it('a request without a token, or with an unknown one, is 401 Unauthorized', async () => {
    for (const token of [null, 'wrong']) {
      const res = await call(sb, 'GET', '/api/v1/namespaces', { token });
      assert.equal(res.status, 401);
      assert.equal(at(res.body, 'reason'), 'Unauthorized');
    }
  });

  it('a verb outside the role table is 403 Forbidden worded like the RBAC authorizer', async () => {
    const res = await call(sb, 'DELETE', '/api/v1/namespaces/default/configmaps/only-this', {
      token: 'reader-token',
    });
    assert.equal(res.status, 403);
    assert.equal(at(res.body, 'reason'), 'Forbidden');
    assert.equal(
      at(res.body, 'message'),
      'configmaps "only-this" is forbidden: User "reader" cannot delete resource "configmaps" in API group "" in the namespace "default"',
    );
    const otherNs = await call(sb, 'GET', '/api/v1/namespaces/kube-system/configmaps', {
      token: 'reader-token',
    });
    assert.equal(otherNs.status, 403);
    const clusterWide = await call(sb, 'GET', '/api/v1/secrets', { token: 'reader-token' });
    assert.equal(
      at(clusterWide.body, 'message'),
      'secrets is forbidden: User "reader" cannot list resource "secrets" in API group "" at the cluster scope',
    );
  });

  it('allowed verbs pass, and watches are authorized like lists', async () => {
    assert.equal(
      (await call(sb, 'GET', '/api/v1/namespaces/default/configmaps', { token: 'reader-token' })).status,
      200,
    );
    const w = await watch(sb, '/api/v1/namespaces/default/configmaps?watch=true', 'reader-token');
    assert.equal(w.status, 200);
    w.close();
  });

  it('resourceNames limit a rule to the named objects', async () => {
    assert.equal(
      (await call(sb, 'GET', '/api/v1/namespaces/default/configmaps/only-this', { token: 'named-token' }))
        .status,
      200,
    );
    assert.equal(
      (await call(sb, 'GET', '/api/v1/namespaces/default/configmaps/other', { token: 'named-token' })).status,
      403,
    );
  });

  it('SelfSubjectAccessReview answers from the role table', async () => {
    const review = (verb: string) => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { namespace: 'default', verb, resource: 'configmaps' } },
    });
    const yes = await call(sb, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: review('list'),
      token: 'reader-token',
    });
    assert.equal(yes.status, 201);
    assert.equal(at(yes.body, 'status.allowed'), true);
    const no = await call(sb, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: review('delete'),
      token: 'reader-token',
    });
    assert.equal(at(no.body, 'status.allowed'), false);
  });

  it('the audit log records method, path, query, user, status, verb and object', async () => {
    const before = sb.audit.length;
    await call(sb, 'GET', '/api/v1/namespaces/default/configmaps/only-this?pretty=true', {
      token: 'reader-token',
    });
    const entry = sb.audit[before];
    assert.ok(entry);
    assert.deepEqual(
      { ...entry, at: typeof entry.at },
      {
        method: 'GET',
        path: '/api/v1/namespaces/default/configmaps/only-this',
        query: 'pretty=true',
        user: 'reader',
        status: 200,
        verb: 'get',
        resource: 'configmaps',
        namespace: 'default',
        name: 'only-this',
        at: 'string',
      },
    );
  });

  it('writeKubeconfig refuses a user the sandbox does not know', async () => {
    await assert.rejects(sb.writeKubeconfig('/nonexistent/kubeconfig', { user: 'nobody' }), /no such user/);
  });
});

describe('sandbox fault injection', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox();
  });
  after(async () => {
    await sb.close();
  });

  it('failNext answers the next N matching requests with the status, then recovers', async () => {
    sb.faults.failNext({ pathPattern: /\/configmaps$/, method: 'GET', count: 2, status: 500 });
    const path = '/api/v1/namespaces/default/configmaps';
    assert.equal((await call(sb, 'POST', path, { body: configMap('unaffected') })).status, 201);
    const first = await call(sb, 'GET', path);
    assert.equal(first.status, 500);
    assert.equal(at(first.body, 'reason'), 'InternalError');
    assert.equal((await call(sb, 'GET', path)).status, 500);
    assert.equal((await call(sb, 'GET', path)).status, 200);
  });

  it('a 429 failure carries Retry-After and details.retryAfterSeconds', async () => {
    sb.faults.failNext({ pathPattern: 'secrets', count: 1, status: 429, retryAfterSeconds: 7 });
    const res = await call(sb, 'GET', '/api/v1/namespaces/default/secrets');
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '7');
    assert.equal(at(res.body, 'reason'), 'TooManyRequests');
    assert.equal(at(res.body, 'details.retryAfterSeconds'), 7);
  });

  it('a 409 failure can carry a custom body', async () => {
    sb.faults.failNext({
      pathPattern: 'configmaps/x',
      method: 'PUT',
      count: 1,
      status: 409,
      body: { kind: 'Status', code: 409, reason: 'Conflict' },
    });
    const res = await call(sb, 'PUT', '/api/v1/namespaces/default/configmaps/x', { body: configMap('x') });
    assert.equal(res.status, 409);
    assert.deepEqual(res.body, { kind: 'Status', code: 409, reason: 'Conflict' });
  });

  it('delay holds matching responses back', async () => {
    sb.faults.delay({ pathPattern: /^\/version$/, ms: 150 });
    const started = Date.now();
    assert.equal((await call(sb, 'GET', '/version')).status, 200);
    assert.ok(Date.now() - started >= 140, 'the response was delayed');
    sb.faults.clearDelays();
  });

  it("a 'reset' failure destroys the connection without an answer, then recovers", async () => {
    sb.faults.failNext({ pathPattern: /\/secrets$/, method: 'POST', count: 1, status: 'reset' });
    const path = '/api/v1/namespaces/default/secrets';
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'after-reset' } };
    await assert.rejects(call(sb, 'POST', path, { body: secret }), { code: 'ECONNRESET' });
    assert.equal(sb.store.get('secrets', 'default', 'after-reset'), undefined, 'nothing was written');
    assert.equal((await call(sb, 'POST', path, { body: secret })).status, 201);
    const audited = sb.audit.filter((e) => e.method === 'POST' && e.path === path).map((e) => e.status);
    assert.deepEqual(audited, [0, 201], 'the audit log records the reset as status 0');
  });

  it("a 'reset-after' failure applies the write, then destroys the connection instead of answering", async () => {
    sb.faults.failNext({ pathPattern: /\/secrets$/, method: 'POST', count: 1, status: 'reset-after' });
    const path = '/api/v1/namespaces/default/secrets';
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'written-unanswered' } };
    await assert.rejects(call(sb, 'POST', path, { body: secret }), { code: 'ECONNRESET' });
    assert.ok(
      sb.store.get('secrets', 'default', 'written-unanswered') !== undefined,
      'the write was applied',
    );
    assert.equal(
      (await call(sb, 'POST', path, { body: secret })).status,
      409,
      'a blind retry meets AlreadyExists',
    );
    const audited = sb.audit
      .filter((e) => e.method === 'POST' && e.path === path)
      .slice(-2)
      .map((e) => e.status);
    assert.deepEqual(audited, [0, 409], 'the audit log records the unanswered write as status 0');
  });

  it('a failure with watch: true hits only watches, with watch: false only the other requests', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    sb.faults.failNext({ pathPattern: /\/configmaps$/, watch: true, count: 1, status: 500 });
    assert.equal((await call(sb, 'GET', path)).status, 200, 'a list is not a watch');
    const failed = await watch(sb, `${path}?watch=true`);
    assert.equal(failed.status, 500);
    failed.close();
    const healthy = await watch(sb, `${path}?watch=1`);
    assert.equal(healthy.status, 200);
    healthy.close();
    sb.faults.failNext({ pathPattern: /\/configmaps$/, watch: false, count: 1, status: 'reset' });
    const open = await watch(sb, `${path}?watch=true`);
    assert.equal(open.status, 200, 'a watch is not a list');
    open.close();
    await assert.rejects(call(sb, 'GET', path), { code: 'ECONNRESET' });
  });

  it('failNext refuses a non-positive count', () => {
    assert.throws(() => {
      sb.faults.failNext({ pathPattern: 'x', count: 0, status: 500 });
    }, RangeError);
  });
});

describe('sandbox lifecycle', () => {
  it('close() ends open watches and keep-alive connections', async () => {
    const sb = await startSandbox();
    const w = await watch(sb, '/api/v1/configmaps?watch=true');
    await call(sb, 'GET', '/version');
    await sb.close();
    await w.ended;
    await assert.rejects(call(sb, 'GET', '/version'));
  });
});
