import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { at, call, configMap, watch, type OpenWatch } from './api-client.js';

const CMS = '/api/v1/namespaces/w/configmaps';

describe('sandbox watch', () => {
  let sb: Sandbox;
  const open: OpenWatch[] = [];
  const track = (w: OpenWatch): OpenWatch => {
    open.push(w);
    return w;
  };
  before(async () => {
    sb = await startSandbox({ bookmarkIntervalMs: 50, watchHistoryLimit: 5 });
    await call(sb, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } },
    });
  });
  after(async () => {
    for (const w of open) w.close();
    await sb.close();
  });

  it('a watch from a resourceVersion replays later changes in order: ADDED, MODIFIED, DELETED', async () => {
    const start = sb.store.resourceVersion;
    await call(sb, 'POST', CMS, { body: configMap('a', { v: '1' }) });
    await call(sb, 'PUT', `${CMS}/a`, { body: configMap('a', { v: '2' }) });
    await call(sb, 'DELETE', `${CMS}/a`);
    const w = track(await watch(sb, `${CMS}?watch=true&resourceVersion=${start}`));
    assert.equal(w.status, 200);
    const events = [await w.next(), await w.next(), await w.next()];
    assert.deepEqual(
      events.map((e) => [e?.type, at(e?.object, 'data.v')]),
      [
        ['ADDED', '1'],
        ['MODIFIED', '2'],
        ['DELETED', '2'],
      ],
    );
    assert.equal(at(events[0]?.object, 'kind'), 'ConfigMap');
    const versions = events.map((e) => Number(at(e?.object, 'metadata.resourceVersion')));
    assert.ok(versions[0]! < versions[1]! && versions[1]! < versions[2]!);
    w.close();
  });

  it('a watch without resourceVersion starts with the current objects as ADDED, then follows live changes', async () => {
    await call(sb, 'POST', CMS, { body: configMap('live-1') });
    const w = track(await watch(sb, `${CMS}?watch=1`));
    const first = await w.next();
    assert.equal(first?.type, 'ADDED');
    assert.equal(at(first.object, 'metadata.name'), 'live-1');
    await call(sb, 'POST', CMS, { body: configMap('live-2') });
    const second = await w.next();
    assert.deepEqual([second?.type, at(second?.object, 'metadata.name')], ['ADDED', 'live-2']);
    w.close();
  });

  it('sends BOOKMARK events carrying the current resourceVersion when asked', async () => {
    const rv = sb.store.resourceVersion;
    const w = track(await watch(sb, `${CMS}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`));
    const e = await w.next();
    assert.equal(e?.type, 'BOOKMARK');
    assert.equal(at(e.object, 'kind'), 'ConfigMap');
    assert.equal(at(e.object, 'metadata.resourceVersion'), rv);
    w.close();
  });

  it('sendInitialEvents ends the initial ADDED events with an annotated BOOKMARK', async () => {
    const w = track(
      await watch(
        sb,
        `${CMS}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
      ),
    );
    const types: string[] = [];
    for (;;) {
      const e = await w.next();
      types.push(e?.type ?? 'END');
      if (e?.type === 'BOOKMARK') {
        assert.equal(at(e.object, 'metadata.annotations["k8s.io/initial-events-end"]'), 'true');
        break;
      }
    }
    assert.ok(types.slice(0, -1).every((t) => t === 'ADDED'));
    w.close();
  });

  it('a watch from a version older than the retained history gets a 410 Expired ERROR event, then the stream ends', async () => {
    const old = sb.store.resourceVersion;
    for (let i = 0; i < 7; i++) await call(sb, 'POST', CMS, { body: configMap(`churn-${i}`) });
    const w = track(await watch(sb, `${CMS}?watch=true&resourceVersion=${old}`));
    assert.equal(w.status, 200);
    const e = await w.next();
    assert.equal(e?.type, 'ERROR');
    assert.equal(at(e.object, 'kind'), 'Status');
    assert.equal(at(e.object, 'code'), 410);
    assert.equal(at(e.object, 'reason'), 'Expired');
    assert.match(String(at(e.object, 'message')), /^too old resource version: \d+ \(\d+\)$/);
    assert.equal(await w.next(), null);
  });

  it('expireHistory forces 410 for a watch from the last seen resourceVersion', async () => {
    const rv = sb.store.resourceVersion;
    sb.faults.expireHistory();
    const w = track(await watch(sb, `${CMS}?watch=true&resourceVersion=${rv}`));
    assert.equal(at((await w.next())?.object, 'code'), 410);
  });

  it('timeoutSeconds ends the stream cleanly', async () => {
    const started = Date.now();
    const w = track(
      await watch(sb, `${CMS}?watch=true&resourceVersion=${sb.store.resourceVersion}&timeoutSeconds=1`),
    );
    await w.ended;
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 5000, `ended after ${elapsed} ms`);
  });

  it('closeWatches ends every open watch', async () => {
    const a = track(await watch(sb, `${CMS}?watch=true&resourceVersion=${sb.store.resourceVersion}`));
    const b = track(
      await watch(sb, `/api/v1/secrets?watch=true&resourceVersion=${sb.store.resourceVersion}`),
    );
    sb.faults.closeWatches();
    await Promise.all([a.ended, b.ended]);
  });

  it('a label-selected watch turns label changes into ADDED and DELETED', async () => {
    const w = track(
      await watch(
        sb,
        `${CMS}?watch=true&labelSelector=tier%3Dfront&resourceVersion=${sb.store.resourceVersion}`,
      ),
    );
    await call(sb, 'POST', CMS, { body: configMap('sel', { v: '1' }, { tier: 'back' }) });
    await call(sb, 'PUT', `${CMS}/sel`, { body: configMap('sel', { v: '2' }, { tier: 'front' }) });
    await call(sb, 'PUT', `${CMS}/sel`, { body: configMap('sel', { v: '3' }, { tier: 'front' }) });
    await call(sb, 'PUT', `${CMS}/sel`, { body: configMap('sel', { v: '4' }, { tier: 'back' }) });
    const events = [await w.next(), await w.next(), await w.next()];
    assert.deepEqual(
      events.map((e) => [e?.type, at(e?.object, 'data.v')]),
      [
        ['ADDED', '2'],
        ['MODIFIED', '3'],
        ['DELETED', '4'],
      ],
    );
    w.close();
  });

  it('a field-selected watch only sees the named object', async () => {
    const w = track(
      await watch(
        sb,
        `${CMS}?watch=true&fieldSelector=metadata.name%3Dpick&resourceVersion=${sb.store.resourceVersion}`,
      ),
    );
    await call(sb, 'POST', CMS, { body: configMap('skip') });
    await call(sb, 'POST', CMS, { body: configMap('pick') });
    const e = await w.next();
    assert.deepEqual([e?.type, at(e?.object, 'metadata.name')], ['ADDED', 'pick']);
    w.close();
  });
});

describe('sandbox silent partition', () => {
  const CUT = 'cut-token';
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({ bookmarkIntervalMs: 50, users: { [CUT]: { name: 'controller' } } });
    await call(sb, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } },
    });
  });
  after(() => sb.close());

  /** Settles with the response status, or 'silent' if nothing arrives within `ms`. */
  function answerWithin(promise: Promise<{ status: number }>, ms: number): Promise<number | 'silent'> {
    return Promise.race([
      promise.then((r) => r.status),
      new Promise<'silent'>((resolve) => {
        setTimeout(() => {
          resolve('silent');
        }, ms);
      }),
    ]);
  }

  it("partition() silences the user's open watches and holds its new requests; heal() serves new ones only", async () => {
    const from = sb.store.resourceVersion;
    const cut = await watch(sb, `${CMS}?watch=true&allowWatchBookmarks=true&resourceVersion=${from}`, CUT);
    const other = await watch(sb, `${CMS}?watch=true&resourceVersion=${from}`);
    assert.equal((await cut.next())?.type, 'BOOKMARK');

    sb.faults.partition({ user: 'controller' });
    await call(sb, 'POST', CMS, { body: configMap('during-partition') });
    assert.equal(at((await other.next())?.object, 'metadata.name'), 'during-partition');
    await assert.rejects(cut.next(500), /no watch event/);
    const held = call(sb, 'GET', CMS, { token: CUT });
    assert.equal(await answerWithin(held, 500), 'silent');
    assert.equal(sb.audit.filter((e) => e.user === 'controller' && e.verb === 'list').length, 0);

    sb.faults.heal();
    assert.equal((await call(sb, 'GET', CMS, { token: CUT })).status, 200);
    assert.equal(await answerWithin(held, 300), 'silent', 'a request held by the partition stays unanswered');
    await assert.rejects(cut.next(300), /no watch event/);
    let ended = false;
    void cut.ended.then(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(ended, false, 'the silenced watch is not closed');
    cut.close();
    other.close();
    await cut.ended;
    assert.equal(sb.audit.filter((e) => e.user === 'controller' && e.verb === 'watch').length, 1);
  });
});

describe('sandbox watch latency', () => {
  it('watchLatencyMs sends each live event that long after the write, in order, and the write answers at once', async () => {
    const sb = await startSandbox({ watchLatencyMs: 300 });
    try {
      await call(sb, 'POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } },
      });
      const w = await watch(sb, `${CMS}?watch=true&resourceVersion=${sb.store.resourceVersion}`);
      const writtenAtMs = Date.now();
      await call(sb, 'POST', CMS, { body: configMap('lag', { v: '1' }) });
      await call(sb, 'PUT', `${CMS}/lag`, { body: configMap('lag', { v: '2' }) });
      const answeredMs = Date.now() - writtenAtMs;
      assert.ok(answeredMs < 300, `the writes answered in ${String(answeredMs)} ms`);
      await assert.rejects(w.next(100), /no watch event/, 'nothing before the latency has passed');
      const events = [await w.next(), await w.next()];
      assert.ok(Date.now() - writtenAtMs >= 300, 'the events came after the latency');
      assert.deepEqual(
        events.map((e) => [e?.type, at(e?.object, 'data.v')]),
        [
          ['ADDED', '1'],
          ['MODIFIED', '2'],
        ],
      );
      w.close();
    } finally {
      await sb.close();
    }
  });
});
