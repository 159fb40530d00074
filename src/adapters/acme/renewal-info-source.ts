import type { RenewalWindows, SuggestedWindow } from '../../ports/renewal-windows.js';
import type { AccountService } from './account-service.js';

/** Fetches ARI renewal windows through the account's ACME client; `undefined` when the CA has no ARI. */
export class RenewalInfoSource implements RenewalWindows {
  readonly #accounts: AccountService;

  constructor(accounts: AccountService) {
    this.#accounts = accounts;
  }

  /** Whether the CA's directory offers `renewalInfo`. */
  async offered(): Promise<boolean> {
    const client = await this.#accounts.client();
    const directory = await client.directory();
    return directory.renewalInfo !== undefined;
  }

  /** The suggested window for the leaf of `certPem`, or undefined when the CA offers no ARI. */
  async window(certPem: string): Promise<SuggestedWindow | undefined> {
    if (!(await this.offered())) return undefined;
    const client = await this.#accounts.client();
    const info = await client.renewalInfo(certPem);
    return {
      startMs: info.window.startMs,
      endMs: info.window.endMs,
      ...(info.explanationUrl === undefined ? {} : { explanationUrl: info.explanationUrl }),
      ...(info.retryAfterMs === undefined ? {} : { retryAfterMs: info.retryAfterMs }),
    };
  }
}
