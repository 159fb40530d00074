import {
  MissingPermissionError,
  type CertificateInventory,
  type InventorySecret,
  type RecordedEvent,
} from '../adapters/kube/certificate-inventory.js';
import { certificateStatuses, type CertificateStatus } from '../domain/certificate-status.js';
import { desiredCertificates } from '../domain/desired.js';
import { plan, type Plan, type PlanPolicy } from '../domain/plan.js';
import { servedOutcomeOfEvents } from '../domain/served-outcome.js';
import type { SecretKey, SecretSnapshot } from '../domain/types.js';

/** The plan of a namespace (or of all) as the controller would make it now, and each row of `status`. */
export interface CertificateReport {
  readonly plan: Plan;
  readonly statuses: readonly CertificateStatus[];
  /** The Secrets read, by key (only the ones that exist). */
  readonly secrets: ReadonlyMap<SecretKey, InventorySecret>;
  /** The Events on the Ingresses, read once for the served column and for `explain`. */
  readonly events: IngressEvents;
}

/** The Events on the Ingresses by `namespace/name`, or the refusal when the user may not list Events. */
export type IngressEvents =
  | { readonly kind: 'read'; readonly byIngress: ReadonlyMap<string, readonly RecordedEvent[]> }
  | { readonly kind: 'refused'; readonly error: MissingPermissionError };

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
  const events = await ingressEvents(inventory, options.namespace);
  const byIngress = events.kind === 'read' ? events.byIngress : new Map<string, RecordedEvent[]>();
  return { plan: planned, statuses: statuses.map((s) => withServed(s, byIngress)), secrets, events };
}

/** The Events on the Ingresses in one list; refused when the user may not list Events (SERVED shows `-`). */
async function ingressEvents(
  inventory: CertificateInventory,
  namespace: string | undefined,
): Promise<IngressEvents> {
  try {
    return { kind: 'read', byIngress: await inventory.ingressEventsByIngress(namespace) };
  } catch (err) {
    if (err instanceof MissingPermissionError) return { kind: 'refused', error: err };
    throw err;
  }
}

/**
 * The served-certificate check's outcome from the Events its Ingresses carry, for a Secret that holds the
 * CA's certificate (the check never runs on a temporary one).
 */
function withServed(
  status: CertificateStatus,
  events: ReadonlyMap<string, readonly RecordedEvent[]>,
): CertificateStatus {
  if (status.notAfterMs === undefined || status.state === 'Temporary' || status.secret === '') return status;
  const mine = status.ingresses.flatMap((ingress) => events.get(`${status.namespace}/${ingress}`) ?? []);
  const served = servedOutcomeOfEvents(mine, status.secret);
  return served === undefined ? status : { ...status, served };
}
