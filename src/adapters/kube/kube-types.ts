// Plain JSON shapes of the Kubernetes objects kube-lego reads and writes (only the fields it uses).
// They are declared here rather than taken from client-node, whose model classes are not plain data.

export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
  /** Server-side apply bookkeeping; never read, and dropped from the watch caches. */
  readonly managedFields?: readonly unknown[];
}

export interface SecretObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly type?: string;
  readonly data?: Readonly<Record<string, string>>;
}

export interface ServiceBackendPort {
  readonly number?: number;
  readonly name?: string;
}

export interface IngressPath {
  readonly path?: string;
  readonly pathType?: string;
  readonly backend?: {
    readonly service?: { readonly name?: string; readonly port?: ServiceBackendPort };
    readonly resource?: { readonly apiGroup?: string; readonly kind?: string; readonly name?: string };
  };
}

export interface IngressRule {
  readonly host?: string;
  readonly http?: { readonly paths?: readonly IngressPath[] };
}

export interface IngressObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly ingressClassName?: string;
    readonly tls?: readonly { readonly hosts?: readonly string[]; readonly secretName?: string }[];
    readonly rules?: readonly IngressRule[];
    readonly defaultBackend?: unknown;
  };
  readonly status?: {
    readonly loadBalancer?: {
      readonly ingress?: readonly { readonly ip?: string; readonly hostname?: string }[];
    };
  };
}

export interface ServiceObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly type?: string;
    readonly selector?: Readonly<Record<string, string>>;
    readonly ports?: readonly {
      readonly name?: string;
      readonly port?: number;
      readonly targetPort?: number | string;
      readonly protocol?: string;
      readonly nodePort?: number;
    }[];
    readonly clusterIP?: string;
  };
}

export interface EndpointsObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly subsets?: readonly {
    readonly addresses?: readonly { readonly ip: string }[];
    readonly ports?: readonly { readonly port: number; readonly protocol?: string; readonly name?: string }[];
  }[];
}

export interface EndpointSliceObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly addressType?: string;
  readonly endpoints?: readonly {
    readonly addresses: readonly string[];
    readonly conditions?: { readonly ready?: boolean };
  }[];
  readonly ports?: readonly { readonly name?: string; readonly port?: number; readonly protocol?: string }[];
}

export interface LeaseObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly holderIdentity?: string;
    readonly leaseDurationSeconds?: number;
    readonly acquireTime?: string;
    readonly renewTime?: string;
    readonly leaseTransitions?: number;
  };
}

/** A listener of a gateway.networking.k8s.io/v1 Gateway or ListenerSet. */
export interface GatewayListener {
  readonly name?: string;
  readonly hostname?: string;
  readonly port?: number;
  readonly protocol?: string;
  readonly tls?: {
    readonly mode?: string;
    readonly certificateRefs?: readonly {
      readonly group?: string;
      readonly kind?: string;
      readonly name?: string;
      readonly namespace?: string;
    }[];
  };
  readonly allowedRoutes?: unknown;
}

/** A gateway.networking.k8s.io/v1 Gateway (the fields kube-lego reads). */
export interface GatewayObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly gatewayClassName?: string;
    readonly listeners?: readonly GatewayListener[];
    readonly allowedListeners?: { readonly namespaces?: { readonly from?: string } };
  };
  readonly status?: { readonly addresses?: readonly { readonly type?: string; readonly value?: string }[] };
}

/** A gateway.networking.k8s.io/v1 ListenerSet (the fields kube-lego reads). */
export interface ListenerSetObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly parentRef?: {
      readonly group?: string;
      readonly kind?: string;
      readonly namespace?: string;
      readonly name?: string;
    };
    readonly listeners?: readonly GatewayListener[];
  };
}

/** A gateway.networking.k8s.io ReferenceGrant. */
export interface ReferenceGrantObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly from?: readonly {
      readonly group?: string;
      readonly kind?: string;
      readonly namespace?: string;
    }[];
    readonly to?: readonly { readonly group?: string; readonly kind?: string; readonly name?: string }[];
  };
}

/** One `status.parents[]` entry of an HTTPRoute, as an implementation writes it. */
export interface RouteParentStatus {
  readonly parentRef?: {
    readonly group?: string;
    readonly kind?: string;
    readonly namespace?: string;
    readonly name?: string;
    readonly sectionName?: string;
  };
  readonly controllerName?: string;
  readonly conditions?: readonly {
    readonly type?: string;
    readonly status?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly observedGeneration?: number;
  }[];
}

/** A gateway.networking.k8s.io/v1 HTTPRoute kube-lego writes for http-01, and the status it reads. */
export interface HttpRouteObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly rules?: readonly {
      readonly backendRefs?: readonly {
        readonly kind?: string;
        readonly name?: string;
        readonly namespace?: string;
      }[];
    }[];
  };
  readonly status?: { readonly parents?: readonly RouteParentStatus[] };
}
