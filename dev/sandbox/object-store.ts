/**
 * The in-memory object store: parsed JSON objects indexed by resource and namespace, one global
 * resourceVersion counter (like etcd's revision) and a bounded history of changes that watches replay.
 * Stored objects are never mutated: every write replaces the object, so readers may hold references.
 */
import { isJsonObject, type JsonObject } from './json.js';
import { resourceKey, type ResourceType } from './resource-registry.js';

/** A change, as a watch sees it. */
export interface ChangeEvent {
  readonly resourceVersion: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resource: string;
  readonly namespace: string;
  readonly object: JsonObject;
  /** The object before a MODIFIED change, so selector-filtered watches can turn it into ADDED/DELETED. */
  readonly previous?: JsonObject;
}

/** Result of asking for the changes after a resourceVersion. */
export type HistoryRead =
  | { readonly kind: 'events'; readonly events: readonly ChangeEvent[] }
  | { readonly kind: 'expired'; readonly oldestAvailable: number };

type Table = Map<string, Map<string, JsonObject>>;

function metaOf(object: JsonObject): JsonObject {
  const m = object['metadata'];
  return isJsonObject(m) ? m : {};
}

/** Name and namespace of a stored object. */
export function identityOf(object: JsonObject): { namespace: string; name: string } {
  const m = metaOf(object);
  return {
    namespace: typeof m['namespace'] === 'string' ? m['namespace'] : '',
    name: typeof m['name'] === 'string' ? m['name'] : '',
  };
}

/** The in-memory store behind the sandbox. */
export class ObjectStore {
  private revision = 0;
  private readonly tables = new Map<string, Table>();
  private readonly sortedNames = new Map<string, string[]>();
  private history: ChangeEvent[] = [];
  private historyHead = 0;
  /** Watches from a resourceVersion below this one get 410 Expired. */
  private compactedBelow = 0;
  private readonly listeners = new Set<(event: ChangeEvent) => void>();

  constructor(private readonly historyLimit: number) {}

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may start from. */
  get oldestWatchable(): number {
    return this.compactedBelow;
  }

  private table(key: string): Table {
    let table = this.tables.get(key);
    if (table === undefined) {
      table = new Map();
      this.tables.set(key, table);
    }
    return table;
  }

  /** One object, or undefined. */
  get(type: ResourceType, namespace: string, name: string): JsonObject | undefined {
    return this.tables.get(resourceKey(type))?.get(namespace)?.get(name);
  }

  /** Objects of a type, in `namespace/name` order (etcd key order), optionally in one namespace. */
  list(type: ResourceType, namespace?: string): JsonObject[] {
    const table = this.tables.get(resourceKey(type));
    if (table === undefined) return [];
    const out: JsonObject[] = [];
    const namespaces = namespace === undefined ? [...table.keys()].sort() : [namespace];
    for (const ns of namespaces) {
      const bucket = table.get(ns);
      if (bucket === undefined) continue;
      for (const name of this.sortedNamesOf(resourceKey(type), ns, bucket)) {
        const object = bucket.get(name);
        if (object !== undefined) out.push(object);
      }
    }
    return out;
  }

  private sortedNamesOf(key: string, namespace: string, bucket: Map<string, JsonObject>): string[] {
    const cacheKey = `${key}\u0000${namespace}`;
    let names = this.sortedNames.get(cacheKey);
    if (names === undefined) {
      names = [...bucket.keys()].sort();
      this.sortedNames.set(cacheKey, names);
    }
    return names;
  }

  /** Number of stored objects of a type. */
  count(type: ResourceType): number {
    let n = 0;
    for (const bucket of this.tables.get(resourceKey(type))?.values() ?? []) n += bucket.size;
    return n;
  }

  /** Namespaces that hold objects of any type. */
  namespacedTypesIn(namespace: string): string[] {
    return [...this.tables].filter(([, t]) => (t.get(namespace)?.size ?? 0) > 0).map(([k]) => k);
  }

  /**
   * Stores `object` (the caller has filled in metadata except resourceVersion), stamping the next
   * resourceVersion. Returns the stored object.
   */
  put(type: ResourceType, object: JsonObject): JsonObject {
    const { namespace, name } = identityOf(object);
    const key = resourceKey(type);
    const table = this.table(key);
    let bucket = table.get(namespace);
    if (bucket === undefined) {
      bucket = new Map();
      table.set(namespace, bucket);
    }
    const previous = bucket.get(name);
    const existed = previous !== undefined;
    this.revision++;
    const stored: JsonObject = {
      ...object,
      metadata: { ...metaOf(object), resourceVersion: String(this.revision) },
    };
    bucket.set(name, stored);
    if (!existed) this.sortedNames.delete(`${key}\u0000${namespace}`);
    this.record(
      previous === undefined
        ? { resourceVersion: this.revision, type: 'ADDED', resource: key, namespace, object: stored }
        : {
            resourceVersion: this.revision,
            type: 'MODIFIED',
            resource: key,
            namespace,
            object: stored,
            previous,
          },
    );
    return stored;
  }

  /** Removes an object; the DELETED event carries the object with a fresh resourceVersion. */
  remove(type: ResourceType, namespace: string, name: string): JsonObject | undefined {
    const key = resourceKey(type);
    const bucket = this.tables.get(key)?.get(namespace);
    const object = bucket?.get(name);
    if (bucket === undefined || object === undefined) return undefined;
    bucket.delete(name);
    this.sortedNames.delete(`${key}\u0000${namespace}`);
    this.revision++;
    const gone: JsonObject = {
      ...object,
      metadata: { ...metaOf(object), resourceVersion: String(this.revision) },
    };
    this.record({ resourceVersion: this.revision, type: 'DELETED', resource: key, namespace, object: gone });
    return gone;
  }

  private record(event: ChangeEvent): void {
    this.history.push(event);
    const retained = this.history.length - this.historyHead;
    if (retained > this.historyLimit) {
      const dropped = this.history[this.historyHead];
      this.historyHead++;
      if (dropped !== undefined) this.compactedBelow = dropped.resourceVersion;
      // Compact the backing array now and then so trimming stays O(1) amortised.
      if (this.historyHead > 1024 && this.historyHead * 2 > this.history.length) {
        this.history = this.history.slice(this.historyHead);
        this.historyHead = 0;
      }
    }
    for (const listener of this.listeners) listener(event);
  }

  /** The changes of one resource after `fromVersion`, or `expired` when history no longer reaches back. */
  changesAfter(resource: string, fromVersion: number): HistoryRead {
    if (fromVersion < this.compactedBelow)
      return { kind: 'expired', oldestAvailable: this.compactedBelow + 1 };
    const events: ChangeEvent[] = [];
    // History is ordered by resourceVersion: binary-search the first event after fromVersion.
    let lo = this.historyHead;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.history[mid];
      if (e !== undefined && e.resourceVersion <= fromVersion) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.history.length; i++) {
      const e = this.history[i];
      if (e !== undefined && e.resource === resource) events.push(e);
    }
    return { kind: 'events', events };
  }

  /** Calls `listener` for every change from now on; returns the unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Drops the whole watch history, as an etcd compaction would, and advances the revision so that
   * every resourceVersion a client holds is now too old: its next watch gets 410 and it must relist.
   */
  expireHistory(): void {
    this.revision++;
    this.compactedBelow = this.revision;
    this.history = [];
    this.historyHead = 0;
  }
}
