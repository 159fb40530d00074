import { NGINX_CHALLENGE_PATH, type ManagedObjectMeta } from './challenge-routing.js';
import { GATEWAY_GROUP, type ChallengeParentRef, type GatewayChallengeTarget } from './gateway-types.js';
import { MANAGED_LABEL } from './secret-annotations.js';

// The http-01 routing of certificates from Gateway listeners, computed as plain objects in
// gateway.networking.k8s.io/v1 shapes: one HTTPRoute per pending hostname of a Gateway, attached to the
// port-80 HTTP listeners serving it, sending `/.well-known/acme-challenge/` to kube-lego's challenge
// Service. A route per hostname is created when its challenge is presented and deleted when it is
// settled, never edited while another challenge may be using it; the executor deletes them by name.

/** Where the HTTPRoutes live: kube-lego's namespace (the default) or each Gateway's. */
export type ChallengeRouteNamespace = 'kube-lego' | 'gateway';

/** Where the Gateway provider's objects live; filled from config. */
export interface GatewayChallengeSettings {
  /** `LEGO_NAMESPACE`: the challenge Service's namespace. */
  readonly namespace: string;
  /** `LEGO_SERVICE_NAME_GATEWAY`: the challenge Service, and the prefix of the HTTPRoutes' names. */
  readonly serviceName: string;
  /** `LEGO_PORT`. */
  readonly port: number;
  /** `LEGO_GATEWAY_CHALLENGE_NAMESPACE`. */
  readonly routeNamespace: ChallengeRouteNamespace;
}

/** A host with a pending challenge and the Gateway listeners it is routed through. */
export interface GatewayPendingHost {
  readonly host: string;
  readonly challenge: GatewayChallengeTarget;
}

/** An HTTPRoute as sent to the API. */
export interface ChallengeHttpRoute {
  readonly apiVersion: `${typeof GATEWAY_GROUP}/v1`;
  readonly kind: 'HTTPRoute';
  readonly metadata: ManagedObjectMeta;
  readonly spec: {
    readonly parentRefs: readonly {
      readonly group: typeof GATEWAY_GROUP;
      readonly kind: ChallengeParentRef['kind'];
      readonly namespace: string;
      readonly name: string;
      readonly sectionName: string;
    }[];
    readonly hostnames: readonly string[];
    readonly rules: readonly {
      readonly matches: readonly { readonly path: { readonly type: 'PathPrefix'; readonly value: string } }[];
      readonly backendRefs: readonly {
        readonly group: '';
        readonly kind: 'Service';
        readonly name: string;
        readonly namespace?: string;
        readonly port: number;
      }[];
    }[];
  };
}

/** A ReferenceGrant letting HTTPRoutes of other namespaces send challenges to kube-lego's Service. */
export interface ChallengeServiceGrant {
  readonly apiVersion: `${typeof GATEWAY_GROUP}/v1`;
  readonly kind: 'ReferenceGrant';
  readonly metadata: ManagedObjectMeta;
  readonly spec: {
    readonly from: readonly {
      readonly group: typeof GATEWAY_GROUP;
      readonly kind: 'HTTPRoute';
      readonly namespace: string;
    }[];
    readonly to: readonly { readonly group: ''; readonly kind: 'Service'; readonly name: string }[];
  };
}

/** The path prefix the challenge HTTPRoutes match. */
export const GATEWAY_CHALLENGE_PATH = `${NGINX_CHALLENGE_PATH}/`;

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** FNV-1a, 32 bits, as 8 hex digits: a short, stable suffix for names derived from long inputs. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * The name of the challenge HTTPRoute of one hostname of a Gateway: `<service>-<hash>`, the hash of the
 * Gateway's namespace and name and the hostname (a hostname can be 253 characters, a name no longer).
 */
export function challengeRouteName(
  settings: GatewayChallengeSettings,
  gateway: GatewayChallengeTarget['gateway'],
  host: string,
): string {
  return `${settings.serviceName.slice(0, 240)}-${fnv1a(`${gateway.namespace}/${gateway.name}/${host}`)}`;
}

function routeNamespaceOf(
  settings: GatewayChallengeSettings,
  gateway: GatewayChallengeTarget['gateway'],
): string {
  return settings.routeNamespace === 'gateway' ? gateway.namespace : settings.namespace;
}

/**
 * The challenge HTTPRoutes for the hosts with pending challenges: one per hostname and Gateway, its
 * parents the HTTP listeners serving that hostname; sorted by namespace and name. No pending host means
 * no route: the executor deletes the ones it wrote.
 */
export function gatewayChallengeRoutes(
  settings: GatewayChallengeSettings,
  pending: readonly GatewayPendingHost[],
): ChallengeHttpRoute[] {
  const byHost = new Map<
    string,
    {
      gateway: GatewayChallengeTarget['gateway'];
      hosts: Set<string>;
      parents: Map<string, ChallengeParentRef>;
    }
  >();
  for (const { host, challenge } of pending) {
    const id = `${challenge.gateway.namespace}/${challenge.gateway.name}/${host.toLowerCase()}`;
    const entry = byHost.get(id) ?? { gateway: challenge.gateway, hosts: new Set(), parents: new Map() };
    byHost.set(id, entry);
    entry.hosts.add(host.toLowerCase());
    for (const parent of challenge.parents) {
      entry.parents.set(`${parent.kind}/${parent.namespace}/${parent.name}/${parent.sectionName}`, parent);
    }
  }
  const routes = [...byHost.values()].map(({ gateway, hosts, parents }): ChallengeHttpRoute => {
    const namespace = routeNamespaceOf(settings, gateway);
    return {
      apiVersion: `${GATEWAY_GROUP}/v1`,
      kind: 'HTTPRoute',
      metadata: {
        name: challengeRouteName(settings, gateway, [...hosts].join(',')),
        namespace,
        labels: { [MANAGED_LABEL]: 'true' },
        annotations: {},
      },
      spec: {
        parentRefs: [...parents.entries()]
          .sort(([a], [b]) => compareText(a, b))
          .map(([, p]) => ({
            group: GATEWAY_GROUP,
            kind: p.kind,
            namespace: p.namespace,
            name: p.name,
            sectionName: p.sectionName,
          })),
        hostnames: [...hosts].sort(),
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: GATEWAY_CHALLENGE_PATH } }],
            backendRefs: [
              {
                group: '',
                kind: 'Service',
                name: settings.serviceName,
                ...(namespace === settings.namespace ? {} : { namespace: settings.namespace }),
                port: settings.port,
              },
            ],
          },
        ],
      },
    };
  });
  return routes.sort(
    (a, b) =>
      compareText(a.metadata.namespace, b.metadata.namespace) ||
      compareText(a.metadata.name, b.metadata.name),
  );
}

/** What a listed HTTPRoute shows of itself to tell whether it is one of kube-lego's challenge routes. */
export interface ListedHttpRoute {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly backends: readonly {
    readonly kind?: string;
    readonly name?: string;
    readonly namespace?: string;
  }[];
}

/**
 * Whether a listed route is a challenge route of this installation: kube-lego's label and, as every
 * backend, its challenge Service (`LEGO_SERVICE_NAME_GATEWAY` in `LEGO_NAMESPACE`). A route another
 * installation (another namespace, another Service) or a user wrote is never one.
 */
export function isOwnChallengeRoute(settings: GatewayChallengeSettings, route: ListedHttpRoute): boolean {
  if (route.labels[MANAGED_LABEL] !== 'true' || route.backends.length === 0) return false;
  return route.backends.every(
    (b) =>
      (b.kind ?? 'Service') === 'Service' &&
      b.name === settings.serviceName &&
      (b.namespace ?? route.namespace) === settings.namespace,
  );
}

/**
 * The ReferenceGrant in kube-lego's namespace that lets the challenge HTTPRoutes of other namespaces
 * refer to its Service; `undefined` when every route lives beside the Service.
 */
export function challengeServiceGrant(
  settings: GatewayChallengeSettings,
  routes: readonly ChallengeHttpRoute[],
): ChallengeServiceGrant | undefined {
  const namespaces = [...new Set(routes.map((r) => r.metadata.namespace))]
    .filter((ns) => ns !== settings.namespace)
    .sort();
  if (namespaces.length === 0) return undefined;
  return {
    apiVersion: `${GATEWAY_GROUP}/v1`,
    kind: 'ReferenceGrant',
    metadata: {
      name: `${settings.serviceName}-challenge-routes`,
      namespace: settings.namespace,
      labels: { [MANAGED_LABEL]: 'true' },
      annotations: {},
    },
    spec: {
      from: namespaces.map((namespace) => ({ group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace })),
      to: [{ group: '', kind: 'Service', name: settings.serviceName }],
    },
  };
}

/** One parent's refusal of a challenge route, as the implementation's status conditions say it. */
export interface RouteRefusal {
  readonly parent: string;
  readonly condition: 'Accepted' | 'ResolvedRefs';
  readonly reason: string;
  readonly message: string;
}

/** The conditions of one `status.parents[]` entry kube-lego reads. */
export interface RouteParentConditions {
  readonly parent: {
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly sectionName?: string;
  };
  readonly conditions: readonly {
    readonly type: string;
    readonly status: string;
    readonly reason: string;
    readonly message: string;
  }[];
}

/**
 * What the implementation said about a challenge route: `pending` until every parent has a status entry
 * with Accepted and ResolvedRefs, `refused` when one of them is False (the sentence for the Event), else
 * `accepted`.
 */
export function routeVerdict(
  route: ChallengeHttpRoute,
  parents: readonly RouteParentConditions[],
):
  | { readonly kind: 'pending' }
  | { readonly kind: 'accepted' }
  | { readonly kind: 'refused'; readonly refusals: readonly RouteRefusal[]; readonly message: string } {
  const refusals: RouteRefusal[] = [];
  let pending = false;
  for (const ref of route.spec.parentRefs) {
    const entry = parents.find(
      (p) =>
        p.parent.kind === ref.kind &&
        p.parent.namespace === ref.namespace &&
        p.parent.name === ref.name &&
        (p.parent.sectionName ?? ref.sectionName) === ref.sectionName,
    );
    const name = `${ref.kind.toLowerCase()} "${ref.namespace}/${ref.name}" listener "${ref.sectionName}"`;
    for (const type of ['Accepted', 'ResolvedRefs'] as const) {
      const condition = entry?.conditions.find((c) => c.type === type);
      if (condition === undefined) pending = true;
      else if (condition.status === 'False') {
        refusals.push({
          parent: name,
          condition: type,
          reason: condition.reason,
          message: condition.message,
        });
      }
    }
  }
  if (refusals.length > 0) {
    const why = refusals
      .map(
        (r) => `${r.parent}: ${r.condition}=False (${r.reason}${r.message === '' ? '' : `: ${r.message}`})`,
      )
      .join('; ');
    return {
      kind: 'refused',
      refusals,
      message: `the challenge HTTPRoute "${route.metadata.namespace}/${route.metadata.name}" for ${route.spec.hostnames.join(', ')} was refused by ${why}`,
    };
  }
  return pending ? { kind: 'pending' } : { kind: 'accepted' };
}
