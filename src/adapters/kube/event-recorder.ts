import type { KubeObjects } from './kube-objects.js';
import { isKubeError } from './kube-errors.js';
import { EVENTS } from './resources.js';
import type { EventRecorder as EventRecorderPort, EventToRecord } from '../../ports/events.js';

interface StoredEvent {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly count?: number;
}

interface SeenEvent {
  readonly name: string;
  count: number;
}

const COMPONENT = 'kube-lego';
const MAX_MESSAGE = 1024;
const MAX_REMEMBERED = 4096;

/**
 * Writes core/v1 Events. A repeat of the same (object, reason, message) bumps `count` and
 * `lastTimestamp` of the Event already written instead of creating a new one, as client-go's recorder
 * does, so a failure repeated every few minutes does not flood the namespace.
 */
export class EventRecorder implements EventRecorderPort {
  readonly #objects: KubeObjects;
  readonly #now: () => Date;
  readonly #seen = new Map<string, SeenEvent>();
  #sequence = 0;

  constructor(objects: KubeObjects, now: () => Date = () => new Date()) {
    this.#objects = objects;
    this.#now = now;
  }

  /** Records the event; throws only the API error (callers treat events as best effort). */
  async record(event: EventToRecord): Promise<void> {
    const message =
      event.message.length > MAX_MESSAGE ? `${event.message.slice(0, MAX_MESSAGE - 3)}...` : event.message;
    const { involved } = event;
    const key = [
      involved.namespace,
      involved.kind,
      involved.name,
      involved.uid ?? '',
      event.type,
      event.reason,
      message,
    ].join('\u0000');
    const timestamp = this.#now().toISOString();
    const seen = this.#seen.get(key);
    if (seen !== undefined) {
      try {
        const updated = await this.#objects.mergePatch<StoredEvent>(
          EVENTS,
          { namespace: involved.namespace, name: seen.name },
          { count: seen.count + 1, lastTimestamp: timestamp },
        );
        seen.count = updated.count ?? seen.count + 1;
        return;
      } catch (err) {
        // The Event expired (TTL) or was deleted: start a new one.
        if (!isKubeError(err, 'notFound')) throw err;
        this.#seen.delete(key);
      }
    }
    this.#sequence += 1;
    const name = `${involved.name}.${Date.parse(timestamp).toString(16)}${this.#sequence.toString(16)}`;
    const created = await this.#objects.create<StoredEvent & Record<string, unknown>>(
      EVENTS,
      involved.namespace,
      {
        metadata: { name, namespace: involved.namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          namespace: involved.namespace,
          name: involved.name,
          ...(involved.uid === undefined ? {} : { uid: involved.uid }),
        },
        ...(event.related === undefined ? {} : { related: event.related }),
        type: event.type,
        reason: event.reason,
        message,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        count: 1,
      },
    );
    if (this.#seen.size >= MAX_REMEMBERED) {
      const oldest = this.#seen.keys().next();
      if (oldest.done !== true) this.#seen.delete(oldest.value);
    }
    this.#seen.set(key, { name: created.metadata?.name ?? name, count: 1 });
  }
}
