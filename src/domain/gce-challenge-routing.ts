import {
  LEGACY_MANAGED_ANNOTATION,
  type ChallengeService,
  type ManagedObjectMeta,
} from './challenge-routing.js';
import { MANAGED_LABEL } from './secret-annotations.js';
import type { IngressPathView, IngressRuleView, IngressView } from './types.js';

// The gce provider (kube-lego 0.1.7 §3.4): GLBC gives every Ingress its own load balancer, so the
// challenge path is added to the user's own Ingress and routed to a selector-less NodePort Service
// whose Endpoints point at this pod. Unlike 0.1.7, the edit is reversible: the hosts whose rule kube-lego
// appended are recorded in an annotation, so removing the challenge restores the user's rules exactly
// and no user rule is ever dropped (bug 19).

/** The challenge path in GCE's glob syntax. */
export const GCE_CHALLENGE_PATH = '/.well-known/acme-challenge/*';
/** Annotation on the user's Ingress listing the hosts whose rule kube-lego appended. */
export const GCE_ADDED_RULES_ANNOTATION = 'kube-lego/gce-added-rules';

/** What the gce provider needs to know; filled from config. */
export interface GceChallengeSettings {
  /** `LEGO_SERVICE_NAME_GCE`. */
  readonly serviceName: string;
  /** `LEGO_PORT`. */
  readonly port: number;
}

/** The user's Ingress after the edit. */
export interface GceIngressEdit {
  readonly rules: readonly IngressRuleView[];
  readonly annotations: Readonly<Record<string, string>>;
  /** False when rules and annotations equal the Ingress's: the executor writes nothing. */
  readonly changed: boolean;
}

function isChallengePath(path: IngressPathView, settings: GceChallengeSettings): boolean {
  return path.path === GCE_CHALLENGE_PATH && path.backend.service?.name === settings.serviceName;
}

function challengePath(settings: GceChallengeSettings): IngressPathView {
  return {
    path: GCE_CHALLENGE_PATH,
    pathType: 'ImplementationSpecific',
    backend: { service: { name: settings.serviceName, port: { number: settings.port } } },
  };
}

function withoutHttp(rule: IngressRuleView): IngressRuleView {
  return rule.host === undefined ? {} : { host: rule.host };
}

/** The user's rules without anything kube-lego added. */
function restoreRules(ingress: IngressView, settings: GceChallengeSettings): IngressRuleView[] {
  const added = new Set(
    (ingress.annotations[GCE_ADDED_RULES_ANNOTATION] ?? '').split(',').filter((h) => h !== ''),
  );
  const out: IngressRuleView[] = [];
  for (const rule of ingress.rules) {
    const paths = rule.http?.paths ?? [];
    const userPaths = paths.filter((p) => !isChallengePath(p, settings));
    const onlyOurs = rule.http !== undefined && userPaths.length === 0;
    const host = rule.host?.toLowerCase();
    if (onlyOurs && host !== undefined && added.has(host)) {
      added.delete(host); // drop the one rule we appended for this host, never a user's rule
      continue;
    }
    if (userPaths.length === paths.length) out.push(rule);
    else if (userPaths.length === 0) out.push(withoutHttp(rule));
    else out.push({ ...rule, http: { ...rule.http, paths: userPaths } });
  }
  return out;
}

/** JSON with object keys sorted, so equality does not depend on the order an adapter built fields in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Edits a user's Ingress for the gce provider: `/.well-known/acme-challenge/*` (ImplementationSpecific)
 * to `LEGO_SERVICE_NAME_GCE:LEGO_PORT` is put first in every rule of a TLS host with a pending
 * challenge, and a rule is appended for such a host that has none. With no pending host the user's
 * rules come back exactly as they were. Idempotent: editing an edited Ingress changes nothing.
 */
export function gceIngressEdit(
  ingress: IngressView,
  pendingHosts: readonly string[],
  settings: GceChallengeSettings,
): GceIngressEdit {
  const tlsHosts = new Set(ingress.tls.flatMap((t) => t.hosts ?? []).map((h) => h.toLowerCase()));
  const challenge = [...new Set(pendingHosts.map((h) => h.toLowerCase()))].filter((h) => tlsHosts.has(h));
  const base = restoreRules(ingress, settings);
  const rules: IngressRuleView[] = base.map((rule) => {
    const host = rule.host?.toLowerCase();
    if (host === undefined || !challenge.includes(host)) return rule;
    return { ...rule, http: { ...rule.http, paths: [challengePath(settings), ...(rule.http?.paths ?? [])] } };
  });
  const withRule = new Set(base.flatMap((r) => (r.host === undefined ? [] : [r.host.toLowerCase()])));
  const added = challenge.filter((h) => !withRule.has(h));
  for (const host of added) rules.push({ host, http: { paths: [challengePath(settings)] } });
  const annotations: Record<string, string> = Object.fromEntries(
    Object.entries(ingress.annotations).filter(([key]) => key !== GCE_ADDED_RULES_ANNOTATION),
  );
  if (added.length > 0) annotations[GCE_ADDED_RULES_ANNOTATION] = added.join(',');
  const changed = !sameJson(rules, ingress.rules) || !sameJson(annotations, ingress.annotations);
  return { rules, annotations, changed };
}

function meta(
  namespace: string,
  name: string,
  extraLabels: Readonly<Record<string, string>> = {},
): ManagedObjectMeta {
  return {
    name,
    namespace,
    labels: { [MANAGED_LABEL]: 'true', ...extraLabels },
    annotations: { [LEGACY_MANAGED_ANNOTATION]: 'true' },
  };
}

/** Where the gce objects of one namespace go. */
export interface GceTarget extends GceChallengeSettings {
  /** The namespace of the user's Ingress (GLBC backends must be in it). */
  readonly namespace: string;
  /** `LEGO_POD_IP`. */
  readonly podIp: string;
}

/** The selector-less NodePort Service in the user's namespace (its endpoints are managed by kube-lego). */
export function gceChallengeService(target: GceTarget): ChallengeService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(target.namespace, target.serviceName),
    spec: {
      type: 'NodePort',
      ports: [{ name: 'http', port: target.port, targetPort: target.port, protocol: 'TCP' }],
    },
  };
}

/** core/v1 Endpoints of the gce Service, pointing at this pod. */
export interface ChallengeEndpoints {
  readonly apiVersion: 'v1';
  readonly kind: 'Endpoints';
  readonly metadata: ManagedObjectMeta;
  readonly subsets: readonly {
    readonly addresses: readonly { readonly ip: string }[];
    readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: 'TCP' }[];
  }[];
}

/** The Endpoints of the gce Service: `LEGO_POD_IP:LEGO_PORT` (0.1.7's shape). */
export function gceChallengeEndpoints(target: GceTarget): ChallengeEndpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta(target.namespace, target.serviceName),
    subsets: [
      { addresses: [{ ip: target.podIp }], ports: [{ name: 'http', port: target.port, protocol: 'TCP' }] },
    ],
  };
}

/** A discovery.k8s.io/v1 EndpointSlice for the gce Service. */
export interface ChallengeEndpointSlice {
  readonly apiVersion: 'discovery.k8s.io/v1';
  readonly kind: 'EndpointSlice';
  readonly metadata: ManagedObjectMeta;
  readonly addressType: 'IPv4' | 'IPv6';
  readonly endpoints: readonly {
    readonly addresses: readonly string[];
    readonly conditions: { readonly ready: boolean };
  }[];
  readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: 'TCP' }[];
}

/**
 * The EndpointSlice of the gce Service (Endpoints are deprecated since Kubernetes 1.33). The
 * `kubernetes.io/service-name` label ties it to the Service; `managed-by` keeps the EndpointSlice
 * controller's hands off it.
 */
export function gceChallengeEndpointSlice(target: GceTarget): ChallengeEndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(target.namespace, target.serviceName, {
      'kubernetes.io/service-name': target.serviceName,
      'endpointslice.kubernetes.io/managed-by': 'kube-lego',
    }),
    addressType: target.podIp.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [target.podIp], conditions: { ready: true } }],
    ports: [{ name: 'http', port: target.port, protocol: 'TCP' }],
  };
}
