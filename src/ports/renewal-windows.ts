/** A renewal window suggested by the CA (RFC 9773), with the CA's advice on when to ask again. */
export interface SuggestedWindow {
  readonly startMs: number;
  readonly endMs: number;
  /** The CA's page explaining the window (an early window often means a revocation is coming). */
  readonly explanationUrl?: string;
  readonly retryAfterMs?: number;
}

/** ARI windows (RenewalInfoSource); `undefined` when the CA offers none for the certificate. */
export interface RenewalWindows {
  window(certPem: string): Promise<SuggestedWindow | undefined>;
}
