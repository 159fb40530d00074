import type { IgnoredIngress } from './desired.js';
import type { SourceRef } from './types.js';

/**
 * Why a source (Ingress, Gateway or ListenerSet) is not opted in with the annotation
 * `LEGO_KUBE_ANNOTATION: "true"`, with kube-lego's log line; `undefined` when it is.
 */
export function notOptedIn(
  annotations: Readonly<Record<string, string>>,
  annotationKey: string,
  ref: SourceRef,
): IgnoredIngress | undefined {
  const optIn = annotations[annotationKey];
  if (optIn === undefined) {
    return {
      ingress: ref,
      reason: 'NoAnnotation',
      message: `ignoring as has no annotation '${annotationKey}'`,
    };
  }
  if (optIn.toLowerCase() !== 'true') {
    return {
      ingress: ref,
      reason: 'AnnotationNotTrue',
      message: `ignoring as annotation '${annotationKey}' is not true`,
    };
  }
  return undefined;
}
