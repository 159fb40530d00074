import { KubeLegoError, type Reaction } from '../../domain/kube-lego-error.js';
import {
  gceChallengeEndpoints,
  gceChallengeEndpointSlice,
  gceChallengeService,
  gceIngressEdit,
  type GceChallengeSettings,
  type GceTarget,
} from '../../domain/gce-challenge-routing.js';
import { isManagedChallengeObject } from '../../domain/challenge-routing.js';
import type { Log } from '../../ports/log.js';
import type { KubeObjects } from '../kube/kube-objects.js';
import { ingressView } from '../kube/ingress-view.js';
import type {
  EndpointSliceObject,
  EndpointsObject,
  IngressObject,
  ServiceObject,
} from '../kube/kube-types.js';
import { isKubeError } from '../kube/kube-errors.js';
import { ENDPOINT_SLICES, ENDPOINTS, INGRESSES, SERVICES } from '../kube/resources.js';
import type { RoutedHost } from './nginx-routing.js';

/** Typed failure: the gce provider needs the pod IP for its Endpoints. */
export class GcePodIpMissingError extends KubeLegoError {
  override readonly name = 'GcePodIpMissingError';
  readonly code = 'gcePodIpMissing';

  /** A configuration fault: the deployment must set the pod IP. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The gce provider (kube-lego §3.4): adds the challenge path to the user's own Ingresses for the hosts
 * with a pending challenge, points a selector-less NodePort Service and its Endpoints at this pod, and
 * restores the user's rules exactly once the challenge is done (bug 19). Writes only on change, with
 * the Ingress's resourceVersion. A namespace's Service, Endpoints and EndpointSlice are deleted once none
 * of its hosts is pending (0.1.7 left them behind), after its Ingresses no longer route to them.
 */
export class GceRouting {
  readonly #objects: KubeObjects;
  readonly #settings: GceChallengeSettings & { readonly podIp: string | undefined };
  readonly #log: Log;
  /** Ingresses edited at the last sync, so they are restored when their hosts are done. */
  readonly #edited = new Set<string>();
  /** Namespaces whose Service, Endpoints and EndpointSlice this process set up and has not removed since. */
  readonly #backends = new Set<string>();

  constructor(options: {
    readonly objects: KubeObjects;
    readonly settings: GceChallengeSettings & { readonly podIp: string | undefined };
    readonly log: Log;
  }) {
    this.#objects = options.objects;
    this.#settings = options.settings;
    this.#log = options.log.with({ context: 'provider', provider: 'gce' });
  }

  /** Brings every affected user Ingress (and each namespace's Service and Endpoints) in line with `hosts`. */
  async sync(hosts: readonly RoutedHost[]): Promise<void> {
    const byIngress = new Map<string, string[]>();
    for (const pending of hosts) {
      for (const ingress of pending.ingresses) {
        const list = byIngress.get(ingress) ?? [];
        list.push(pending.host);
        byIngress.set(ingress, list);
      }
    }
    const namespaces = new Set([...byIngress.keys()].map((key) => key.split('/')[0] ?? ''));
    for (const namespace of namespaces) {
      await this.#ensureBackend(namespace);
      this.#backends.add(namespace);
    }
    const targets = new Set([...byIngress.keys(), ...this.#edited]);
    for (const key of targets) {
      await this.#editIngress(key, byIngress.get(key) ?? []);
      if (byIngress.has(key)) this.#edited.add(key);
      else this.#edited.delete(key);
    }
    // Only once every Ingress of the namespace is restored: GLBC never sees a path to a missing Service.
    for (const namespace of [...this.#backends]) {
      if (namespaces.has(namespace)) continue;
      await this.#removeBackend(namespace);
      this.#backends.delete(namespace);
    }
  }

  /** Deletes the namespace's challenge Service, Endpoints and EndpointSlice, each only if kube-lego's. */
  async #removeBackend(namespace: string): Promise<void> {
    const name = this.#settings.serviceName;
    for (const resource of [ENDPOINT_SLICES, ENDPOINTS, SERVICES]) {
      const have = await this.#objects.find<ServiceObject | EndpointsObject | EndpointSliceObject>(
        resource,
        namespace,
        name,
      );
      if (have === undefined) continue;
      if (!isManagedChallengeObject(have.metadata)) {
        this.#log.error(
          `do not delete ${resource.kind.toLowerCase()} '${namespace}/${name}' as it was not created by kube-lego`,
        );
        continue;
      }
      const uid = have.metadata?.uid;
      try {
        await this.#objects.delete(resource, { namespace, name, ...(uid === undefined ? {} : { uid }) });
      } catch (err) {
        // Gone already, or replaced by another object since the read (the uid precondition): not ours to delete.
        if (!isKubeError(err, 'notFound') && !isKubeError(err, 'conflict')) throw err;
      }
    }
    this.#log.debug('removed svc endpoint', { namespace });
  }

  async #editIngress(key: string, pendingHosts: readonly string[]): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const ingress = await this.#objects.find<IngressObject>(INGRESSES, namespace, name);
    if (ingress === undefined) return;
    const edit = gceIngressEdit(ingressView(ingress), pendingHosts, this.#settings);
    if (!edit.changed) return;
    await this.#objects.replace<IngressObject>(INGRESSES, namespace, {
      ...ingress,
      metadata: { ...ingress.metadata, annotations: edit.annotations },
      spec: { ...ingress.spec, rules: edit.rules },
    });
    this.#log.debug(pendingHosts.length > 0 ? 'added challenge paths' : 'removed challenge paths', {
      name,
      namespace,
    });
  }

  async #ensureBackend(namespace: string): Promise<void> {
    const podIp = this.#settings.podIp;
    if (podIp === undefined) {
      throw new GcePodIpMissingError(
        `Cannot route http-01 challenges with the gce provider in namespace "${namespace}": LEGO_POD_IP is not set, pass the pod IP through the downward API`,
      );
    }
    const target = { ...this.#settings, namespace, podIp };
    this.#log.debug('setting up svc endpoint', { pod_ip: podIp, namespace });
    const service = gceChallengeService(target);
    const haveService = await this.#objects.find<ServiceObject>(SERVICES, namespace, service.metadata.name);
    if (haveService === undefined) {
      await this.#objects.create(SERVICES, namespace, service);
    } else if (!isManagedChallengeObject(haveService.metadata)) {
      this.#log.error(
        `do not update service '${namespace}/${service.metadata.name}' as it was not created by kube-lego`,
      );
      return;
    } else if (haveService.spec?.type !== 'NodePort' || haveService.spec.selector !== undefined) {
      const { selector: _selector, ...spec } = haveService.spec ?? {};
      await this.#objects.replace<ServiceObject>(SERVICES, namespace, {
        ...haveService,
        spec: { ...spec, type: 'NodePort', ports: service.spec.ports },
      });
    }
    const endpoints = gceChallengeEndpoints(target);
    const haveEndpoints = await this.#objects.find<EndpointsObject>(
      ENDPOINTS,
      namespace,
      endpoints.metadata.name,
    );
    try {
      if (haveEndpoints === undefined) await this.#objects.create(ENDPOINTS, namespace, endpoints);
      else if (!sameJson(haveEndpoints.subsets, endpoints.subsets)) {
        await this.#objects.replace<EndpointsObject>(ENDPOINTS, namespace, {
          ...haveEndpoints,
          subsets: endpoints.subsets,
        });
      }
    } catch (err) {
      if (!isKubeError(err, 'alreadyExists')) throw err;
    }
    await this.#ensureEndpointSlice(target);
  }

  /** The EndpointSlice twin of the Endpoints (Endpoints are deprecated from Kubernetes 1.33). */
  async #ensureEndpointSlice(target: GceTarget): Promise<void> {
    const slice = gceChallengeEndpointSlice(target);
    const have = await this.#objects.find<EndpointSliceObject>(
      ENDPOINT_SLICES,
      target.namespace,
      slice.metadata.name,
    );
    try {
      if (have === undefined) {
        await this.#objects.create(ENDPOINT_SLICES, target.namespace, slice);
      } else if (
        isManagedChallengeObject(have.metadata) &&
        (!sameJson(have.endpoints, slice.endpoints) || !sameJson(have.ports, slice.ports))
      ) {
        await this.#objects.replace<EndpointSliceObject>(ENDPOINT_SLICES, target.namespace, {
          ...have,
          addressType: slice.addressType,
          endpoints: slice.endpoints,
          ports: slice.ports,
        });
      }
    } catch (err) {
      if (!isKubeError(err, 'alreadyExists')) throw err;
    }
  }
}
