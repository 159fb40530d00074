/** Fault injection for reliability tests: failing, delaying and cutting requests on purpose. */

/** Fail the next `count` requests matching a route. */
export interface FailureRule {
  readonly method?: string;
  /** A regular expression (or a string compiled to one) matched against the request path. */
  readonly pathPattern: RegExp | string;
  /** Only watches (`?watch=true`) when true, only other requests when false; undefined: both. */
  readonly watch?: boolean;
  readonly count: number;
  /**
   * The status to answer with, or `'reset'`: the connection is destroyed without an answer, as a
   * crashing server or a load balancer dropping the connection would (the client sees ECONNRESET);
   * `'reset-after'`: the request is served (a write is applied) and the connection destroyed instead of
   * answering, so the client cannot know whether its write happened.
   */
  readonly status: number | 'reset' | 'reset-after';
  readonly retryAfterSeconds?: number;
  /** A body to send instead of the default Status object. */
  readonly body?: unknown;
}

/** Delay every response matching a route. */
export interface DelayRule {
  readonly pathPattern: RegExp | string;
  readonly ms: number;
  readonly method?: string;
}

/** The fault controls a Sandbox exposes. */
export interface FaultInjector {
  /** Answers the next `count` matching requests with `status`. */
  failNext(rule: FailureRule): void;
  /** Delays every matching response by `ms` until `clearDelays()`. */
  delay(rule: DelayRule): void;
  /** Removes every delay. */
  clearDelays(): void;
  /** Ends every open watch stream cleanly, as an API server restart or load balancer would. */
  closeWatches(): void;
  /** Drops the watch history, so watches from any earlier resourceVersion get 410 Expired. */
  expireHistory(): void;
  /**
   * A silent network partition between the API and `rule.user`'s client (every client without a user):
   * open watches stop sending anything, bookmarks included, and new requests are accepted but never
   * answered; nothing is closed. Until `heal()`, only the client's own timeouts end them.
   */
  partition(rule?: PartitionRule): void;
  /**
   * Ends the partition: requests that arrive from now on are served. What was cut stays cut (a watch
   * silenced by the partition never sends again, a held request is never answered), as a connection
   * whose state a load balancer or NAT dropped: the client has to notice and reconnect.
   */
  heal(): void;
}

/** Who a partition cuts off. */
export interface PartitionRule {
  /** The sandbox user name (the `users` option, or "admin"); undefined: every client. */
  readonly user?: string;
}

interface PendingFailure {
  readonly method: string | undefined;
  readonly pattern: RegExp;
  readonly watch: boolean | undefined;
  remaining: number;
  readonly failure: InjectedFailure;
}

function compile(pattern: RegExp | string): RegExp {
  return typeof pattern === 'string' ? new RegExp(pattern) : pattern;
}

/** The failure to inject for a request, if any. */
export type InjectedFailure =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly retryAfterSeconds: number | undefined;
      readonly body: unknown;
    }
  | { readonly kind: 'reset' }
  | { readonly kind: 'reset-after' };

/** Keeps the injected faults; the server consults it on every request. */
export class FaultTable {
  private readonly failures: PendingFailure[] = [];
  private readonly delays: { method: string | undefined; pattern: RegExp; ms: number }[] = [];

  /** Queues a failure rule. */
  addFailure(rule: FailureRule): void {
    if (!Number.isInteger(rule.count) || rule.count < 1) {
      throw new RangeError(
        `Cannot inject failures with count ${rule.count}: count must be a positive integer`,
      );
    }
    this.failures.push({
      method: rule.method?.toUpperCase(),
      pattern: compile(rule.pathPattern),
      watch: rule.watch,
      remaining: rule.count,
      failure:
        rule.status === 'reset' || rule.status === 'reset-after'
          ? { kind: rule.status }
          : {
              kind: 'status',
              status: rule.status,
              retryAfterSeconds: rule.retryAfterSeconds,
              body: rule.body,
            },
    });
  }

  /** Adds a delay rule. */
  addDelay(rule: DelayRule): void {
    this.delays.push({ method: rule.method?.toUpperCase(), pattern: compile(rule.pathPattern), ms: rule.ms });
  }

  /** Removes every delay rule. */
  clearDelays(): void {
    this.delays.length = 0;
  }

  #partition: PartitionRule | undefined;

  /** Starts a partition (replacing the current one). */
  partition(rule: PartitionRule): void {
    this.#partition = rule;
  }

  /** Ends the partition. */
  heal(): void {
    this.#partition = undefined;
  }

  /** True while requests of `user` fall into the partition. */
  isPartitioned(user: string): boolean {
    const rule = this.#partition;
    return rule !== undefined && (rule.user === undefined || rule.user === user);
  }

  /** Consumes and returns the failure for this request (`isWatch`: it asks `?watch=true`), if one matches. */
  takeFailure(method: string, path: string, isWatch: boolean): InjectedFailure | undefined {
    const index = this.failures.findIndex(
      (f) =>
        (f.method === undefined || f.method === method) &&
        (f.watch === undefined || f.watch === isWatch) &&
        f.pattern.test(path),
    );
    const pending = this.failures[index];
    if (pending === undefined) return undefined;
    pending.remaining--;
    if (pending.remaining <= 0) this.failures.splice(index, 1);
    return pending.failure;
  }

  /** Total delay for this request, in milliseconds. */
  delayFor(method: string, path: string): number {
    return this.delays
      .filter((d) => (d.method === undefined || d.method === method) && d.pattern.test(path))
      .reduce((sum, d) => sum + d.ms, 0);
  }
}
