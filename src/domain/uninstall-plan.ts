import { isManagedChallengeObject } from './challenge-routing.js';
import { gceIngressEdit, type GceChallengeSettings, type GceIngressEdit } from './gce-challenge-routing.js';
import { CHALLENGES_LABEL, isManagedSecret, MANAGED_LABEL } from './secret-annotations.js';
import type { IngressView } from './types.js';

// What `kube-lego uninstall` does with the objects it found in the cluster, decided from their metadata
// alone: kube-lego's label (`kube-lego/managed`), 0.1.7's marks (`kubernetes.io/kube-lego-managed`,
// `kubernetes.io/tls-acme-challenge-endpoints`) and the configured names of the objects that carried
// no label before this release (the Lease, the challenges Secret, the account Secret).

/** The kinds of object kube-lego creates or edits. */
export type InstalledKind = 'Ingress' | 'Service' | 'Endpoints' | 'EndpointSlice' | 'Lease' | 'Secret';

/** One object as found in the cluster. */
export interface InstalledObject {
  readonly kind: InstalledKind;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Ingresses only: the rules the gce provider may have edited. */
  readonly ingress?: IngressView;
}

/** The configured names of what the controller creates. */
export interface InstallationNames {
  /** kube-lego's own namespace (`LEGO_NAMESPACE`). */
  readonly namespace: string;
  readonly accountSecretName: string;
  readonly leaseName: string;
  /** `LEGO_KUBE_ANNOTATION`. */
  readonly annotation: string;
  readonly gce: GceChallengeSettings;
}

/** Why an object is removed or kept: printed beside it. */
export type UninstallReason =
  | 'nginx challenge routing'
  | 'gce challenge routing'
  | 'leader election'
  | 'pending challenge tokens'
  | 'TLS certificate'
  | 'ACME account key';

/** One thing `kube-lego uninstall` does. */
export type UninstallStep =
  | { readonly kind: 'delete'; readonly object: InstalledObject; readonly reason: UninstallReason }
  | {
      readonly kind: 'revert';
      readonly object: InstalledObject;
      readonly edit: GceIngressEdit;
      readonly reason: 'gce challenge routing';
    }
  | {
      readonly kind: 'keep';
      readonly object: InstalledObject;
      readonly reason: 'TLS certificate' | 'ACME account key';
    };

const CHALLENGE_INGRESS_ANNOTATION = 'kubernetes.io/tls-acme-challenge-endpoints';
const SLICE_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';

function isOwnName(object: InstalledObject, names: InstallationNames, name: string): boolean {
  return object.namespace === names.namespace && object.name === name;
}

function routingStep(object: InstalledObject, names: InstallationNames): UninstallStep | undefined {
  const ours =
    isManagedChallengeObject(object) ||
    (object.kind === 'Ingress' && object.annotations[CHALLENGE_INGRESS_ANNOTATION] === 'true') ||
    (object.kind === 'EndpointSlice' && object.labels[SLICE_MANAGED_BY] === 'kube-lego');
  if (ours) {
    // The gce provider makes no Ingress of its own, and names its Service, Endpoints and EndpointSlice
    // after LEGO_SERVICE_NAME_GCE.
    const gce = object.kind !== 'Ingress' && object.name === names.gce.serviceName;
    return { kind: 'delete', object, reason: gce ? 'gce challenge routing' : 'nginx challenge routing' };
  }
  if (object.kind !== 'Ingress' || object.ingress === undefined) return undefined;
  const edit = gceIngressEdit(object.ingress, [], names.gce);
  return edit.changed ? { kind: 'revert', object, edit, reason: 'gce challenge routing' } : undefined;
}

function secretStep(
  object: InstalledObject,
  names: InstallationNames,
  deleteSecrets: boolean,
): UninstallStep | undefined {
  if (object.labels[CHALLENGES_LABEL] === 'true' || isOwnName(object, names, `${names.leaseName}-challenges`))
    return { kind: 'delete', object, reason: 'pending challenge tokens' };
  const reason = isOwnName(object, names, names.accountSecretName)
    ? 'ACME account key'
    : isManagedSecret(object.labels, object.annotations, names.annotation)
      ? 'TLS certificate'
      : undefined;
  if (reason === undefined) return undefined;
  return { kind: deleteSecrets ? 'delete' : 'keep', object, reason };
}

const ORDER: Readonly<Record<UninstallStep['kind'], number>> = { revert: 0, delete: 1, keep: 2 };
const KIND_ORDER: readonly InstalledKind[] = [
  'Ingress',
  'EndpointSlice',
  'Endpoints',
  'Service',
  'Lease',
  'Secret',
];

/**
 * The steps of `kube-lego uninstall` for the objects found: users' Ingresses the gce provider edited are
 * reverted first (so no Ingress routes to a Service about to go), then the challenge Ingresses, Services,
 * Endpoints and EndpointSlices, the Lease and the challenges Secret are deleted; the TLS Secrets and the
 * account Secret are kept unless `deleteSecrets`. Anything else found is left out: never a user's object.
 * Each object appears once, however many lists found it.
 */
export function uninstallPlan(
  found: readonly InstalledObject[],
  names: InstallationNames,
  options: { readonly deleteSecrets: boolean },
): UninstallStep[] {
  const seen = new Set<string>();
  const steps: UninstallStep[] = [];
  for (const object of found) {
    const key = `${object.kind} ${object.namespace}/${object.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const step =
      object.kind === 'Secret'
        ? secretStep(object, names, options.deleteSecrets)
        : object.kind === 'Lease'
          ? object.labels[MANAGED_LABEL] === 'true' || isOwnName(object, names, names.leaseName)
            ? { kind: 'delete' as const, object, reason: 'leader election' as const }
            : undefined
          : routingStep(object, names);
    if (step !== undefined) steps.push(step);
  }
  const rank = (step: UninstallStep): number => ORDER[step.kind] * 10 + KIND_ORDER.indexOf(step.object.kind);
  const key = (step: UninstallStep): string => `${step.object.namespace}/${step.object.name}`;
  return steps.sort((a, b) => rank(a) - rank(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
