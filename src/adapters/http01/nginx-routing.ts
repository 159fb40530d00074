import type { Log } from '../../runtime/log-port.js';
import type { KubeObjects } from '../kube/kube-objects.js';
import type { IngressObject, ServiceObject } from '../kube/kube-types.js';
import { isKubeError } from '../kube/kube-errors.js';
import { INGRESSES, SERVICES } from '../kube/resources.js';

/** Where the nginx provider's challenge objects live; filled from config. */
export interface NginxRoutingSettings {
  readonly namespace: string;
  readonly serviceName: string;
  readonly ingressName: string;
  readonly port: number;
  /** Value of the `app` label of kube-lego's pods (`LEGO_SERVICE_SELECTOR`). */
  readonly serviceSelector: string;
  readonly defaultClass: string;
}

/** A host with a pending challenge and how its Ingress names its class. */
export interface PendingHost {
  readonly host: string;
  readonly ingressClass: string;
  readonly classSource: 'ingressClassName' | 'annotation' | 'default';
  /** The Ingresses (`namespace/name`) asking for the host: the gce provider edits these. */
  readonly ingresses: readonly string[];
}

const MANAGED_LABEL = 'kube-lego/managed';
const MANAGED_ANNOTATION = 'kubernetes.io/kube-lego-managed';
const CHALLENGE_PATH = '/.well-known/acme-challenge';

function isOurs(
  meta:
    | {
        readonly labels?: Readonly<Record<string, string>>;
        readonly annotations?: Readonly<Record<string, string>>;
      }
    | undefined,
): boolean {
  return meta?.labels?.[MANAGED_LABEL] === 'true' || meta?.annotations?.[MANAGED_ANNOTATION] === 'true';
}

/** Name of the challenge Ingress for one class: the configured name for the default class. */
export function challengeIngressName(settings: NginxRoutingSettings, ingressClass: string): string {
  return ingressClass === settings.defaultClass
    ? settings.ingressName
    : `${settings.ingressName}-${ingressClass}`;
}

/** The challenge Service (kube-lego §1.3): ClusterIP selecting kube-lego's pods. */
export function desiredChallengeService(settings: NginxRoutingSettings): ServiceObject {
  return {
    metadata: {
      name: settings.serviceName,
      namespace: settings.namespace,
      labels: { [MANAGED_LABEL]: 'true' },
      annotations: { [MANAGED_ANNOTATION]: 'true' },
    },
    spec: {
      type: 'ClusterIP',
      selector: { app: settings.serviceSelector },
      ports: [{ name: 'http', port: settings.port, targetPort: settings.port, protocol: 'TCP' }],
    },
  };
}

/**
 * The challenge Ingress for one class: one rule per pending host (sorted), each routing
 * `/.well-known/acme-challenge` (Prefix) to the challenge Service, with the legacy and
 * `nginx.ingress.kubernetes.io/` annotations that keep the path reachable over plain HTTP.
 */
export function desiredChallengeIngress(
  settings: NginxRoutingSettings,
  hosts: readonly PendingHost[],
): IngressObject {
  const first = hosts[0];
  const ingressClass = first?.ingressClass ?? settings.defaultClass;
  const useClassName = first?.classSource === 'ingressClassName';
  const annotations: Record<string, string> = {
    'kubernetes.io/tls-acme-challenge-endpoints': 'true',
    'kubernetes.io/ingress.provider': 'nginx',
    'ingress.kubernetes.io/ssl-redirect': 'false',
    'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
    'ingress.kubernetes.io/whitelist-source-range': '0.0.0.0/0,::/0',
    'nginx.ingress.kubernetes.io/whitelist-source-range': '0.0.0.0/0,::/0',
  };
  // The API server refuses the class annotation together with spec.ingressClassName.
  if (!useClassName) annotations['kubernetes.io/ingress.class'] = ingressClass;
  const names = [...new Set(hosts.map((h) => h.host))].sort();
  return {
    metadata: {
      name: challengeIngressName(settings, ingressClass),
      namespace: settings.namespace,
      labels: { [MANAGED_LABEL]: 'true' },
      annotations,
    },
    spec: {
      ...(useClassName ? { ingressClassName: ingressClass } : {}),
      rules: names.map((host) => ({
        host,
        http: {
          paths: [
            {
              path: CHALLENGE_PATH,
              pathType: 'Prefix',
              backend: { service: { name: settings.serviceName, port: { number: settings.port } } },
            },
          ],
        },
      })),
    },
  };
}

function sameContent(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Keeps the nginx provider's challenge Service and Ingresses equal to the union of hosts with pending
 * challenges: created and updated only on change, deleted by their own name when no host is pending
 * (kube-lego bugs 1, 2, 8), and never touching objects kube-lego did not create.
 */
export class NginxRouting {
  readonly #objects: KubeObjects;
  readonly #settings: NginxRoutingSettings;
  readonly #log: Log;
  /** Classes that had a challenge Ingress at the last sync, so their Ingress is removed when emptied. */
  readonly #classes = new Set<string>();

  constructor(options: {
    readonly objects: KubeObjects;
    readonly settings: NginxRoutingSettings;
    readonly log: Log;
  }) {
    this.#objects = options.objects;
    this.#settings = options.settings;
    this.#log = options.log.with({ context: 'provider', provider: 'nginx' });
  }

  /** Brings the challenge objects in line with `hosts` (all pending nginx hosts, every class). */
  async sync(hosts: readonly PendingHost[]): Promise<void> {
    const byClass = new Map<string, PendingHost[]>();
    for (const host of hosts) {
      const list = byClass.get(host.ingressClass) ?? [];
      list.push(host);
      byClass.set(host.ingressClass, list);
    }
    if (byClass.size > 0) await this.#upsertService();
    for (const [ingressClass, list] of byClass) {
      await this.#upsertIngress(desiredChallengeIngress(this.#settings, list));
      this.#classes.add(ingressClass);
    }
    for (const ingressClass of [...this.#classes]) {
      if (byClass.has(ingressClass)) continue;
      await this.#deleteIngress(challengeIngressName(this.#settings, ingressClass));
      this.#classes.delete(ingressClass);
    }
    if (byClass.size === 0) {
      this.#log.info('disable provider no TLS hosts found');
      await this.#deleteService();
    }
  }

  /** Removes the challenge objects of the default class left over by an earlier run. */
  async removeLeftovers(): Promise<void> {
    this.#classes.add(this.#settings.defaultClass);
    await this.sync([]);
  }

  async #upsertService(): Promise<void> {
    const { namespace, serviceName } = this.#settings;
    const want = desiredChallengeService(this.#settings);
    const have = await this.#objects.find<ServiceObject>(SERVICES, namespace, serviceName);
    if (have === undefined) {
      await this.#objects.create(SERVICES, namespace, want);
      return;
    }
    if (!isOurs(have.metadata)) {
      this.#log.error(
        `do not update service '${namespace}/${serviceName}' as it does not have ${MANAGED_ANNOTATION}=true annotation`,
      );
      return;
    }
    const havePorts = (have.spec?.ports ?? []).map((p) => ({
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol,
    }));
    const wantPorts = (want.spec?.ports ?? []).map((p) => ({
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol,
    }));
    if (sameContent(have.spec?.selector, want.spec?.selector) && sameContent(havePorts, wantPorts)) return;
    await this.#objects.replace<ServiceObject>(SERVICES, namespace, {
      ...have,
      spec: { ...have.spec, selector: want.spec?.selector ?? {}, ports: want.spec?.ports ?? [] },
    });
  }

  async #upsertIngress(want: IngressObject): Promise<void> {
    const namespace = this.#settings.namespace;
    const name = want.metadata?.name ?? '';
    const have = await this.#objects.find<IngressObject>(INGRESSES, namespace, name);
    if (have === undefined) {
      await this.#objects.create(INGRESSES, namespace, want);
      this.#log.debug('created challenge ingress', { name, namespace });
      return;
    }
    if (
      !isOurs(have.metadata) &&
      have.metadata?.annotations?.['kubernetes.io/tls-acme-challenge-endpoints'] !== 'true'
    ) {
      this.#log.error(`do not update ingress '${namespace}/${name}' as it was not created by kube-lego`);
      return;
    }
    if (
      sameContent(have.spec, want.spec) &&
      sameContent(have.metadata?.annotations, want.metadata?.annotations)
    )
      return;
    await this.#objects.replace<IngressObject>(INGRESSES, namespace, {
      ...have,
      metadata: {
        ...have.metadata,
        labels: { ...have.metadata?.labels, ...want.metadata?.labels },
        annotations: want.metadata?.annotations ?? {},
      },
      spec: want.spec ?? {},
    });
  }

  async #deleteIngress(name: string): Promise<void> {
    const namespace = this.#settings.namespace;
    const have = await this.#objects.find<IngressObject>(INGRESSES, namespace, name);
    if (have === undefined) return;
    if (
      !isOurs(have.metadata) &&
      have.metadata?.annotations?.['kubernetes.io/tls-acme-challenge-endpoints'] !== 'true'
    )
      return;
    await this.#deleteIgnoringAbsent(INGRESSES, name, have.metadata?.uid);
  }

  async #deleteService(): Promise<void> {
    const { namespace, serviceName } = this.#settings;
    const have = await this.#objects.find<ServiceObject>(SERVICES, namespace, serviceName);
    if (have === undefined) return;
    if (!isOurs(have.metadata)) {
      this.#log.error(
        `do not delete service '${namespace}/${serviceName}' as it does not have ${MANAGED_ANNOTATION}=true annotation`,
      );
      return;
    }
    await this.#deleteIgnoringAbsent(SERVICES, serviceName, have.metadata?.uid);
  }

  async #deleteIgnoringAbsent(
    resource: typeof SERVICES,
    name: string,
    uid: string | undefined,
  ): Promise<void> {
    try {
      await this.#objects.delete(resource, {
        namespace: this.#settings.namespace,
        name,
        ...(uid === undefined ? {} : { uid }),
      });
    } catch (err) {
      if (!isKubeError(err, 'notFound')) throw err;
    }
  }
}
