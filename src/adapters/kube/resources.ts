/** The API resources kube-lego reads or writes, with their REST coordinates. */
export interface ResourceKind {
  readonly apiVersion: string;
  readonly kind: string;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  readonly apiPath: string;
  readonly plural: string;
}

export const SECRETS: ResourceKind = {
  apiVersion: 'v1',
  kind: 'Secret',
  apiPath: '/api/v1',
  plural: 'secrets',
};
export const SERVICES: ResourceKind = {
  apiVersion: 'v1',
  kind: 'Service',
  apiPath: '/api/v1',
  plural: 'services',
};
export const ENDPOINTS: ResourceKind = {
  apiVersion: 'v1',
  kind: 'Endpoints',
  apiPath: '/api/v1',
  plural: 'endpoints',
};
export const EVENTS: ResourceKind = { apiVersion: 'v1', kind: 'Event', apiPath: '/api/v1', plural: 'events' };
export const ENDPOINT_SLICES: ResourceKind = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  apiPath: '/apis/discovery.k8s.io/v1',
  plural: 'endpointslices',
};
export const INGRESSES: ResourceKind = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  apiPath: '/apis/networking.k8s.io/v1',
  plural: 'ingresses',
};

export const LEASES: ResourceKind = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  apiPath: '/apis/coordination.k8s.io/v1',
  plural: 'leases',
};

/** Path of a collection, namespaced when `namespace` is given, across all namespaces otherwise. */
export function collectionPath(resource: ResourceKind, namespace?: string): string {
  return namespace === undefined || namespace === ''
    ? `${resource.apiPath}/${resource.plural}`
    : `${resource.apiPath}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
}

/** Path of one namespaced object. */
export function objectPath(resource: ResourceKind, namespace: string, name: string): string {
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}
