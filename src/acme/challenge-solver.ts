import type { RouteTarget } from '../ports/issuer.js';
import type { AcmeAuthorization, AcmeChallenge } from './resources.js';

/**
 * Proves control of identifiers for one challenge type; `obtainCertificate` always calls `cleanup` after
 * `present`. One solver per challenge type, chosen per authorization (see `SolverChoice`), as cert-manager
 * keeps its http-01 and dns-01 solvers apart and asks one per challenge.
 */
export interface ChallengeSolver {
  readonly type: 'http-01' | 'dns-01';
  /** Make the challenge answerable: serve the key authorization (http-01) or publish its TXT digest (dns-01). */
  present(authz: AcmeAuthorization, challenge: AcmeChallenge, keyAuthorization: string): Promise<void>;
  /**
   * Resolves once what `present` published can be seen by the CA (every authoritative nameserver answers the
   * TXT record); the challenge is answered only after it. Solvers whose `present` already waits leave it out.
   */
  ready?(authz: AcmeAuthorization, challenge: AcmeChallenge, keyAuthorization: string): Promise<void>;
  /** Undo `present`. Failures are reported through `onCleanupError`, never thrown over the issuance result. */
  cleanup(authz: AcmeAuthorization, challenge: AcmeChallenge, keyAuthorization: string): Promise<void>;
  /**
   * Resolves once the CA has fetched the challenge's response from us (an http-01 token served by this
   * process). When every presented challenge has, the order is polled a few ms later instead of after the
   * validation delay. Solvers that cannot tell leave it out.
   */
  fetched?(authz: AcmeAuthorization, challenge: AcmeChallenge): Promise<void>;
}

/** The solver for one authorization: the issuer asks per authorization, never one type for a whole order. */
export type SolverChoice = (authz: AcmeAuthorization) => ChallengeSolver;

/** Makes the solver of one challenge type for the certificate of one `spec.tls[]` entry (one order). */
export interface SolverSource {
  solverFor(target: RouteTarget, signal?: AbortSignal): ChallengeSolver;
}
