import type { CertificateInventory, InventorySecret } from '../adapters/kube/certificate-inventory.js';
import { certificateStatuses, type CertificateStatus } from '../domain/certificate-status.js';
import { desiredCertificates } from '../domain/desired.js';
import { plan, type Plan, type PlanPolicy } from '../domain/plan.js';
import type { SecretKey, SecretSnapshot } from '../domain/types.js';

/** The plan of a namespace (or of all) as the controller would make it now, and each row of `status`. */
export interface CertificateReport {
  readonly plan: Plan;
  readonly statuses: readonly CertificateStatus[];
  /** The Secrets read, by key (only the ones that exist). */
  readonly secrets: ReadonlyMap<SecretKey, InventorySecret>;
}

/**
 * Without a persisted renewal time, an ARI window's draw is the controller's own; the report shows the
 * middle of the window until the controller has written its choice on the Secret.
 */
const MIDDLE_OF_WINDOW = (): number => 0.5;

/**
 * Reads the Ingresses and Gateways of `namespace` (all when undefined) and every Secret they ask for, then runs the
 * controller's plan() over them: the decision and its detail are the controller's, not a copy.
 */
export async function certificateReport(
  inventory: CertificateInventory,
  options: { readonly namespace: string | undefined; readonly policy: PlanPolicy; readonly nowMs: number },
): Promise<CertificateReport> {
  const ingresses = await inventory.ingresses(options.namespace);
  const gateways = await inventory.gatewaySources(options.namespace);
  const desired = desiredCertificates(ingresses, options.policy, gateways);
  const keys = [
    ...new Set([
      ...desired.certificates.map((c) => c.key),
      ...desired.problems.flatMap((p) => (p.key === undefined ? [] : [p.key])),
    ]),
  ];
  const secrets = new Map<SecretKey, InventorySecret>();
  for (const key of keys) {
    const slash = key.indexOf('/');
    const found = await inventory.secret(key.slice(0, slash), key.slice(slash + 1));
    if (found !== undefined) secrets.set(key, found);
  }
  const snapshots = new Map<SecretKey, SecretSnapshot>(
    [...secrets].map(([key, secret]) => [key, secret.snapshot]),
  );
  const planned = plan({
    ingresses,
    gateways,
    secrets: snapshots,
    nowMs: options.nowMs,
    policy: options.policy,
    random: MIDDLE_OF_WINDOW,
  });
  const statuses = certificateStatuses(planned, {
    minimumValidityMs: options.policy.minimumValidityMs,
    random: MIDDLE_OF_WINDOW,
  });
  return { plan: planned, statuses, secrets };
}
