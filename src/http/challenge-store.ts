import type { ChallengeFetches } from '../ports/challenge-fetches.js';
import type { ChallengeStore } from '../ports/challenge-store.js';

interface Served {
  readonly keyAuthorization: string;
  fetched: boolean;
  /** Callers of whenFetched() waiting for the first answer; dropped with the entry. */
  readonly waiters: (() => void)[];
}

/**
 * The in-process challenge store. Several tokens per host are kept apart (two orders for one host
 * can be pending at once; kube-lego 0.1.7 kept only the latest), and entries are removed per token.
 * It also remembers whether each token was fetched, so an order is polled as soon as the CA has
 * everything it asked for.
 */
export class MemoryChallengeStore implements ChallengeStore, ChallengeFetches {
  readonly #byHost = new Map<string, Map<string, Served>>();

  add(host: string, token: string, keyAuthorization: string): void {
    const name = host.toLowerCase();
    const tokens = this.#byHost.get(name) ?? new Map<string, Served>();
    const waiters = tokens.get(token)?.waiters ?? [];
    tokens.set(token, { keyAuthorization, fetched: false, waiters });
    this.#byHost.set(name, tokens);
  }

  remove(host: string, token: string): void {
    const name = host.toLowerCase();
    const tokens = this.#byHost.get(name);
    if (tokens === undefined) return;
    tokens.delete(token);
    if (tokens.size === 0) this.#byHost.delete(name);
  }

  lookup(host: string, token: string): string | undefined {
    return this.#byHost.get(host.toLowerCase())?.get(token)?.keyAuthorization;
  }

  markFetched(host: string, token: string): void {
    const served = this.#byHost.get(host.toLowerCase())?.get(token);
    if (served === undefined || served.fetched) return;
    served.fetched = true;
    for (const wake of served.waiters.splice(0)) wake();
  }

  whenFetched(host: string, token: string): Promise<void> {
    const served = this.#byHost.get(host.toLowerCase())?.get(token);
    if (served?.fetched === true) return Promise.resolve();
    return new Promise<void>((resolve) => {
      served?.waiters.push(resolve);
    });
  }

  /** Whether `token` is served on any host. */
  hasToken(token: string): boolean {
    for (const tokens of this.#byHost.values()) if (tokens.has(token)) return true;
    return false;
  }

  /** How many tokens are being served (a leak shows up here). */
  get size(): number {
    let count = 0;
    for (const tokens of this.#byHost.values()) count += tokens.size;
    return count;
  }
}
