/** Parses a request path into what it addresses, like kube-apiserver's RequestInfo. */
import type { ResourceRegistry, ResourceType } from './resource-registry.js';

/** What a request path addresses. */
export type Route =
  | { readonly kind: 'version' }
  | { readonly kind: 'health' }
  | { readonly kind: 'core-versions' }
  | { readonly kind: 'group-list' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'resource-list'; readonly group: string; readonly version: string }
  | { readonly kind: 'openapi-index' }
  | { readonly kind: 'openapi-document'; readonly key: string }
  | {
      readonly kind: 'resource';
      readonly type: ResourceType;
      /** '' for cluster-scoped resources and for lists across all namespaces. */
      readonly namespace: string;
      /** '' for collection requests. */
      readonly name: string;
      /** '' or 'status'. */
      readonly subresource: string;
    }
  | { readonly kind: 'not-found' };

function resourceRoute(
  registry: ResourceRegistry,
  group: string,
  version: string,
  segments: readonly string[],
): Route {
  const [first, second, third, fourth, fifth, ...rest] = segments;
  if (first === undefined || rest.length > 0) return { kind: 'not-found' };
  if (first === 'namespaces' && second !== undefined && third !== undefined) {
    const namespaced = registry.find(group, version, third);
    if (namespaced !== undefined && namespaced.namespaced) {
      const subresource = fifth ?? '';
      if (subresource !== '' && !namespaced.subresources.includes('status')) return { kind: 'not-found' };
      if (subresource !== '' && subresource !== 'status') return { kind: 'not-found' };
      return { kind: 'resource', type: namespaced, namespace: second, name: fourth ?? '', subresource };
    }
  }
  if (fourth !== undefined) return { kind: 'not-found' };
  const type = registry.find(group, version, first);
  if (type === undefined) return { kind: 'not-found' };
  const subresource = third ?? '';
  if (subresource !== '' && (subresource !== 'status' || !type.subresources.includes('status')))
    return { kind: 'not-found' };
  return { kind: 'resource', type, namespace: '', name: second ?? '', subresource };
}

/** The route of a URL path. */
export function parseRoute(registry: ResourceRegistry, pathname: string): Route {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  const [root, a, b, ...rest] = segments;
  switch (root) {
    case 'version':
      return segments.length === 1 ? { kind: 'version' } : { kind: 'not-found' };
    case 'healthz':
    case 'readyz':
    case 'livez':
      return { kind: 'health' };
    case 'openapi':
      if (a !== 'v3') return { kind: 'not-found' };
      return segments.length === 2
        ? { kind: 'openapi-index' }
        : { kind: 'openapi-document', key: segments.slice(2).join('/') };
    case 'api':
      if (a === undefined) return { kind: 'core-versions' };
      if (a !== 'v1') return { kind: 'not-found' };
      if (b === undefined) return { kind: 'resource-list', group: '', version: 'v1' };
      return resourceRoute(registry, '', 'v1', [b, ...rest]);
    case 'apis': {
      if (a === undefined) return { kind: 'group-list' };
      const known = registry.groups().find((g) => g.name === a);
      if (known === undefined) return { kind: 'not-found' };
      if (b === undefined) return { kind: 'group', group: a };
      if (!known.versions.includes(b)) return { kind: 'not-found' };
      if (rest.length === 0) return { kind: 'resource-list', group: a, version: b };
      return resourceRoute(registry, a, b, rest);
    }
    case undefined:
    default:
      return { kind: 'not-found' };
  }
}
