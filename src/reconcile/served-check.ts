import {
  notCheckableMessage,
  notServedMessage,
  servedCheckOffsetsMs,
  servedCheckTargets,
  servedInstead,
  servedMessage,
  servesStored,
  type LeafCertificate,
  type ServedCheckPolicy,
  type ServedCheckTarget,
  type ServedInstead,
} from '../domain/served-check.js';
import type { ServedOutcome } from '../domain/served-outcome.js';
import type { DesiredCertificate, SourceRef } from '../domain/types.js';
import type { EventRecorder } from '../ports/events.js';
import type { Log } from '../ports/log.js';
import type { IngressAddresses, ServedProbe } from '../ports/served-probe.js';
import { abortableSleep } from '../runtime/abortable-sleep.js';
import { recordSourceEvent } from './source-event.js';

/** A certificate just stored, to be checked at the load balancers of the Ingresses that ask for it. */
export interface ServedCheckRequest {
  readonly want: DesiredCertificate;
  readonly certificatePem: string;
  /** What the Secret held before (the previous or the temporary certificate), to name it when still served. */
  readonly previousCertificatePem?: string;
  readonly storedAtMs: number;
}

/** How the check of one Ingress ended; `stopped` when a newer certificate or shutdown ended it first. */
type SourceOutcome = Exclude<ServedOutcome, { kind: 'pending' }> | { readonly kind: 'stopped' };

/**
 * The certificate's outcome from its Ingresses', in servedOutcomeOfEvents()'s order (so metrics and
 * `status` agree): not served anywhere wins, then served (the slowest), then not checkable.
 */
function combinedOutcome(outcomes: readonly SourceOutcome[]): ServedOutcome | undefined {
  if (outcomes.some((o) => o.kind === 'stopped')) return undefined;
  if (outcomes.some((o) => o.kind === 'notServed')) return { kind: 'notServed' };
  const elapsed = outcomes.flatMap((o) => (o.kind === 'served' ? [o.elapsedMs] : []));
  if (elapsed.length > 0) return { kind: 'served', elapsedMs: Math.max(...elapsed) };
  return { kind: 'notCheckable' };
}

/** Starts the served-certificate check of a stored certificate; the reconciler's view of ServedCheck. */
export interface ServedCheckStarter {
  start(request: ServedCheckRequest): void;
}

export interface ServedCheckOptions {
  readonly probe: ServedProbe;
  readonly addresses: IngressAddresses;
  readonly events: EventRecorder;
  readonly policy: ServedCheckPolicy;
  readonly log: Log;
  /** Aborted on shutdown: every check stops at once. */
  readonly shutdown: AbortSignal;
  readonly nowMs?: () => number;
}

/**
 * The served-certificate check: after a certificate is stored, TLS handshakes with each address of each
 * Ingress's `status.loadBalancer.ingress`, SNI = each host, until each serves the stored leaf
 * (`CertificateServed`, with the time it took) or the time limit passes (`CertificateNotServed`, naming
 * what is served instead). Runs beside the reconciler, never in an order slot; a newer certificate for the
 * same Secret replaces a check still running.
 */
export class ServedCheck implements ServedCheckStarter {
  readonly #o: ServedCheckOptions;
  readonly #running = new Map<string, { readonly stop: AbortController; readonly done: Promise<void> }>();
  readonly #outcomes = new Map<string, ServedOutcome>();

  constructor(options: ServedCheckOptions) {
    this.#o = options;
  }

  #now(): number {
    return this.#o.nowMs?.() ?? Date.now();
  }

  start(request: ServedCheckRequest): void {
    const key = request.want.key;
    this.#running.get(key)?.stop.abort();
    const stored = this.#o.probe.leafOf(request.certificatePem);
    if (stored === undefined) return;
    const previous =
      request.previousCertificatePem === undefined
        ? undefined
        : this.#o.probe.leafOf(request.previousCertificatePem);
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, this.#o.shutdown]);
    const current = (): boolean => this.#running.get(key)?.stop === stop;
    const noteNotCheckable = (): void => {
      if (current()) this.#outcomes.set(key, { kind: 'notCheckable' });
    };
    this.#outcomes.set(key, { kind: 'pending' });
    const done = Promise.all(
      request.want.sources.map((source) =>
        this.#checkSource(source, { request, stored, previous, signal, noteNotCheckable }).catch(
          (err: unknown): SourceOutcome => {
            this.#logOf(source).warn(`served-certificate check stopped: ${String(err)}`);
            return { kind: 'stopped' };
          },
        ),
      ),
    ).then((outcomes) => {
      if (!current()) return;
      this.#running.delete(key);
      const outcome = combinedOutcome(outcomes);
      if (outcome === undefined) this.#outcomes.delete(key);
      else this.#outcomes.set(key, outcome);
    });
    this.#running.set(key, { stop, done });
  }

  /**
   * The outcome of the last check of the Secret `key` (`namespace/name`) this process ran: `pending` while it
   * runs, undefined when none ran (the check is off, no certificate was stored since the start, or shutdown
   * stopped it).
   */
  outcome(key: string): ServedOutcome | undefined {
    return this.#outcomes.get(key);
  }

  /** Stops the check of the Secret `key` and drops its outcome (the Secret is gone or no longer managed). */
  forget(key: string): void {
    this.#running.get(key)?.stop.abort();
    this.#running.delete(key);
    this.#outcomes.delete(key);
  }

  /** Resolves when every running check has ended (for shutdown and tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  #logOf(source: SourceRef): Log {
    return this.#o.log.with({ context: 'ingress', name: source.name, namespace: source.namespace });
  }

  async #checkSource(
    source: SourceRef,
    context: {
      request: ServedCheckRequest;
      stored: LeafCertificate;
      previous: LeafCertificate | undefined;
      signal: AbortSignal;
      noteNotCheckable: () => void;
    },
  ): Promise<SourceOutcome> {
    const { request, stored, previous, signal, noteNotCheckable } = context;
    const { want, storedAtMs } = request;
    const log = this.#logOf(source);
    const secret = { namespace: want.namespace, name: want.secretName };
    const served = new Set<string>();
    const lastSeen = new Map<string, { target: ServedCheckTarget; instead: ServedInstead }>();
    let reportedNotCheckable = false;
    let lastServedMs = 0;
    // A function, not the property: the compiler would keep `aborted` narrowed across the awaits.
    const stopped = (): boolean => signal.aborted;
    for (const offsetMs of servedCheckOffsetsMs(this.#o.policy)) {
      await abortableSleep(storedAtMs + offsetMs - this.#now(), signal);
      if (stopped()) return { kind: 'stopped' };
      // Re-read each time: the ingress controller may publish the address after the certificate is stored.
      const targets = servedCheckTargets(
        this.#o.addresses.addresses(source.namespace, source.name, source.kind),
        want.hosts,
      );
      if (targets.length === 0 && !reportedNotCheckable) {
        reportedNotCheckable = true;
        noteNotCheckable();
        const message = notCheckableMessage(source.name, want.hosts);
        log.info(message);
        await recordSourceEvent(this.#o.events, this.#o.log, {
          source,
          secret,
          reason: 'CertificateNotCheckable',
          message,
        });
      }
      for (const target of targets) {
        const id = `${target.address}|${target.host}`;
        if (served.has(id)) continue;
        const outcome = await this.#o.probe.handshake(target, signal);
        if (stopped()) return { kind: 'stopped' };
        if (outcome.kind === 'served' && servesStored(stored, outcome.leaf)) {
          served.add(id);
          lastSeen.delete(id);
          lastServedMs = this.#now() - storedAtMs;
          const message = servedMessage(target, want.secretName, lastServedMs);
          log.info(message);
          await recordSourceEvent(this.#o.events, this.#o.log, {
            source,
            secret,
            reason: 'CertificateServed',
            message,
          });
          continue;
        }
        lastSeen.set(id, {
          target,
          instead:
            outcome.kind === 'served'
              ? servedInstead(outcome.leaf, previous)
              : { kind: 'unreachable', problem: outcome.problem },
        });
      }
      if (targets.length > 0 && targets.every((t) => served.has(`${t.address}|${t.host}`)))
        return { kind: 'served', elapsedMs: lastServedMs };
    }
    for (const { target, instead } of lastSeen.values()) {
      const message = notServedMessage(target, {
        secretName: want.secretName,
        stored,
        elapsedMs: this.#now() - storedAtMs,
        instead,
      });
      log.warn(message);
      await recordSourceEvent(this.#o.events, this.#o.log, {
        source,
        secret,
        reason: 'CertificateNotServed',
        message,
      });
    }
    if (lastSeen.size > 0) return { kind: 'notServed' };
    return served.size > 0 ? { kind: 'served', elapsedMs: lastServedMs } : { kind: 'notCheckable' };
  }
}
