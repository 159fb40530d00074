// The reads and writes of `kube-lego uninstall`, with the operator's credentials (never the controller's
// ServiceAccount, whose RBAC stays what the controller itself uses): every object kube-lego may have created
// or edited, found by its label or 0.1.7's marks across all namespaces and by its configured name in
// kube-lego's namespace; then the deletions and the reverts of users' Ingresses.
import { gceIngressEdit } from '../../domain/gce-challenge-routing.js';
import { CHALLENGES_LABEL, MANAGED_SELECTOR } from '../../domain/secret-annotations.js';
import type {
  InstallationNames,
  InstalledKind,
  InstalledObject,
  UninstallStep,
} from '../../domain/uninstall-plan.js';
import { MissingPermissionError, type Permission } from './certificate-inventory.js';
import { ingressView } from './ingress-view.js';
import type { KubeClient } from './kube-client.js';
import { isKubeError } from './kube-errors.js';
import { KubeObjects } from './kube-objects.js';
import type { IngressObject, ObjectMeta } from './kube-types.js';
import {
  ENDPOINT_SLICES,
  ENDPOINTS,
  INGRESSES,
  LEASES,
  SECRETS,
  SERVICES,
  type ResourceKind,
} from './resources.js';

const RESOURCES: Readonly<Record<InstalledKind, ResourceKind>> = {
  Ingress: INGRESSES,
  Service: SERVICES,
  Endpoints: ENDPOINTS,
  EndpointSlice: ENDPOINT_SLICES,
  Lease: LEASES,
  Secret: SECRETS,
};

/** Fresh reads of an Ingress whose revert met a conflict, before the conflict is reported. */
const REVERT_ATTEMPTS = 5;

interface ListedObject {
  readonly metadata?: ObjectMeta;
}

function installed(kind: InstalledKind, object: ListedObject): InstalledObject {
  const meta = object.metadata ?? {};
  return {
    kind,
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    ...(meta.uid === undefined ? {} : { uid: meta.uid }),
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    ...(kind === 'Ingress' ? { ingress: ingressView(object) } : {}),
  };
}

/** Finds kube-lego's objects in a cluster and removes them, with the caller's credentials. */
export class InstalledObjects {
  readonly #objects: KubeObjects;

  constructor(client: KubeClient) {
    this.#objects = new KubeObjects(client);
  }

  async #asked<T>(permission: Permission, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (isKubeError(err, 'forbidden')) throw new MissingPermissionError(permission, err);
      throw err;
    }
  }

  async #list(kind: InstalledKind, labelSelector?: string): Promise<InstalledObject[]> {
    const resource = RESOURCES[kind];
    const items = await this.#asked({ verb: 'list', resource, namespace: undefined }, () =>
      this.#objects.list<ListedObject>(resource, undefined, labelSelector),
    );
    return items.map((item) => installed(kind, item));
  }

  async #named(kind: InstalledKind, namespace: string, name: string): Promise<InstalledObject[]> {
    const resource = RESOURCES[kind];
    const found = await this.#asked({ verb: 'get', resource, namespace }, () =>
      this.#objects.find<ListedObject>(resource, namespace, name),
    );
    return found === undefined ? [] : [installed(kind, found)];
  }

  /**
   * Every candidate: all Ingresses, Services, Endpoints and EndpointSlices (0.1.7 marked its objects with
   * an annotation, which no selector can ask for), the labelled Leases and Secrets, and the Lease, the
   * challenges Secret and the account Secret by name. uninstallPlan() decides which of them are kube-lego's.
   */
  async find(names: InstallationNames): Promise<InstalledObject[]> {
    const lists = await Promise.all([
      this.#list('Ingress'),
      this.#list('Service'),
      this.#list('Endpoints'),
      this.#list('EndpointSlice'),
      this.#list('Lease', MANAGED_SELECTOR),
      this.#named('Lease', names.namespace, names.leaseName),
      this.#list('Secret', `${CHALLENGES_LABEL}=true`),
      this.#named('Secret', names.namespace, `${names.leaseName}-challenges`),
      this.#list('Secret', MANAGED_SELECTOR),
      this.#named('Secret', names.namespace, names.accountSecretName),
    ]);
    return lists.flat();
  }

  /** Carries out one step: a delete by uid (an object replaced since is left alone), or an Ingress revert. */
  async apply(step: UninstallStep, names: InstallationNames): Promise<'done' | 'gone'> {
    const { object } = step;
    const resource = RESOURCES[object.kind];
    if (step.kind === 'keep') return 'done';
    if (step.kind === 'delete') {
      try {
        await this.#asked({ verb: 'delete', resource, namespace: object.namespace }, () =>
          this.#objects.delete(resource, {
            namespace: object.namespace,
            name: object.name,
            ...(object.uid === undefined ? {} : { uid: object.uid }),
          }),
        );
        return 'done';
      } catch (err) {
        if (isKubeError(err, 'notFound') || isKubeError(err, 'conflict')) return 'gone';
        throw err;
      }
    }
    // A revert reads the Ingress afresh and writes with its resourceVersion: a change made meanwhile is
    // kept (the edit is recomputed on it), never overwritten.
    for (let attempt = 1; ; attempt += 1) {
      const have = await this.#asked({ verb: 'get', resource, namespace: object.namespace }, () =>
        this.#objects.find<IngressObject>(INGRESSES, object.namespace, object.name),
      );
      if (have === undefined) return 'gone';
      const edit = gceIngressEdit(ingressView(have), [], names.gce);
      if (!edit.changed) return 'done';
      try {
        await this.#asked({ verb: 'update', resource, namespace: object.namespace }, () =>
          this.#objects.replace<IngressObject>(INGRESSES, object.namespace, {
            ...have,
            metadata: { ...have.metadata, annotations: edit.annotations },
            spec: { ...have.spec, rules: edit.rules },
          }),
        );
        return 'done';
      } catch (err) {
        // Someone keeps changing it (a controller still running?): give up after a few fresh reads.
        if (!isKubeError(err, 'conflict') || attempt >= REVERT_ATTEMPTS) throw err;
      }
    }
  }
}
