/**
 * Watch streams: newline-delimited `{type, object}` JSON over a chunked response, replaying history from
 * a resourceVersion, then following live changes, with bookmarks, selector transitions, 410 Expired as
 * an ERROR event, `timeoutSeconds`, and clean termination.
 */
import type { ServerResponse } from 'node:http';
import { expired } from './api-error.js';
import type { JsonObject } from './json.js';
import type { ChangeEvent, ObjectStore } from './object-store.js';
import { resourceKey, type ResourceType } from './resource-registry.js';

/** What to watch and how. */
export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace: string;
  /** The user who watches (a partition cuts off one client). */
  readonly client: string;
  /** `''`/`'0'`: start with the current state as ADDED events; otherwise replay changes after it. */
  readonly resourceVersion: string;
  readonly matches: (object: JsonObject) => boolean;
  readonly allowBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  readonly timeoutSeconds: number | undefined;
  readonly bookmarkIntervalMs: number;
  /** How long after a change its event (and each bookmark) goes out, in ms; 0 sends at once. */
  readonly latencyMs: number;
  /** The JSON text of an event's object (with apiVersion and kind, or a Table row). */
  readonly render: (object: JsonObject) => string;
  /** The JSON text of a BOOKMARK event's object. */
  readonly renderBookmark: (resourceVersion: string, initialEventsEnd: boolean) => string;
}

/** The open watches of a server, so faults and shutdown can end them. */
export class WatchHub {
  private readonly open = new Map<() => void, { readonly client: string; readonly silence: () => void }>();

  /** Ends every open watch. */
  closeAll(): void {
    for (const end of [...this.open.keys()]) end();
  }

  /** Silences the open watches of the clients `cut` selects for good: no event, no bookmark, no end. */
  silence(cut: (client: string) => boolean): void {
    for (const watch of this.open.values()) if (cut(watch.client)) watch.silence();
  }

  /** Number of open watches. */
  get size(): number {
    return this.open.size;
  }

  /** Serves one watch on `res` until the client leaves, the timeout fires or the hub closes it. */
  serve(store: ObjectStore, request: WatchRequest, res: ServerResponse): void {
    const key = resourceKey(request.type);
    const inScope = (e: ChangeEvent): boolean =>
      e.resource === key && (request.namespace === '' || e.namespace === request.namespace);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    let silenced = false;
    let ended = false;
    const send = (type: string, objectJson: string): void => {
      if (silenced || ended) return;
      res.write(`{"type":"${type}","object":${objectJson}}\n`);
    };
    // Live events and bookmarks leave in order, each `latencyMs` after it happened (rendered at once).
    const lagging = new Set<NodeJS.Timeout>();
    const sendLive = (type: string, objectJson: string): void => {
      if (request.latencyMs <= 0) {
        send(type, objectJson);
        return;
      }
      const timer = setTimeout(() => {
        lagging.delete(timer);
        send(type, objectJson);
      }, request.latencyMs);
      lagging.add(timer);
    };

    const timers: NodeJS.Timeout[] = [];
    let unsubscribe: () => void = () => undefined;
    const end = (): void => {
      if (ended) return;
      ended = true;
      unsubscribe();
      for (const t of [...timers, ...lagging]) clearTimeout(t);
      this.open.delete(end);
      res.end();
    };
    this.open.set(end, {
      client: request.client,
      silence: () => {
        silenced = true;
        unsubscribe();
        for (const t of [...timers, ...lagging]) clearTimeout(t);
      },
    });
    res.on('close', end);

    const deliver = (e: ChangeEvent, emit: typeof send): void => {
      const now = request.matches(e.object);
      if (e.type === 'MODIFIED' && e.previous !== undefined) {
        const before = request.matches(e.previous);
        if (before && now) emit('MODIFIED', request.render(e.object));
        else if (before) emit('DELETED', request.render(e.object));
        else if (now) emit('ADDED', request.render(e.object));
        return;
      }
      if (now) emit(e.type, request.render(e.object));
    };

    const rv = request.resourceVersion;
    if (rv === '' || rv === '0') {
      // Subscribing and snapshotting happen in one synchronous step, so no change falls between them.
      for (const object of store.list(
        request.type,
        request.namespace === '' ? undefined : request.namespace,
      )) {
        if (request.matches(object)) send('ADDED', request.render(object));
      }
      if (request.sendInitialEvents && request.allowBookmarks) {
        send('BOOKMARK', request.renderBookmark(String(store.resourceVersion), true));
      }
    } else {
      const from = Number(rv);
      if (!Number.isInteger(from) || from < 0) {
        send('ERROR', JSON.stringify(expired(`invalid resource version "${rv}"`).toStatus()));
        end();
        return;
      }
      const history = store.changesAfter(key, from);
      if (history.kind === 'expired') {
        send(
          'ERROR',
          JSON.stringify(
            expired(`too old resource version: ${from} (${history.oldestAvailable})`).toStatus(),
          ),
        );
        end();
        return;
      }
      for (const e of history.events) if (inScope(e)) deliver(e, send);
    }
    unsubscribe = store.subscribe((e) => {
      if (inScope(e)) deliver(e, sendLive);
    });

    if (request.allowBookmarks) {
      const tick = (): void => {
        sendLive('BOOKMARK', request.renderBookmark(String(store.resourceVersion), false));
        timers[0] = setTimeout(tick, request.bookmarkIntervalMs);
      };
      timers[0] = setTimeout(tick, request.bookmarkIntervalMs);
    }
    if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0) {
      timers[1] = setTimeout(end, request.timeoutSeconds * 1000);
    }
  }
}
