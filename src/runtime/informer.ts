import type { ListWatcher, WatchedObject } from '../ports/list-watcher.js';
import { abortableSleep } from './abortable-sleep.js';

export interface InformerOptions<T> {
  readonly name: string;
  readonly source: ListWatcher<T>;
  /** Called for every object whose content changed, with `undefined` once it is deleted. */
  readonly onChange: (key: string, current: T | undefined, previous: T | undefined) => void;
  /** Called when a list or watch fails; the informer keeps going on its own. */
  readonly onError?: (err: unknown, retryInMs: number) => void;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Injected for tests; defaults to abortableSleep. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** `namespace/name` (or `name` for cluster-scoped objects). */
export function objectKey(object: WatchedObject): string {
  const namespace = object.metadata?.namespace ?? '';
  const name = object.metadata?.name ?? '';
  return namespace === '' ? name : `${namespace}/${name}`;
}

/**
 * A list-watch cache that never stops on its own: unlike client-node's informer (which stops for good on
 * any error but 410), every failure is retried with exponential backoff. A broken or silent stream is
 * watched again from the last resourceVersion; a 410 causes a fresh list whose differences are delivered
 * as changes.
 */
export class Informer<T extends WatchedObject> {
  readonly #options: InformerOptions<T>;
  readonly #cache = new Map<string, T>();
  readonly #abort = new AbortController();
  #synced = false;
  #running: Promise<void> | undefined;
  #syncWaiters: (() => void)[] = [];

  constructor(options: InformerOptions<T>) {
    this.#options = options;
  }

  /** Starts the list-watch loop in the background. */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops watching; resolves once the loop has exited. */
  async stop(): Promise<void> {
    this.#abort.abort();
    for (const wake of this.#syncWaiters) wake();
    this.#syncWaiters = [];
    await this.#running;
  }

  /** True once the first list has filled the cache. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves when the cache has synced (or the informer was stopped). */
  waitForSync(): Promise<void> {
    if (this.#synced || this.#abort.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => this.#syncWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.#cache.get(key);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const sleep = this.#options.sleep ?? abortableSleep;
    const initialBackoffMs = this.#options.initialBackoffMs ?? 1000;
    const maxBackoffMs = this.#options.maxBackoffMs ?? 30_000;
    let backoffMs = initialBackoffMs;
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const listed = await this.#options.source.list(signal);
          this.#replace(listed.items);
          resourceVersion = listed.resourceVersion;
          this.#markSynced();
        }
        const stream = { gone: false };
        await this.#options.source.watch(
          resourceVersion,
          (change) => {
            backoffMs = initialBackoffMs;
            switch (change.type) {
              case 'upsert':
                resourceVersion = change.object.metadata?.resourceVersion ?? resourceVersion;
                this.#upsert(change.object);
                return;
              case 'delete':
                resourceVersion = change.object.metadata?.resourceVersion ?? resourceVersion;
                this.#delete(change.object);
                return;
              case 'bookmark':
                resourceVersion = change.resourceVersion;
                return;
              case 'gone':
                stream.gone = true;
                return;
            }
          },
          signal,
        );
        if (stream.gone) resourceVersion = undefined;
      } catch (err) {
        if (this.#stopped()) break;
        // A broken or silent watch resumes from the last resourceVersion seen: the server replays what
        // happened since, deletions included, or answers 410 when that is no longer in its history, and
        // only then is the cache listed again. A failed list leaves resourceVersion unset and lists again.
        this.#options.onError?.(err, backoffMs);
        await sleep(backoffMs, signal);
        backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
      }
    }
  }

  #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    for (const wake of this.#syncWaiters) wake();
    this.#syncWaiters = [];
  }

  #replace(items: readonly T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(objectKey(item));
      this.#upsert(item);
    }
    for (const [key, previous] of [...this.#cache]) {
      if (!seen.has(key)) {
        this.#cache.delete(key);
        this.#options.onChange(key, undefined, previous);
      }
    }
  }

  #upsert(object: T): void {
    const key = objectKey(object);
    const previous = this.#cache.get(key);
    this.#cache.set(key, object);
    const unchanged =
      previous !== undefined &&
      previous.metadata?.resourceVersion !== undefined &&
      previous.metadata.resourceVersion === object.metadata?.resourceVersion;
    if (!unchanged) this.#options.onChange(key, object, previous);
  }

  #delete(object: T): void {
    const key = objectKey(object);
    const previous = this.#cache.get(key);
    this.#cache.delete(key);
    this.#options.onChange(key, undefined, previous ?? object);
  }
}
