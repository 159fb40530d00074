import type { EventReason, EventType } from '../domain/event-reasons.js';

/** The object a Kubernetes Event is recorded on (usually the user's Ingress). */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

/** One Event: the reason comes from the closed set in domain/event-reasons. */
export interface EventToRecord {
  readonly involved: InvolvedObject;
  /** The Secret the Event is about, when it is about one certificate (core/v1 `related`). */
  readonly related?: InvolvedObject;
  readonly type: EventType;
  readonly reason: EventReason;
  /** The same sentence as the log line; never a key or any other secret. */
  readonly message: string;
}

/** Records Kubernetes Events. Implementations aggregate repeats and never throw into the reconcile. */
export interface EventRecorder {
  record(event: EventToRecord): Promise<void>;
}
