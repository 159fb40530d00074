// Plain data views of the Gateway API objects (gateway.networking.k8s.io, v1.5 standard channel) the core
// reads. As with IngressView, adapters copy only these fields, so the core is tested with literals.

/** The API group of every Gateway API kind. */
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** The group version and kind a GatewayView is read from. */
export const GATEWAY_KIND = { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'Gateway' } as const;

/** The group version and kind a ListenerSetView is read from. */
export const LISTENER_SET_KIND = { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'ListenerSet' } as const;

/** One `tls.certificateRefs[]` entry of a listener (group `""` and kind `Secret` by default). */
export interface CertificateRefView {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
}

/** One listener of a Gateway or a ListenerSet. */
export interface ListenerView {
  readonly name: string;
  readonly hostname?: string;
  readonly port: number;
  /** `HTTP`, `HTTPS`, `TLS`, `TCP`, `UDP` or an implementation's own. */
  readonly protocol: string;
  readonly tls?: {
    /** `Terminate` (the default) or `Passthrough`. */
    readonly mode?: string;
    readonly certificateRefs: readonly CertificateRefView[];
  };
}

/** Which ListenerSets a Gateway accepts (`spec.allowedListeners.namespaces.from`, `None` by default). */
export type AllowedListenersFrom = 'None' | 'Same' | 'All' | 'Selector';

/** The fields of a Gateway the core reads. */
export interface GatewayView {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly listeners: readonly ListenerView[];
  readonly allowedListeners: AllowedListenersFrom;
}

/** The fields of a ListenerSet the core reads. */
export interface ListenerSetView {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** `spec.parentRef`, its namespace defaulted to the ListenerSet's. */
  readonly parentRef: {
    readonly group: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
  };
  readonly listeners: readonly ListenerView[];
}

/** The fields of a ReferenceGrant the core reads. */
export interface ReferenceGrantView {
  readonly namespace: string;
  readonly from: readonly { readonly group: string; readonly kind: string; readonly namespace: string }[];
  readonly to: readonly { readonly group: string; readonly kind: string; readonly name?: string }[];
}

/** The Gateway API objects in the caches; all empty when the cluster does not serve the kinds. */
export interface GatewaySources {
  readonly gateways: readonly GatewayView[];
  readonly listenerSets: readonly ListenerSetView[];
  readonly referenceGrants: readonly ReferenceGrantView[];
}

/** No Gateway API objects (a cluster without the kinds, or a caller that reads only Ingresses). */
export const NO_GATEWAY_SOURCES: GatewaySources = Object.freeze({
  gateways: [],
  listenerSets: [],
  referenceGrants: [],
});

/** A listener an HTTPRoute attaches to (`parentRefs[]` with `sectionName`). */
export interface ChallengeParentRef {
  readonly kind: 'Gateway' | 'ListenerSet';
  readonly namespace: string;
  readonly name: string;
  readonly sectionName: string;
}

/**
 * How the http-01 challenges of a certificate from a Gateway are routed: an HTTPRoute attached to the
 * port-80 HTTP listeners that serve its hosts.
 */
export interface GatewayChallengeTarget {
  readonly gateway: { readonly namespace: string; readonly name: string };
  /** Sorted by kind, namespace, name and section name. */
  readonly parents: readonly ChallengeParentRef[];
}
