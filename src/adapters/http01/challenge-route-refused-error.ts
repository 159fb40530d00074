import { KubeLegoError, type Reaction } from '../../domain/kube-lego-error.js';

/**
 * The Gateway implementation refused the challenge HTTPRoute (status.parents: Accepted or ResolvedRefs
 * False): the CA could not reach the token, so the order stops here with the implementation's reason
 * instead of waiting for the CA's validation to fail.
 */
export class ChallengeRouteRefusedError extends KubeLegoError {
  override readonly name = 'ChallengeRouteRefusedError';
  readonly code = 'challengeRouteRefused';

  /** The Gateway's listeners (allowedRoutes, hostnames) or the grant must change: the failure backoff applies. */
  override get reaction(): Reaction {
    return { kind: 'backOff', reason: 'ChallengeFailed' };
  }
}
