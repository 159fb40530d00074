/**
 * The one table of resources the sandbox serves. Adding a group/version/kind is one entry here: routing,
 * discovery, OpenAPI, storage, patching and validation all read it.
 */
import {
  clusterRoleSchema,
  configMapSchema,
  deploymentSchema,
  roleBindingSchema,
  roleSchema,
  serviceAccountSchema,
  coreEventSchema,
  endpointSliceSchema,
  endpointsSchema,
  eventsV1EventSchema,
  ingressClassSchema,
  ingressSchema,
  leaseSchema,
  namespaceSchema,
  podDisruptionBudgetSchema,
  podSchema,
  secretSchema,
  selfSubjectAccessReviewSchema,
  selfSubjectReviewSchema,
  serviceSchema,
} from './kind-schemas.js';
import { gatewayApiStructures, type GatewayApiKind } from './gateway-api-structure.js';
import { gatewayApiValidator } from './gateway-api-validation.js';
import type { Schema } from './schema.js';
import {
  validateConfigMap,
  validateIngress,
  validateLease,
  validateSecret,
  validateService,
  type NameRule,
  type Validator,
} from './validation.js';

/** The verbs a resource can support, as discovery lists them. */
export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** One served resource. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly subresources: readonly 'status'[];
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly Verb[];
  readonly nameRule: NameRule;
  readonly schema: Schema;
  readonly validate?: Validator;
  /** Field selector keys besides metadata.name and metadata.namespace. */
  readonly fieldSelectors: readonly string[];
  /** Whether metadata.generation is set and bumped when anything outside metadata and status changes. */
  readonly tracksGeneration: boolean;
  /** DELETE answers with the object (true) or with a Success Status (false), as upstream does per kind. */
  readonly returnsDeletedObject: boolean;
  /** Resources that are computed, never stored (SelfSubjectAccessReview). */
  readonly virtual: boolean;
  /** The Go package path used for OpenAPI definition names (`io.k8s.api.core.v1`). */
  readonly definitionPrefix: string;
  /** Served like a CRD's kind: no strategic merge patch (415), as the apiextensions apiserver answers. */
  readonly customResource: boolean;
}

const ALL_VERBS: readonly Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

type Declaration = Pick<ResourceType, 'group' | 'version' | 'kind' | 'plural' | 'namespaced' | 'schema'> &
  Partial<Omit<ResourceType, 'group' | 'version' | 'kind' | 'plural' | 'namespaced' | 'schema'>>;

function declare(d: Declaration): ResourceType {
  const goGroup = d.group === '' ? 'core' : (d.group.split('.')[0] ?? d.group);
  return {
    singular: d.kind.toLowerCase(),
    subresources: [],
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    nameRule: 'subdomain',
    fieldSelectors: [],
    tracksGeneration: false,
    returnsDeletedObject: false,
    virtual: false,
    customResource: false,
    definitionPrefix: `io.k8s.api.${goGroup}.${d.version}`,
    ...d,
  };
}

/** Every resource the sandbox serves. */
export const RESOURCES: readonly ResourceType[] = [
  declare({
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    schema: namespaceSchema,
    subresources: ['status'],
    shortNames: ['ns'],
    nameRule: 'label',
    fieldSelectors: ['status.phase'],
    returnsDeletedObject: true,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  declare({
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    schema: secretSchema,
    validate: validateSecret,
    fieldSelectors: ['type'],
  }),
  declare({
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    schema: configMapSchema,
    shortNames: ['cm'],
    validate: validateConfigMap,
  }),
  declare({
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    schema: serviceSchema,
    subresources: ['status'],
    shortNames: ['svc'],
    categories: ['all'],
    nameRule: 'dns1035',
    validate: validateService,
  }),
  declare({
    group: '',
    version: 'v1',
    kind: 'Endpoints',
    plural: 'endpoints',
    singular: 'endpoints',
    namespaced: true,
    schema: endpointsSchema,
    shortNames: ['ep'],
  }),
  declare({
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    schema: coreEventSchema,
    shortNames: ['ev'],
    fieldSelectors: [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'reason',
      'type',
      'source',
    ],
  }),
  declare({
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    schema: podSchema,
    subresources: ['status'],
    shortNames: ['po'],
    categories: ['all'],
    fieldSelectors: ['spec.nodeName', 'status.phase', 'spec.serviceAccountName'],
    tracksGeneration: true,
    returnsDeletedObject: true,
  }),
  declare({
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    schema: eventsV1EventSchema,
    shortNames: ['ev'],
    fieldSelectors: ['reason', 'type', 'regarding.kind', 'regarding.name', 'regarding.namespace'],
  }),
  declare({
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    plural: 'ingresses',
    namespaced: true,
    schema: ingressSchema,
    subresources: ['status'],
    shortNames: ['ing'],
    validate: validateIngress,
    tracksGeneration: true,
  }),
  declare({
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'IngressClass',
    plural: 'ingressclasses',
    namespaced: false,
    schema: ingressClassSchema,
    tracksGeneration: true,
  }),
  declare({
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    namespaced: true,
    schema: endpointSliceSchema,
  }),
  declare({
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    namespaced: true,
    schema: leaseSchema,
    validate: validateLease,
  }),
  declare({
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectAccessReview',
    plural: 'selfsubjectaccessreviews',
    namespaced: false,
    schema: selfSubjectAccessReviewSchema,
    verbs: ['create'],
    virtual: true,
  }),
  declare({
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectReview',
    plural: 'selfsubjectreviews',
    namespaced: false,
    schema: selfSubjectReviewSchema,
    verbs: ['create'],
    virtual: true,
  }),
  // What `kubectl apply -k deploy/` creates; stored and validated only (nothing runs a Deployment here).
  declare({
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    schema: serviceAccountSchema,
    shortNames: ['sa'],
  }),
  declare({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    schema: deploymentSchema,
    subresources: ['status'],
    shortNames: ['deploy'],
    categories: ['all'],
    tracksGeneration: true,
  }),
  declare({
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    schema: podDisruptionBudgetSchema,
    subresources: ['status'],
    shortNames: ['pdb'],
    tracksGeneration: true,
  }),
  declare({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
    schema: clusterRoleSchema,
    nameRule: 'path-segment',
  }),
  declare({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
    schema: roleBindingSchema,
    nameRule: 'path-segment',
  }),
  declare({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'Role',
    plural: 'roles',
    namespaced: true,
    schema: roleSchema,
    nameRule: 'path-segment',
  }),
  declare({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    namespaced: true,
    schema: roleBindingSchema,
    nameRule: 'path-segment',
  }),
];

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** How each Gateway API kind is served, as its upstream CRD (v1.5 standard channel) declares it. */
const GATEWAY_API_KINDS: readonly {
  kind: GatewayApiKind;
  plural: string;
  namespaced: boolean;
  shortNames: string[];
  /** Served as v1beta1 too (deprecated there upstream, same schema). */
  beta: boolean;
}[] = [
  { kind: 'GatewayClass', plural: 'gatewayclasses', namespaced: false, shortNames: ['gc'], beta: true },
  { kind: 'Gateway', plural: 'gateways', namespaced: true, shortNames: ['gtw'], beta: true },
  { kind: 'HTTPRoute', plural: 'httproutes', namespaced: true, shortNames: [], beta: true },
  {
    kind: 'ReferenceGrant',
    plural: 'referencegrants',
    namespaced: true,
    shortNames: ['refgrant'],
    beta: true,
  },
  { kind: 'ListenerSet', plural: 'listenersets', namespaced: true, shortNames: ['lset'], beta: false },
];

/**
 * The Gateway API kinds (`gateway.networking.k8s.io`), served like installed CRDs: status subresource,
 * generation tracking, the upstream schemas and validation. Built on first use (the schemas are read from
 * the package's declarations).
 */
export function gatewayApiResources(): ResourceType[] {
  const structures = gatewayApiStructures();
  return ['v1', 'v1beta1'].flatMap((version) =>
    GATEWAY_API_KINDS.filter((k) => version === 'v1' || k.beta).map((k) => {
      const schema = structures.get(k.kind);
      if (schema === undefined) throw new Error(`No Gateway API schema for ${k.kind}`);
      return declare({
        group: GATEWAY_API_GROUP,
        version,
        kind: k.kind,
        plural: k.plural,
        namespaced: k.namespaced,
        schema,
        validate: gatewayApiValidator(k.kind),
        subresources: k.kind === 'ReferenceGrant' ? [] : ['status'],
        shortNames: k.shortNames,
        categories: ['gateway-api'],
        tracksGeneration: true,
        customResource: true,
        definitionPrefix: `io.k8s.networking.gateway.${version}`,
      });
    }),
  );
}

/** `v1` or `networking.k8s.io/v1`. */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** A stable key for one resource type (`/secrets`, `networking.k8s.io/ingresses`). */
export function resourceKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

/** Looks resources up by group, version and plural. */
export class ResourceRegistry {
  readonly all: readonly ResourceType[];
  private readonly byPath = new Map<string, ResourceType>();

  constructor(resources: readonly ResourceType[] = RESOURCES) {
    this.all = resources;
    for (const r of resources) this.byPath.set(`${r.group}/${r.version}/${r.plural}`, r);
  }

  /** The resource served at /api(s)/<group>/<version>/<plural>, if any. */
  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** The Namespace resource (needed for namespace existence checks). */
  get namespaces(): ResourceType {
    const ns = this.find('', 'v1', 'namespaces');
    if (ns === undefined)
      throw new Error('The resource table has no namespaces entry: add core/v1 Namespace');
    return ns;
  }

  /** Groups (besides core) with their versions, in declaration order. */
  groups(): { name: string; versions: string[] }[] {
    const groups = new Map<string, string[]>();
    for (const r of this.all) {
      if (r.group === '') continue;
      const versions = groups.get(r.group) ?? [];
      if (!versions.includes(r.version)) versions.push(r.version);
      groups.set(r.group, versions);
    }
    return [...groups].map(([name, versions]) => ({ name, versions }));
  }

  /** The resources of one group version. */
  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all.filter((r) => r.group === group && r.version === version);
  }
}
