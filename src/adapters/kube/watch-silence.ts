/** How long a healthy watch may stay silent, and so when a silent one is treated as broken. */
export interface WatchSilenceOptions {
  /**
   * The `timeoutSeconds` the watch asks for: a healthy server ends the stream then, so silence beyond it
   * (plus `endMarginMs`) is never healthy, whatever the bookmarks do. The limit before any bookmark is seen.
   */
  readonly watchTimeoutSeconds: number;
  /** Slack on the server's end of the stream, for clocks and a busy server. Default 10 s. */
  readonly endMarginMs?: number;
  /** Bookmark intervals that may pass without one before the stream counts as silent. Default 3. */
  readonly missedBookmarks?: number;
  /** The limit never drops below this, so an event-loop stall is not a partition. Default 5 s. */
  readonly minimumMs?: number;
}

/**
 * Learns the bookmark interval a server keeps from the gaps it actually shows (the real API server sends
 * one about every minute and one 2 s before `timeoutSeconds`; the sandbox every few seconds) and allows
 * `missedBookmarks` of them to go missing. Times come in as arguments; it never reads the clock.
 */
export class WatchSilence {
  readonly #ceilingMs: number;
  readonly #missedBookmarks: number;
  readonly #minimumMs: number;
  #lastHeardMs: number | undefined;
  #intervalMs: number | undefined;

  constructor(options: WatchSilenceOptions) {
    this.#ceilingMs = options.watchTimeoutSeconds * 1000 + (options.endMarginMs ?? 10_000);
    this.#missedBookmarks = options.missedBookmarks ?? 3;
    this.#minimumMs = Math.min(options.minimumMs ?? 5_000, this.#ceilingMs);
  }

  /** A stream opened: bookmark gaps are measured from here. */
  opened(nowMs: number): void {
    this.#lastHeardMs = nowMs;
  }

  /** A bookmark arrived. The longest gap seen is kept: a shorter one must not make a slow server look dead. */
  bookmark(nowMs: number): void {
    if (this.#lastHeardMs !== undefined) {
      const gapMs = nowMs - this.#lastHeardMs;
      this.#intervalMs = Math.max(this.#intervalMs ?? 0, gapMs);
    }
    this.#lastHeardMs = nowMs;
  }

  /** The bookmark interval the server has shown, if any. */
  get intervalMs(): number | undefined {
    return this.#intervalMs;
  }

  /** How long the stream may now stay silent before it is ended as broken. */
  limitMs(): number {
    if (this.#intervalMs === undefined) return this.#ceilingMs;
    const limit = this.#intervalMs * this.#missedBookmarks;
    return Math.min(this.#ceilingMs, Math.max(this.#minimumMs, limit));
  }
}
