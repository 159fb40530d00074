import type { EventReason } from './event-reasons.js';
import { formatElapsed } from './served-check.js';

// The outcome of the served-certificate check of one certificate, as metrics and `kube-lego status` show it.
// The controller knows it from its own check (served-check.ts); the CLI, a separate process, reads the same
// fact from the Events the check records on the Ingress (servedOutcomeOfEvents()).

/**
 * The last served-certificate check of a certificate: still running (`pending`), the load balancer serves
 * the stored certificate (`served`, with the time it took), it still serves another at the time limit
 * (`notServed`), or there is no address to check (`notCheckable`, not a failure).
 */
export type ServedOutcome =
  | { readonly kind: 'pending' }
  | { readonly kind: 'served'; readonly elapsedMs: number }
  | { readonly kind: 'notServed' }
  | { readonly kind: 'notCheckable' };

/** One Event on an Ingress, as far as the served outcome needs it. */
export interface ServedEvent {
  readonly reason: string;
  /** When it last happened. */
  readonly lastMs: number | undefined;
  /** The Secret the Event is about (its `related` object); undefined on Events that name none. */
  readonly secret: string | undefined;
}

const STORED: readonly EventReason[] = ['CertificateIssued', 'CertificateRenewed'];

/**
 * The outcome of the last check of `secret` from the Events on its Ingresses: the check of the certificate
 * stored last (the latest `CertificateIssued` or `CertificateRenewed`) is `notServed` if any target was
 * reported not served since, else `served` once `CertificateServed` follows (the time it took is between the
 * two Events, to the second as Events record it), else `notCheckable`, else `pending`. Undefined while no
 * certificate from the CA was stored (or its Event expired): nothing to check.
 */
export function servedOutcomeOfEvents(
  events: readonly ServedEvent[],
  secret: string,
): ServedOutcome | undefined {
  const mine = events.filter(
    (e): e is ServedEvent & { lastMs: number } =>
      e.lastMs !== undefined && (e.secret === undefined || e.secret === secret),
  );
  const storedMs = Math.max(
    ...mine.filter((e) => STORED.some((reason) => reason === e.reason)).map((e) => e.lastMs),
  );
  if (!Number.isFinite(storedMs)) return undefined;
  const since = (reason: EventReason): number[] =>
    mine.filter((e) => e.reason === reason && e.lastMs >= storedMs).map((e) => e.lastMs);
  if (since('CertificateNotServed').length > 0) return { kind: 'notServed' };
  const served = since('CertificateServed');
  if (served.length > 0) return { kind: 'served', elapsedMs: Math.max(...served) - storedMs };
  if (since('CertificateNotCheckable').length > 0) return { kind: 'notCheckable' };
  return { kind: 'pending' };
}

/** The outcome as the status table's SERVED column says it: `yes (7m12s)`, `no`, `not checkable`, `pending`, `-`. */
export function servedOutcomeText(outcome: ServedOutcome | undefined): string {
  if (outcome === undefined) return '-';
  switch (outcome.kind) {
    case 'pending':
      return 'pending';
    case 'served':
      return `yes (${formatElapsed(outcome.elapsedMs)})`;
    case 'notServed':
      return 'no';
    case 'notCheckable':
      return 'not checkable';
  }
}
