/** Minimal metadata every watched object carries. */
export interface WatchedObject {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
  };
}

export interface ListResult<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

/** A change seen on a watch stream, already decoded. `gone` means the resourceVersion expired (410). */
export type WatchChange<T> =
  | { readonly type: 'upsert'; readonly object: T }
  | { readonly type: 'delete'; readonly object: T }
  | { readonly type: 'bookmark'; readonly resourceVersion: string }
  | { readonly type: 'gone' };

/** The list and watch calls of one resource, provided by the Kubernetes adapter. */
export interface ListWatcher<T> {
  list(signal: AbortSignal): Promise<ListResult<T>>;
  /** Resolves when the server ends the stream normally; rejects on any break or silence. */
  watch(
    resourceVersion: string,
    onChange: (change: WatchChange<T>) => void,
    signal: AbortSignal,
  ): Promise<void>;
}
