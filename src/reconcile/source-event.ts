import { EVENT_TYPES, type EventReason } from '../domain/event-reasons.js';
import type { SourceRef } from '../domain/types.js';
import type { EventRecorder } from '../ports/events.js';
import type { Log } from '../ports/log.js';

/**
 * Records an Event on the object a certificate (or a problem) comes from, naming the certificate's Secret as
 * the related object when there is one (`kube-lego status` tells apart the Secrets of one Ingress by it);
 * Events are best effort.
 */
export async function recordSourceEvent(
  events: EventRecorder,
  log: Log,
  event: {
    readonly source: SourceRef;
    readonly reason: EventReason;
    readonly message: string;
    readonly secret?: { readonly namespace: string; readonly name: string };
  },
): Promise<void> {
  const { source, reason, message, secret } = event;
  try {
    await events.record({
      involved: {
        apiVersion: source.apiVersion,
        kind: source.kind,
        namespace: source.namespace,
        name: source.name,
        ...(source.uid === undefined ? {} : { uid: source.uid }),
      },
      ...(secret === undefined
        ? {}
        : { related: { apiVersion: 'v1', kind: 'Secret', namespace: secret.namespace, name: secret.name } }),
      type: EVENT_TYPES[reason],
      reason,
      message,
    });
  } catch (err) {
    log.with({ context: 'kubelego' }).warn(`cannot record event ${reason}: ${String(err)}`);
  }
}
