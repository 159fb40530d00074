import type { ChallengeSolver } from '../../acme/challenge-solver.js';
import type { AcmeAuthorization, AcmeChallenge } from '../../acme/resources.js';
import { abortableSleep } from '../../runtime/abortable-sleep.js';
import type { ChallengeFetches } from '../../ports/challenge-fetches.js';
import type { RouteTarget } from '../../ports/issuer.js';
import type { Log } from '../../ports/log.js';
import type { RoutedHost } from './nginx-routing.js';
import { selfCheck, type SelfCheckOptions } from './self-check.js';

/** Where key authorizations are served from (the challenge HTTP server's store), and when the CA fetched them. */
export interface ChallengeTokens extends ChallengeFetches {
  add(host: string, token: string, keyAuthorization: string): void;
  remove(host: string, token: string): void;
  /** A store shared between replicas: resolves once the tokens added so far can be answered by every replica. */
  publish?(): Promise<void>;
}

/** Routes `/.well-known/acme-challenge` of the pending hosts to this process (nginx provider, ...). */
export interface ChallengeRouter {
  sync(hosts: readonly RoutedHost[]): Promise<void>;
}

export type SelfCheckMode =
  | { readonly kind: 'check'; readonly options: SelfCheckOptions }
  /** `LEGO_SELF_CHECK=false`: wait `delayMs` instead, for clusters without hairpin NAT. */
  | { readonly kind: 'wait'; readonly delayMs: number };

/**
 * Shares the challenge routing of all concurrent orders: hosts are reference-counted so the nginx
 * challenge Ingress always holds the union of hosts with a pending challenge, and routing updates run
 * one at a time so two orders never write the same objects concurrently.
 */
export class Http01Solvers {
  readonly #tokens: ChallengeTokens;
  readonly #routers: ReadonlyMap<string, ChallengeRouter>;
  readonly #selfCheck: SelfCheckMode;
  readonly #log: Log;
  readonly #pending = new Map<string, { count: number; route: RoutedHost; readonly provider: string }>();
  #chain: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  constructor(options: {
    readonly tokens: ChallengeTokens;
    /** Routers by provider name; a provider without one (gce until wired) routes nothing. */
    readonly routers: ReadonlyMap<string, ChallengeRouter>;
    readonly selfCheck: SelfCheckMode;
    readonly log: Log;
  }) {
    this.#tokens = options.tokens;
    this.#routers = options.routers;
    this.#selfCheck = options.selfCheck;
    this.#log = options.log;
  }

  /** A solver for the certificate of one `spec.tls[]` entry. */
  solverFor(target: RouteTarget, signal?: AbortSignal): ChallengeSolver {
    return {
      type: 'http-01',
      present: async (authz: AcmeAuthorization, challenge: AcmeChallenge, keyAuthorization: string) => {
        const host = authz.identifier.value;
        this.#tokens.add(host, challenge.token ?? '', keyAuthorization);
        this.#acquire(host, target);
        await Promise.all([this.#tokens.publish?.(), this.#syncRoutes()]);
        const log = this.#log.with({ context: 'acme', domain: host });
        if (this.#selfCheck.kind === 'check') {
          await selfCheck(
            { host, token: challenge.token ?? '', keyAuthorization },
            {
              ...this.#selfCheck.options,
              onTry: (_host, url) => {
                log.debug(`testing reachability of ${url}`);
              },
            },
            signal,
          );
          // The self-check's own fetch is not the CA's: serve the token afresh so `fetched` waits for the CA.
          this.#tokens.add(host, challenge.token ?? '', keyAuthorization);
        } else {
          await abortableSleep(this.#selfCheck.delayMs, signal);
        }
      },
      fetched: (authz: AcmeAuthorization, challenge: AcmeChallenge) =>
        this.#tokens.whenFetched(authz.identifier.value, challenge.token ?? ''),
      cleanup: async (authz: AcmeAuthorization, challenge: AcmeChallenge) => {
        const host = authz.identifier.value;
        this.#tokens.remove(host, challenge.token ?? '');
        const provider = this.#release(host);
        // A host still claimed by another order keeps its route. While other hosts of the provider are
        // pending, a finished host's route is dropped by the next routing update (a present, or the last
        // cleanup): a stale route only sends that host's challenge path to this process, and a burst of
        // N orders writes about N routing updates instead of 2N, each one holding every pending host.
        if (provider === undefined || this.#hasPending(provider)) return;
        await this.#syncRoutes();
      },
    };
  }

  #acquire(host: string, target: RouteTarget): void {
    const entry = this.#pending.get(host);
    if (entry !== undefined) {
      entry.count += 1;
      entry.route = {
        ...entry.route,
        ingresses: [...new Set([...entry.route.ingresses, ...target.ingresses])],
      };
      return;
    }
    this.#pending.set(host, {
      count: 1,
      provider: target.provider,
      route: {
        host,
        ingressClass: target.ingressClass,
        classSource: target.classSource,
        ingresses: target.ingresses,
        ...(target.gatewayChallenge === undefined ? {} : { challenge: target.gatewayChallenge }),
      },
    });
  }

  /** Drops one claim on the host; returns its provider when that was the last claim (its route may go). */
  #release(host: string): string | undefined {
    const entry = this.#pending.get(host);
    if (entry === undefined) return undefined;
    entry.count -= 1;
    if (entry.count > 0) return undefined;
    this.#pending.delete(host);
    return entry.provider;
  }

  #hasPending(provider: string): boolean {
    for (const entry of this.#pending.values()) if (entry.provider === provider) return true;
    return false;
  }

  /** Queues a sync of every router with the current pending hosts; resolves when that sync is done. */
  #syncRoutes(): Promise<void> {
    // A sync that has not started yet reads the pending hosts when it runs, so later callers join it:
    // several challenges presented together cost one round of writes.
    if (this.#queued !== undefined) return this.#queued;
    const run = async (): Promise<void> => {
      this.#queued = undefined;
      for (const [provider, router] of this.#routers) {
        const hosts = [...this.#pending.values()].filter((p) => p.provider === provider).map((p) => p.route);
        await router.sync(hosts);
      }
    };
    const next = this.#chain.then(run, run);
    this.#queued = next;
    // Keep the chain alive after a failure; the caller still sees its own failure.
    this.#chain = next.catch(() => undefined);
    return next;
  }
}
