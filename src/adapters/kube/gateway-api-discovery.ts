import { GATEWAY_GROUP } from '../../domain/gateway-types.js';
import type { KubeClient } from './kube-client.js';
import { isKubeError } from './kube-errors.js';
import { collectionPath, type ResourceKind } from './resources.js';

/** The Gateway API kinds the cluster serves, each at the version kube-lego uses; absent: not served. */
export interface GatewayApiResources {
  readonly gateways?: ResourceKind;
  readonly listenerSets?: ResourceKind;
  readonly referenceGrants?: ResourceKind;
  readonly httpRoutes?: ResourceKind;
}

interface ApiGroup {
  readonly versions?: readonly { readonly version?: string }[];
}

interface ApiResourceList {
  readonly resources?: readonly { readonly name?: string; readonly kind?: string }[];
}

/** The versions kube-lego speaks, preferred first: ReferenceGrant is v1 since Gateway API 1.5. */
const VERSIONS = ['v1', 'v1beta1'] as const;

const KINDS = {
  gateways: 'Gateway',
  listenerSets: 'ListenerSet',
  referenceGrants: 'ReferenceGrant',
  httpRoutes: 'HTTPRoute',
} as const;

const PLURALS = {
  gateways: 'gateways',
  listenerSets: 'listenersets',
  referenceGrants: 'referencegrants',
  httpRoutes: 'httproutes',
} as const;

/**
 * Drops the kinds kube-lego may not list (a 403 on a one-item list): without its RBAC for them, an
 * informer that can never sync would keep the controller from ever becoming ready, Ingresses included.
 * Returns the kinds kept and the plurals dropped.
 */
export async function listableGatewayApi(
  client: KubeClient,
  served: GatewayApiResources,
): Promise<{ readonly resources: GatewayApiResources; readonly forbidden: readonly string[] }> {
  const kept = new Map<keyof GatewayApiResources, ResourceKind>();
  for (const key of ['gateways', 'listenerSets', 'referenceGrants', 'httpRoutes'] as const) {
    const resource = served[key];
    if (resource !== undefined) kept.set(key, resource);
  }
  const forbidden: string[] = [];
  for (const key of ['gateways', 'listenerSets', 'referenceGrants'] as const) {
    const resource = served[key];
    if (resource === undefined) continue;
    try {
      await client.request({ method: 'GET', path: collectionPath(resource), query: { limit: '1' } });
    } catch (err) {
      if (!isKubeError(err, 'forbidden')) throw err;
      kept.delete(key);
      forbidden.push(`${resource.plural}.${GATEWAY_GROUP}`);
    }
  }
  return { resources: kept.has('gateways') ? Object.fromEntries(kept) : {}, forbidden };
}

/**
 * Asks the API server's discovery which Gateway API kinds it serves (the CRDs may not be installed: a
 * 404 for the group). Each kind is taken at the first of v1 and v1beta1 that serves it.
 */
export async function discoverGatewayApi(client: KubeClient): Promise<GatewayApiResources> {
  let group: ApiGroup;
  try {
    group = (await client.request({ method: 'GET', path: `/apis/${GATEWAY_GROUP}` })) as ApiGroup;
  } catch (err) {
    if (isKubeError(err, 'notFound')) return {};
    throw err;
  }
  const served = new Set((group.versions ?? []).map((v) => v.version ?? ''));
  const found: Partial<Record<keyof typeof KINDS, ResourceKind>> = {};
  for (const version of VERSIONS) {
    if (!served.has(version)) continue;
    const apiPath = `/apis/${GATEWAY_GROUP}/${version}`;
    let list: ApiResourceList;
    try {
      list = (await client.request({ method: 'GET', path: apiPath })) as ApiResourceList;
    } catch (err) {
      if (isKubeError(err, 'notFound')) continue;
      throw err;
    }
    const names = new Set((list.resources ?? []).map((r) => r.name ?? ''));
    for (const key of Object.keys(KINDS) as (keyof typeof KINDS)[]) {
      if (found[key] !== undefined || !names.has(PLURALS[key])) continue;
      found[key] = {
        apiVersion: `${GATEWAY_GROUP}/${version}`,
        kind: KINDS[key],
        apiPath,
        plural: PLURALS[key],
      };
    }
  }
  return found;
}
