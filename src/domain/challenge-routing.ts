import { MANAGED_LABEL } from './secret-annotations.js';
import type { ClassSource, DesiredCertificate, IngressRuleView } from './types.js';

// The nginx provider's challenge objects (kube-lego 0.1.7 §3.3), computed as plain specs in
// networking.k8s.io/v1 and core/v1 shapes. The executor compares them with what exists and writes only
// on change; it deletes by the names computed here (bug 1) and only objects isManagedChallengeObject()
// accepts (bug 2).

/** The path the nginx challenge Ingress routes (a Prefix match). */
export const NGINX_CHALLENGE_PATH = '/.well-known/acme-challenge';
/** kube-lego's ownership annotation on challenge Services. */
export const LEGACY_MANAGED_ANNOTATION = 'kubernetes.io/kube-lego-managed';
const WHITELIST_ALL = '0.0.0.0/0,::/0';

/** Where the nginx provider's objects live; filled from config. */
export interface NginxChallengeSettings {
  /** `LEGO_NAMESPACE`. */
  readonly namespace: string;
  /** `LEGO_SERVICE_NAME_NGINX`. */
  readonly serviceName: string;
  /** `LEGO_INGRESS_NAME_NGINX`: the name of the default class's challenge Ingress. */
  readonly ingressName: string;
  /** `LEGO_PORT`. */
  readonly port: number;
  /** `LEGO_SERVICE_SELECTOR`: the `app` label of kube-lego's pods. */
  readonly serviceSelector: string;
  /** `LEGO_DEFAULT_INGRESS_CLASS`. */
  readonly defaultClass: string;
}

/** A host with a pending challenge, and how the Ingress asking for it names its class. */
export interface PendingHost {
  readonly host: string;
  readonly ingressClass: string;
  readonly classSource: ClassSource;
}

/** Metadata of an object kube-lego creates. */
export interface ManagedObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A Service spec as sent to the API. */
export interface ChallengeService {
  readonly apiVersion: 'v1';
  readonly kind: 'Service';
  readonly metadata: ManagedObjectMeta;
  readonly spec: {
    readonly type: 'ClusterIP' | 'NodePort';
    readonly selector?: Readonly<Record<string, string>>;
    readonly ports: readonly {
      readonly name: string;
      readonly port: number;
      readonly targetPort: number;
      readonly protocol: 'TCP';
    }[];
  };
}

/** An Ingress spec as sent to the API. */
export interface ChallengeIngress {
  readonly apiVersion: 'networking.k8s.io/v1';
  readonly kind: 'Ingress';
  readonly metadata: ManagedObjectMeta;
  readonly spec: { readonly ingressClassName?: string; readonly rules: readonly IngressRuleView[] };
}

/** True for objects kube-lego created: our label, or 0.1.7's `kubernetes.io/kube-lego-managed: "true"`. */
export function isManagedChallengeObject(
  metadata:
    | {
        readonly labels?: Readonly<Record<string, string>>;
        readonly annotations?: Readonly<Record<string, string>>;
      }
    | undefined,
): boolean {
  return (
    metadata?.labels?.[MANAGED_LABEL] === 'true' ||
    metadata?.annotations?.[LEGACY_MANAGED_ANNOTATION] === 'true'
  );
}

/** The challenge Service: ClusterIP, selecting kube-lego's pods, port and targetPort `LEGO_PORT`. */
export function nginxChallengeService(settings: NginxChallengeSettings): ChallengeService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: settings.serviceName,
      namespace: settings.namespace,
      labels: { [MANAGED_LABEL]: 'true' },
      annotations: { [LEGACY_MANAGED_ANNOTATION]: 'true' },
    },
    spec: {
      type: 'ClusterIP',
      selector: { app: settings.serviceSelector },
      ports: [{ name: 'http', port: settings.port, targetPort: settings.port, protocol: 'TCP' }],
    },
  };
}

/**
 * The name of the challenge Ingress of a class: `LEGO_INGRESS_NAME_NGINX` for the default class (as
 * 0.1.7), `<name>-<class>` for others, so several ingress controllers each route their own hosts.
 */
export function challengeIngressName(settings: NginxChallengeSettings, ingressClass: string): string {
  if (ingressClass === settings.defaultClass.toLowerCase()) return settings.ingressName;
  const suffix = ingressClass.replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return `${settings.ingressName}-${suffix === '' ? 'class' : suffix}`.slice(0, 253).replace(/[-.]+$/, '');
}

function challengeIngress(
  settings: NginxChallengeSettings,
  ingressClass: string,
  hosts: readonly PendingHost[],
): ChallengeIngress {
  // The API server refuses the class annotation together with spec.ingressClassName: use the field
  // when any Ingress of this class does, else the annotation as 0.1.7 did.
  const useField = hosts.some((h) => h.classSource === 'ingressClassName');
  const annotations: Record<string, string> = {
    'kubernetes.io/tls-acme-challenge-endpoints': 'true',
    'kubernetes.io/ingress.provider': 'nginx',
    'ingress.kubernetes.io/ssl-redirect': 'false',
    'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
    'ingress.kubernetes.io/whitelist-source-range': WHITELIST_ALL,
    'nginx.ingress.kubernetes.io/whitelist-source-range': WHITELIST_ALL,
    ...(useField ? {} : { 'kubernetes.io/ingress.class': ingressClass }),
  };
  const names = [...new Set(hosts.map((h) => h.host.toLowerCase()))].sort();
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: challengeIngressName(settings, ingressClass),
      namespace: settings.namespace,
      labels: { [MANAGED_LABEL]: 'true' },
      annotations,
    },
    spec: {
      ...(useField ? { ingressClassName: ingressClass } : {}),
      rules: names.map((host) => ({
        host,
        http: {
          paths: [
            {
              path: NGINX_CHALLENGE_PATH,
              pathType: 'Prefix',
              backend: { service: { name: settings.serviceName, port: { number: settings.port } } },
            },
          ],
        },
      })),
    },
  };
}

/**
 * The challenge Ingresses for the hosts with pending challenges: one per ingress class, holding the
 * union of that class's hosts (sorted), sorted by name. No pending host means no Ingress: the
 * executor deletes the managed challenge Ingresses and Service it finds.
 */
export function nginxChallengeIngresses(
  settings: NginxChallengeSettings,
  pending: readonly PendingHost[],
): ChallengeIngress[] {
  const byClass = new Map<string, PendingHost[]>();
  for (const host of pending) {
    const ingressClass = host.ingressClass.toLowerCase();
    byClass.set(ingressClass, [...(byClass.get(ingressClass) ?? []), host]);
  }
  return [...byClass.entries()]
    .map(([ingressClass, hosts]) => challengeIngress(settings, ingressClass, hosts))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/**
 * The hosts of a certificate being ordered, as challenge routing needs them: its class, named the way
 * its Ingresses name it (the spec field if any source uses it).
 */
export function pendingHostsOf(want: DesiredCertificate): PendingHost[] {
  const classSource: ClassSource = want.sources.some((s) => s.classSource === 'ingressClassName')
    ? 'ingressClassName'
    : (want.sources[0]?.classSource ?? 'default');
  return want.hosts.map((host) => ({ host, ingressClass: want.class, classSource }));
}
