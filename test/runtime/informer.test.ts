import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ListResult, ListWatcher, WatchChange } from '../../src/ports/list-watcher.js';
import { Informer } from '../../src/runtime/informer.js';

interface Obj {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly resourceVersion: string };
  readonly value?: string;
}

function obj(name: string, resourceVersion: string, value?: string): Obj {
  return {
    metadata: { name, namespace: 'default', resourceVersion },
    ...(value === undefined ? {} : { value }),
  };
}

/** Waits for stop(); the timer keeps the event loop alive meanwhile, as a real socket would. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

type WatchStep = (emit: (change: WatchChange<Obj>) => void, signal: AbortSignal) => Promise<void>;

/** A scripted list-watch source: each list() and watch() call takes the next step. */
class ScriptedSource implements ListWatcher<Obj> {
  readonly lists: (() => Promise<ListResult<Obj>>)[] = [];
  readonly watches: WatchStep[] = [];
  listCalls = 0;
  watchCalls: string[] = [];

  list(signal: AbortSignal): Promise<ListResult<Obj>> {
    this.listCalls += 1;
    const next = this.lists.shift();
    return next ? next() : untilAborted(signal).then(() => ({ items: [], resourceVersion: '0' }));
  }

  watch(
    resourceVersion: string,
    onChange: (change: WatchChange<Obj>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.watchCalls.push(resourceVersion);
    const next = this.watches.shift();
    if (next) return next(onChange, signal);
    return untilAborted(signal);
  }
}

const noSleep = (): Promise<void> => Promise.resolve();

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((r) => setImmediate(r));
  assert.ok(condition(), 'condition not reached');
}

describe('Informer', () => {
  it('fills the cache from the list, reports hasSynced and delivers watch changes', async () => {
    const source = new ScriptedSource();
    source.lists.push(() => Promise.resolve({ items: [obj('a', '1')], resourceVersion: '5' }));
    source.watches.push((emit, signal) => {
      emit({ type: 'upsert', object: obj('b', '6') });
      emit({ type: 'delete', object: obj('a', '7') });
      return untilAborted(signal);
    });
    const changes: string[] = [];
    const informer = new Informer<Obj>({
      name: 't',
      source,
      onChange: (key, current) =>
        changes.push(`${key}:${current === undefined ? 'gone' : current.metadata.resourceVersion}`),
      sleep: noSleep,
    });
    assert.equal(informer.hasSynced(), false);
    informer.start();
    await informer.waitForSync();
    await until(() => changes.length === 3);
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(changes, ['default/a:1', 'default/b:6', 'default/a:gone']);
    assert.deepEqual(
      informer.list().map((o) => o.metadata.name),
      ['b'],
    );
    assert.deepEqual(source.watchCalls, ['5']);
    await informer.stop();
  });

  it('relists after a 410 and reports objects deleted meanwhile', async () => {
    const source = new ScriptedSource();
    source.lists.push(() => Promise.resolve({ items: [obj('a', '1'), obj('b', '2')], resourceVersion: '2' }));
    source.watches.push((emit) => {
      emit({ type: 'gone' });
      return Promise.resolve();
    });
    source.lists.push(() => Promise.resolve({ items: [obj('b', '2')], resourceVersion: '9' }));
    const removed: string[] = [];
    const informer = new Informer<Obj>({
      name: 't',
      source,
      onChange: (key, current) => {
        if (current === undefined) removed.push(key);
      },
      sleep: noSleep,
    });
    informer.start();
    await until(() => source.watchCalls.length === 2);
    assert.equal(source.listCalls, 2);
    assert.deepEqual(removed, ['default/a']);
    assert.deepEqual(source.watchCalls, ['2', '9']);
    await informer.stop();
  });

  it('keeps going after list and watch errors, with growing backoff (client-node would stop for good)', async () => {
    const source = new ScriptedSource();
    source.lists.push(() => Promise.reject(new Error('500 from the API server')));
    source.lists.push(() => Promise.resolve({ items: [], resourceVersion: '3' }));
    source.watches.push(() => Promise.reject(new Error('watch stream broke')));
    source.watches.push((emit, signal) => {
      emit({ type: 'upsert', object: obj('c', '4') });
      return untilAborted(signal);
    });
    const delays: number[] = [];
    const errors: number[] = [];
    const informer = new Informer<Obj>({
      name: 't',
      source,
      onChange: () => undefined,
      onError: (_err, retryInMs) => errors.push(retryInMs),
      initialBackoffMs: 100,
      maxBackoffMs: 150,
      sleep: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
    });
    informer.start();
    await until(() => informer.get('default/c') !== undefined);
    assert.deepEqual(delays, [100, 150]);
    assert.deepEqual(errors, [100, 150]);
    assert.equal(source.listCalls, 2);
    assert.deepEqual(source.watchCalls, ['3', '3']);
    await informer.stop();
  });

  it('does not report an object again when a relist returns the same resourceVersion', async () => {
    const source = new ScriptedSource();
    source.lists.push(() => Promise.resolve({ items: [obj('a', '1')], resourceVersion: '1' }));
    source.watches.push((emit) => {
      emit({ type: 'gone' });
      return Promise.resolve();
    });
    source.lists.push(() => Promise.resolve({ items: [obj('a', '1')], resourceVersion: '1' }));
    let count = 0;
    const informer = new Informer<Obj>({ name: 't', source, onChange: () => (count += 1), sleep: noSleep });
    informer.start();
    await until(() => source.watchCalls.length === 2);
    assert.equal(count, 1);
    await informer.stop();
  });

  it('re-watches from the last resourceVersion seen after a broken watch, with backoff, and relists only on a 410', async () => {
    const source = new ScriptedSource();
    source.lists.push(() => Promise.resolve({ items: [obj('a', '1')], resourceVersion: '1' }));
    source.watches.push((emit) => {
      emit({ type: 'upsert', object: obj('b', '4') });
      emit({ type: 'bookmark', resourceVersion: '6' });
      return Promise.reject(new Error('watch of ingresses sent nothing for 6000 ms'));
    });
    source.watches.push(() => Promise.reject(new Error('still partitioned')));
    source.watches.push((emit) => {
      emit({ type: 'upsert', object: obj('c', '8') });
      emit({ type: 'gone' });
      return Promise.resolve();
    });
    source.lists.push(() => Promise.resolve({ items: [obj('c', '8')], resourceVersion: '9' }));
    const delays: number[] = [];
    const informer = new Informer<Obj>({
      name: 't',
      source,
      onChange: () => undefined,
      initialBackoffMs: 100,
      maxBackoffMs: 1000,
      sleep: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
    });
    informer.start();
    await until(() => source.watchCalls.length === 4);
    assert.deepEqual(source.watchCalls, ['1', '6', '6', '9']);
    assert.equal(source.listCalls, 2, 'one list at the start, one after the 410');
    assert.deepEqual(delays, [100, 200]);
    assert.deepEqual(
      informer.list().map((o) => o.metadata.name),
      ['c'],
    );
    await informer.stop();
  });
});
