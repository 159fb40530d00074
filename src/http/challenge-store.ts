import type { ChallengeStore } from '../ports/challenge-store.js';

/**
 * The in-process challenge store. Several tokens per host are kept apart (two orders for one host
 * can be pending at once; kube-lego 0.1.7 kept only the latest), and entries are removed per token.
 */
export class MemoryChallengeStore implements ChallengeStore {
  readonly #byHost = new Map<string, Map<string, string>>();

  add(host: string, token: string, keyAuthorization: string): void {
    const name = host.toLowerCase();
    const tokens = this.#byHost.get(name) ?? new Map<string, string>();
    tokens.set(token, keyAuthorization);
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
    return this.#byHost.get(host.toLowerCase())?.get(token);
  }

  /** How many tokens are being served (a leak shows up here). */
  get size(): number {
    let count = 0;
    for (const tokens of this.#byHost.values()) count += tokens.size;
    return count;
  }
}
