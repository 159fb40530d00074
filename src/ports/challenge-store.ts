/**
 * Where HTTP-01 key authorizations live while an authorization is pending. The solver adds a token
 * when it presents a challenge and removes it once the authorization is settled (valid, invalid or
 * abandoned), so nothing accumulates. Calls are synchronous and lookup() sits on the request path: a
 * store shared between replicas (the HA milestone) keeps a local replica fed by a watch and writes
 * through in the background.
 */
export interface ChallengeStore {
  /** Serves `keyAuthorization` for `token` on `host` (case-insensitive host). */
  add(host: string, token: string, keyAuthorization: string): void;
  /** Stops serving `token` on `host`; removing an unknown token does nothing. */
  remove(host: string, token: string): void;
  /** The key authorization for exactly this host and token, if any. */
  lookup(host: string, token: string): string | undefined;
  /** Records that the key authorization of `token` on `host` was answered (the HTTP server, after sending it). */
  markFetched(host: string, token: string): void;
}
