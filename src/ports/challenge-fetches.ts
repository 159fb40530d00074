/**
 * Tells when the CA has fetched an http-01 token from this process. The controller serves the tokens
 * itself, so the moment its HTTP server answered the last token of an order is the earliest moment the
 * order can have left `pending`: polling right after it replaces a fixed sleep.
 */
export interface ChallengeFetches {
  /**
   * Resolves once `token` has been served on `host` since it was added (at once when it already was).
   * Never settles for a token that is not served or is removed first: callers race it with their own timer.
   */
  whenFetched(host: string, token: string): Promise<void>;
}
