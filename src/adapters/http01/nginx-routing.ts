import {
  challengeIngressName,
  isManagedChallengeObject,
  LEGACY_MANAGED_ANNOTATION,
  nginxChallengeIngresses,
  nginxChallengeService,
  type NginxChallengeSettings,
  type PendingHost,
} from '../../domain/challenge-routing.js';
import type { GatewayChallengeTarget } from '../../domain/gateway-types.js';
import type { Log } from '../../ports/log.js';
import { sameContent } from './same-content.js';
import type { KubeObjects } from '../kube/kube-objects.js';
import type { IngressObject, ServiceObject } from '../kube/kube-types.js';
import { isKubeError } from '../kube/kube-errors.js';
import { INGRESSES, SERVICES, type ResourceKind } from '../kube/resources.js';

/** Where the nginx provider's challenge objects live; filled from config. */
export type NginxRoutingSettings = NginxChallengeSettings;

/** A host with a pending challenge, with the Ingresses asking for it. */
export interface RoutedHost extends PendingHost {
  /** The Ingresses (`namespace/name`) asking for the host: the gce provider edits these. */
  readonly ingresses: readonly string[];
  /** For a host of Gateway listeners: the listeners its challenge HTTPRoute attaches to. */
  readonly challenge?: GatewayChallengeTarget;
}

/** Whether a challenge Ingress already has the rules and annotations wanted. */
function sameIngress(have: IngressObject, want: IngressObject): boolean {
  return (
    sameContent(have.spec, want.spec) && sameContent(have.metadata?.annotations, want.metadata?.annotations)
  );
}

/** `have` with the wanted rules and annotations, keeping its other metadata (resourceVersion included). */
function updatedIngress(have: IngressObject, want: IngressObject): IngressObject {
  return {
    ...have,
    metadata: {
      ...have.metadata,
      labels: { ...have.metadata?.labels, ...want.metadata?.labels },
      annotations: want.metadata?.annotations ?? {},
    },
    spec: want.spec ?? {},
  };
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
  /** Challenge Ingresses written at the last sync, so each is removed once its class has no pending host. */
  readonly #ingressNames = new Set<string>();
  /**
   * The uid of each challenge object this process created (by kind and name) and has not deleted since.
   * A create is tried before any read, and a delete of such an object goes straight to the server with
   * its uid as precondition: one request instead of a GET and a write, and still never an object that
   * is not the one we created. Anything unexpected (it exists already, the uid differs) falls back to
   * reading the object first.
   */
  readonly #createdUids = new Map<string, string>();
  /**
   * Each challenge Ingress as the server returned it after this process's last write. The next change is
   * written over it directly: its resourceVersion makes the server refuse (409) if anyone changed the
   * object since, and only then is it read first.
   */
  readonly #written = new Map<string, IngressObject>();

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
  async sync(hosts: readonly RoutedHost[]): Promise<void> {
    const wanted = nginxChallengeIngresses(this.#settings, hosts);
    const names = new Set<string>();
    // The Service and the Ingresses are independent objects: written side by side, not one after the other.
    await Promise.all([
      wanted.length > 0 ? this.#upsertService() : undefined,
      (async () => {
        for (const ingress of wanted) {
          await this.#upsertIngress(ingress);
          names.add(ingress.metadata.name);
        }
      })(),
    ]);
    for (const name of [...this.#ingressNames]) {
      if (names.has(name)) continue;
      await this.#deleteIngress(name);
      this.#ingressNames.delete(name);
    }
    for (const name of names) this.#ingressNames.add(name);
    if (wanted.length === 0) {
      this.#log.info('disable provider no TLS hosts found');
      await this.#deleteService();
    }
  }

  /** Removes the challenge objects of the default class left over by an earlier run. */
  async removeLeftovers(): Promise<void> {
    this.#ingressNames.add(challengeIngressName(this.#settings, this.#settings.defaultClass.toLowerCase()));
    await this.sync([]);
  }

  /** Creates the object when this process holds none of that name; the created object when it did. */
  async #createFirst<T extends ServiceObject | IngressObject>(
    resource: ResourceKind,
    name: string,
    want: T,
  ): Promise<T | undefined> {
    const key = `${resource.plural}/${name}`;
    if (this.#createdUids.has(key)) return undefined;
    try {
      const created = await this.#objects.create<T>(resource, this.#settings.namespace, want);
      const uid = created.metadata?.uid;
      if (uid !== undefined) this.#createdUids.set(key, uid);
      return created;
    } catch (err) {
      if (isKubeError(err, 'alreadyExists')) return undefined;
      throw err;
    }
  }

  async #upsertService(): Promise<void> {
    const { namespace, serviceName } = this.#settings;
    const want = nginxChallengeService(this.#settings);
    if ((await this.#createFirst(SERVICES, serviceName, want)) !== undefined) return;
    const have = await this.#objects.find<ServiceObject>(SERVICES, namespace, serviceName);
    if (have === undefined) {
      await this.#objects.create(SERVICES, namespace, want);
      return;
    }
    if (!isManagedChallengeObject(have.metadata)) {
      this.#log.error(
        `do not update service '${namespace}/${serviceName}' as it does not have ${LEGACY_MANAGED_ANNOTATION}=true annotation`,
      );
      return;
    }
    const havePorts = (have.spec?.ports ?? []).map((p) => ({
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol,
    }));
    const wantPorts = want.spec.ports.map((p) => ({
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol,
    }));
    if (sameContent(have.spec?.selector, want.spec.selector) && sameContent(havePorts, wantPorts)) return;
    await this.#objects.replace<ServiceObject>(SERVICES, namespace, {
      ...have,
      spec: { ...have.spec, selector: want.spec.selector ?? {}, ports: want.spec.ports },
    });
  }

  async #upsertIngress(want: IngressObject): Promise<void> {
    const namespace = this.#settings.namespace;
    const name = want.metadata?.name ?? '';
    const created = await this.#createFirst(INGRESSES, name, want);
    if (created !== undefined) {
      this.#written.set(name, created);
      this.#log.debug('created challenge ingress', { name, namespace });
      return;
    }
    const last = this.#written.get(name);
    this.#written.delete(name);
    if (last !== undefined && !sameIngress(last, want)) {
      try {
        this.#written.set(
          name,
          await this.#objects.replace(INGRESSES, namespace, updatedIngress(last, want)),
        );
        return;
      } catch (err) {
        // Changed or removed by someone else since our write: decide from what is there now.
        if (!isKubeError(err, 'conflict') && !isKubeError(err, 'notFound')) throw err;
      }
    }
    const have = await this.#objects.find<IngressObject>(INGRESSES, namespace, name);
    if (have === undefined) {
      await this.#objects.create(INGRESSES, namespace, want);
      this.#log.debug('created challenge ingress', { name, namespace });
      return;
    }
    if (
      !isManagedChallengeObject(have.metadata) &&
      have.metadata?.annotations?.['kubernetes.io/tls-acme-challenge-endpoints'] !== 'true'
    ) {
      this.#log.error(`do not update ingress '${namespace}/${name}' as it was not created by kube-lego`);
      return;
    }
    if (sameIngress(have, want)) {
      this.#written.set(name, have);
      return;
    }
    this.#written.set(name, await this.#objects.replace(INGRESSES, namespace, updatedIngress(have, want)));
  }

  /** Deletes an object this process created, by its uid, without reading it; `true` when that settled it. */
  async #deleteCreated(resource: ResourceKind, name: string): Promise<boolean> {
    const key = `${resource.plural}/${name}`;
    const uid = this.#createdUids.get(key);
    if (uid === undefined) return false;
    this.#createdUids.delete(key);
    try {
      await this.#objects.delete(resource, { namespace: this.#settings.namespace, name, uid });
      return true;
    } catch (err) {
      if (isKubeError(err, 'notFound')) return true;
      // Another object of that name (the uid precondition failed): decide from what is there now.
      if (isKubeError(err, 'conflict')) return false;
      throw err;
    }
  }

  async #deleteIngress(name: string): Promise<void> {
    const namespace = this.#settings.namespace;
    this.#written.delete(name);
    if (await this.#deleteCreated(INGRESSES, name)) return;
    const have = await this.#objects.find<IngressObject>(INGRESSES, namespace, name);
    if (have === undefined) return;
    if (
      !isManagedChallengeObject(have.metadata) &&
      have.metadata?.annotations?.['kubernetes.io/tls-acme-challenge-endpoints'] !== 'true'
    )
      return;
    await this.#deleteIgnoringAbsent(INGRESSES, name, have.metadata?.uid);
  }

  async #deleteService(): Promise<void> {
    const { namespace, serviceName } = this.#settings;
    if (await this.#deleteCreated(SERVICES, serviceName)) return;
    const have = await this.#objects.find<ServiceObject>(SERVICES, namespace, serviceName);
    if (have === undefined) return;
    if (!isManagedChallengeObject(have.metadata)) {
      this.#log.error(
        `do not delete service '${namespace}/${serviceName}' as it does not have ${LEGACY_MANAGED_ANNOTATION}=true annotation`,
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
