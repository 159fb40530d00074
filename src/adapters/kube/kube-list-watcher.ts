import type { ListResult, ListWatcher, WatchChange, WatchedObject } from '../../ports/list-watcher.js';
import type { KubeClient } from './kube-client.js';
import { KubeApiError } from './kube-errors.js';
import { collectionPath, type ResourceKind } from './resources.js';
import { WatchSilence } from './watch-silence.js';

export interface KubeListWatcherOptions<T extends WatchedObject = WatchedObject> {
  readonly resource: ResourceKind;
  /** Empty or undefined: all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  /**
   * Server-side watch timeout, default 30 s: the server ends each stream then (after a bookmark 2 s
   * before), so a stream silent for longer, plus a margin, is broken even before a bookmark interval is
   * known. Each end costs one cheap re-watch from the last resourceVersion.
   */
  readonly watchTimeoutSeconds?: number;
  /** Bookmark intervals a stream may miss before it is ended as silent (default 3). */
  readonly missedBookmarks?: number;
  /** The shortest silence that ends a stream (default 5 s). */
  readonly minimumSilenceMs?: number;
  /** Injected for tests; defaults to performance.now. */
  readonly nowMs?: () => number;
  /**
   * What of each object the cache keeps, applied as each list page and watch event is decoded, so the
   * whole object is garbage at once (default: the object as served).
   */
  readonly project?: (object: T) => T;
}

interface ListBody<T> {
  readonly items?: T[];
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
}

interface StatusObject {
  readonly kind?: string;
  readonly code?: number;
  readonly message?: string;
}

/**
 * Objects per list page. Each page is one response body decoded at once (the text, then the whole parsed
 * tree, `managedFields` included, before the cache's projection drops what it does not keep). At 500
 * Secrets a page outlived V8's young generation (8 MiB semi-spaces, as the image runs) and its garbage
 * was promoted to the old generation: at 10,000 Ingresses pages of 100 measured a peak RSS 25 to 30 MiB
 * lower for the same CPU, for 100 list requests per 10,000 objects instead of 20 (docs/benchmarks.md,
 * "Issue 19 continued: memory at 10,000").
 */
const LIST_PAGE_SIZE = '100';

/** Lists (paged) and watches one resource through the KubeClient, decoding watch lines into changes. */
export function kubeListWatcher<T extends WatchedObject>(
  client: KubeClient,
  options: KubeListWatcherOptions<T>,
): ListWatcher<T> {
  const path = collectionPath(options.resource, options.namespace);
  const watchTimeoutSeconds = options.watchTimeoutSeconds ?? 30;
  const nowMs = options.nowMs ?? (() => performance.now());
  const project = options.project ?? ((object: T): T => object);
  // One per list-watcher, so the bookmark interval learnt on one stream carries over to the next.
  const silence = new WatchSilence({
    watchTimeoutSeconds,
    ...(options.missedBookmarks === undefined ? {} : { missedBookmarks: options.missedBookmarks }),
    ...(options.minimumSilenceMs === undefined ? {} : { minimumMs: options.minimumSilenceMs }),
  });
  return {
    async list(signal: AbortSignal): Promise<ListResult<T>> {
      const items: T[] = [];
      let continueToken: string | undefined;
      let resourceVersion = '';
      do {
        const body = (await client.request({
          method: 'GET',
          path,
          query: { labelSelector: options.labelSelector, limit: LIST_PAGE_SIZE, continue: continueToken },
          signal,
        })) as ListBody<T>;
        for (const item of body.items ?? []) items.push(project(item));
        resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
        continueToken = body.metadata?.continue === '' ? undefined : body.metadata?.continue;
      } while (continueToken !== undefined);
      return { items, resourceVersion };
    },
    watch(resourceVersion, onChange: (change: WatchChange<T>) => void, signal): Promise<void> {
      return client.watch(
        {
          method: 'GET',
          path,
          query: {
            watch: 'true',
            resourceVersion,
            allowWatchBookmarks: 'true',
            timeoutSeconds: String(watchTimeoutSeconds),
            labelSelector: options.labelSelector,
          },
          signal,
          silenceLimitMs: () => silence.limitMs(),
          onOpen: () => {
            silence.opened(nowMs());
          },
        },
        (event) => {
          switch (event.type) {
            case 'ADDED':
            case 'MODIFIED':
              onChange({ type: 'upsert', object: project(event.object as T) });
              return;
            case 'DELETED':
              onChange({ type: 'delete', object: project(event.object as T) });
              return;
            case 'BOOKMARK': {
              silence.bookmark(nowMs());
              const rv = (event.object as WatchedObject).metadata?.resourceVersion;
              if (rv !== undefined) onChange({ type: 'bookmark', resourceVersion: rv });
              return;
            }
            case 'ERROR': {
              const status = event.object as StatusObject;
              if (status.code === 410) {
                onChange({ type: 'gone' });
                return;
              }
              throw new KubeApiError({
                code: 'serverError',
                message: `Watch of ${path} returned an error event: ${status.message ?? 'no message'}`,
                request: { method: 'GET', path },
                ...(status.code === undefined ? {} : { status: status.code }),
              });
            }
          }
        },
      );
    },
  };
}
