import type { ListResult, ListWatcher, WatchChange, WatchedObject } from '../../ports/list-watcher.js';
import type { KubeClient } from './kube-client.js';
import { KubeApiError } from './kube-errors.js';
import { collectionPath, type ResourceKind } from './resources.js';

export interface KubeListWatcherOptions {
  readonly resource: ResourceKind;
  /** Empty or undefined: all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** Server-side watch timeout; a stream silent for this long plus a margin is treated as broken. */
  readonly watchTimeoutSeconds?: number;
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

/** Lists (paged) and watches one resource through the KubeClient, decoding watch lines into changes. */
export function kubeListWatcher<T extends WatchedObject>(
  client: KubeClient,
  options: KubeListWatcherOptions,
): ListWatcher<T> {
  const path = collectionPath(options.resource, options.namespace);
  const watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
  return {
    async list(signal: AbortSignal): Promise<ListResult<T>> {
      const items: T[] = [];
      let continueToken: string | undefined;
      let resourceVersion = '';
      do {
        const body = (await client.request({
          method: 'GET',
          path,
          query: { labelSelector: options.labelSelector, limit: '500', continue: continueToken },
          signal,
        })) as ListBody<T>;
        items.push(...(body.items ?? []));
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
          idleTimeoutMs: (watchTimeoutSeconds + 30) * 1000,
        },
        (event) => {
          switch (event.type) {
            case 'ADDED':
            case 'MODIFIED':
              onChange({ type: 'upsert', object: event.object as T });
              return;
            case 'DELETED':
              onChange({ type: 'delete', object: event.object as T });
              return;
            case 'BOOKMARK': {
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
