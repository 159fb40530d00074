import type { IngressView } from './types.js';

/**
 * Whether a change of one Ingress (`undefined`: absent before, or deleted) can change the desired state.
 * An Ingress without the opt-in annotation, before and after, is only ever "ignored as has no annotation",
 * so the whole desired state need not be recomputed for it. That matters: kube-lego's own challenge
 * Ingress changes with every order, and recomputing the desired state of every Ingress each time made a
 * burst of N orders cost N x (all Ingresses) in CPU and garbage. The debug line for such an Ingress is
 * logged with the next recomputation instead.
 */
export function affectsDesired(
  previous: IngressView | undefined,
  current: IngressView | undefined,
  annotationKey: string,
): boolean {
  return (
    previous?.annotations[annotationKey] !== undefined || current?.annotations[annotationKey] !== undefined
  );
}
