import {
  decide,
  minimumValidityIgnoredMessage,
  type Decision,
  type DecisionPolicy,
  type RenewalWhy,
} from '../domain/decide.js';
import type { DesiredPolicy, DesiredProblem, IgnoredIngress } from '../domain/desired.js';
import { problemEventReason, RENEWAL_TEXT, type EventReason } from '../domain/event-reasons.js';
import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';
import { observeSecret, TLS_SECRET_TYPE } from '../domain/observe-secret.js';
import {
  recordAriWindow,
  recordFailure,
  recordIssued,
  keepRenewRequest,
  recordOrderOpened,
  recordRenewalTime,
} from '../domain/record-outcome.js';
import { lifetimeRenewalTime } from '../domain/renewal.js';
import {
  formatTime,
  managedSecretAnnotations,
  managedSecretLabels,
  PENDING_KEY_DATA_KEY,
} from '../domain/secret-annotations.js';
import type {
  CertInfo,
  DesiredCertificate,
  FailureReason,
  IssuanceRecord,
  ObservedSecret,
  SecretKey,
  SourceRef,
} from '../domain/types.js';
import type { EventRecorder } from '../ports/events.js';
import type { IssuedMaterial, Issuer } from '../ports/issuer.js';
import type { Log } from '../ports/log.js';
import type { IssuanceMetrics } from '../ports/metrics.js';
import type { ReconcileQueue } from '../ports/reconcile-queue.js';
import type { RenewalWindows } from '../ports/renewal-windows.js';
import type { SecretAccess, StoredSecret } from '../ports/secret-access.js';
import type { TemporaryCertificates } from '../ports/temporary-certificates.js';
import type { WriteAccess } from '../ports/write-access.js';
import {
  holdsTemporaryCertificate,
  TEMPORARY_CERTIFICATE_ANNOTATION,
  temporaryRenewAtMs,
} from '../domain/temporary-certificate-state.js';
import { abortableSleep } from '../runtime/abortable-sleep.js';
import type { Semaphore } from '../runtime/semaphore.js';
import type { DesiredCache } from './desired-index.js';
import { classifyFailure } from './failure-reason.js';
import type { ServedCheckStarter } from './served-check.js';
import { recordSourceEvent } from './source-event.js';

export interface ReconcilerSettings {
  readonly policy: DesiredPolicy & DecisionPolicy;
  readonly issuanceTimeoutMs: number;
  /**
   * Write a temporary self-signed certificate into an absent Secret at once, before the order slot and any
   * ACME request (`LEGO_TEMPORARY_CERTIFICATE`). Off: the Secret appears with the order in flight.
   * @default true
   */
  readonly temporaryCertificate?: boolean;
  /** How often the ARI window of a certificate is fetched again (RFC 9773 asks for at least twice a day). */
  readonly ariPollIntervalMs?: number;
  /** Backoff between attempts of a Secret write that failed transiently (5xx, timeout, reset, conflict). */
  readonly secretWriteRetry?: { readonly firstDelayMs: number; readonly maxDelayMs: number };
}

export interface ReconcilerOptions {
  readonly desired: DesiredCache;
  readonly secrets: SecretAccess;
  readonly access: WriteAccess;
  readonly issuer: Issuer;
  /** Fills a Secret that must exist before its certificate does (never an empty TLS pair). */
  readonly temporary: TemporaryCertificates;
  readonly events: EventRecorder;
  readonly queue: ReconcileQueue;
  readonly orders: Semaphore;
  /** Absent: ARI is off (`LEGO_ARI=false`). */
  readonly ari?: RenewalWindows;
  /** Checks that a stored certificate is served; absent: the check is off (`LEGO_SERVED_CHECK=false`). */
  readonly served?: ServedCheckStarter;
  readonly settings: ReconcilerSettings;
  readonly log: Log;
  /** Told how each issuance attempt ended. */
  readonly metrics?: IssuanceMetrics;
  /** Aborted on shutdown: in-flight orders stop at their next safe point. */
  readonly shutdown: AbortSignal;
  /**
   * With leader election, the signal of the current leadership term, aborted when the Lease is lost: orders
   * stop at their next safe point as on shutdown, and the next leader resumes them from the Secret.
   */
  readonly term?: () => AbortSignal;
  readonly nowMs?: () => number;
  readonly random?: () => number;
}

/** Why a Secret cannot receive the certificate; found before ordering so no certificate is thrown away. */
class SecretNotWritableError extends KubeLegoError {
  override readonly name = 'SecretNotWritableError';
  readonly code = 'secretNotWritable';

  /** The Secret's type, owner or kube-lego's RBAC must change first. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

/** Attempts of an ordinary Secret write; the certificate and the failure record are retried until stopped. */
const MAX_WRITE_ATTEMPTS = 5;
const DEFAULT_WRITE_RETRY = { firstDelayMs: 500, maxDelayMs: 30_000 };

/** Data keys to set (base64 values) and to remove on top of the Secret's current data. */
interface DataChange {
  readonly set?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
  /** Replace the pair with a fresh temporary one when the stored pair is the temporary one. */
  readonly renewTemporary?: boolean;
}

/** A Secret write that went through. */
interface WriteResult {
  /** A fresh temporary pair went in (the Secret had no pair, or its temporary one was renewed). */
  readonly temporaryWritten: boolean;
}

/** Whether a failed Secret read or write can succeed when tried again (5xx, timeouts, resets, 429). */
function isTransient(err: unknown): boolean {
  if (!(err instanceof KubeLegoError)) return false;
  const kind = err.reaction.kind;
  return kind === 'retry' || kind === 'waitUntil';
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The Event a failed attempt is reported with: a rate limit and an unavailable CA are not order failures. */
function failureEventReason(reason: FailureReason): EventReason {
  if (reason === 'RateLimited' || reason === 'CaUnavailable') return reason;
  return 'IssuanceFailed';
}

/** True when the Secret holds a non-empty certificate and key (whatever their quality). */
function hasTlsPair(secret: StoredSecret | undefined): boolean {
  return (secret?.data?.['tls.crt'] ?? '') !== '' && (secret?.data?.['tls.key'] ?? '') !== '';
}

/** The issuance record of one attempt as it moves on (the order URL is added once the order exists). */
interface Attempt {
  record: IssuanceRecord;
  /** The key of `record.orderUrl` is on the Secret: that order may be finalized, it is never dropped. */
  keyPersisted: boolean;
  /** The fresh key written with `record.orderUrl`: persisting that key before finalize needs no write. */
  keyWrittenWithOrder: string | undefined;
}

/**
 * Level-triggered reconcile of one TLS Secret key: read the desired certificate and the observed Secret
 * from the caches, decide(), then act. Issuance runs in the background under the order semaphore so a
 * worker is never held by a slow CA; a key with an order in flight is not reconciled again until the
 * order finishes, which re-queues it.
 */
export class Reconciler {
  readonly #o: ReconcilerOptions;
  readonly #log: Log;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #reportedProblems = new Set<string>();
  readonly #reportedIgnored = new Set<string>();
  /** Keys whose up-to-date state was logged in the current check. */
  readonly #reportedThisCheck = new Set<string>();
  readonly #warned = new Set<string>();
  /**
   * Failure backoff kept only while the Secret could not take the failure record: the Secret's state is
   * the one truth, so a user who deletes `retry-not-before` (or the Secret) retries at the next reconcile.
   */
  readonly #backoff = new Map<string, { readonly untilMs: number; readonly hosts: string }>();
  /** When each key's ARI window may be fetched again. */
  readonly #ariNextPollMs = new Map<string, number>();

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#log = options.log;
  }

  /**
   * A periodic check begins (and the first pass after the informers synced): each up-to-date
   * certificate reports itself once more.
   */
  startCheck(): void {
    this.#reportedThisCheck.clear();
  }

  /** The desired certificate of `key` now; a recomputed desired state first reports its problems. */
  async #desired(key: string): Promise<DesiredCertificate | undefined> {
    const { index, fresh } = this.#o.desired.current();
    if (fresh) {
      this.#reportIgnored(index.state.ignored);
      await this.#reportProblems(index.state.problems);
    }
    return index.byKey.get(key as SecretKey);
  }

  /** Orders still running (for graceful shutdown). */
  inFlight(): Promise<void>[] {
    return [...this.#inFlight.values()];
  }

  /** Aborted on shutdown or when this replica stops leading. */
  #stop(): AbortSignal {
    return this.#o.term === undefined
      ? this.#o.shutdown
      : AbortSignal.any([this.#o.shutdown, this.#o.term()]);
  }

  #now(): number {
    return this.#o.nowMs?.() ?? Date.now();
  }

  /** Reconciles one key; throws only on read failures (the caller re-queues with backoff). */
  async reconcile(key: string): Promise<void> {
    if (this.#inFlight.has(key)) return;
    const want = await this.#desired(key);
    if (want === undefined) return;
    const nowMs = this.#now();
    const backoff = this.#backoff.get(key);
    if (backoff !== undefined && backoff.untilMs > nowMs && backoff.hosts === want.hosts.join(',')) {
      this.#o.queue.addAfter(key, backoff.untilMs - nowMs);
      return;
    }
    const lookup = await this.#o.secrets.lookup(want.namespace, want.secretName, nowMs);
    const base = lookup.kind === 'found' ? lookup.secret : undefined;
    const { observed } = observeSecret(base?.snapshot, want, nowMs, this.#o.settings.policy.annotationKey);
    const decision = decide(
      want,
      observed,
      nowMs,
      this.#o.settings.policy,
      this.#o.random?.() ?? Math.random(),
    );
    const log = this.#log.with({
      context: 'ingress_tls',
      name: want.sources[0]?.name ?? want.secretName,
      namespace: want.namespace,
    });
    switch (decision.kind) {
      case 'skip':
        log.warn(decision.message, { ...decision.fields, secret: want.secretName });
        await this.#event(want, 'ForeignSecret', decision.detail);
        return;
      case 'wait':
        await this.#wait(want, decision, { base, observed, log, nowMs });
        return;
      case 'issue': {
        log.info(decision.message, decision.fields);
        if (decision.untrustedOrderUrl !== undefined) {
          await this.#reportUntrusted(want, decision.untrustedOrderUrl, log);
        }
        const run = this.#issue(want, decision, { base, observed, log }).finally(() => {
          this.#inFlight.delete(key);
          this.#o.queue.add(key);
        });
        this.#inFlight.set(key, run);
        return;
      }
    }
  }

  async #wait(
    want: DesiredCertificate,
    decision: Extract<Decision, { kind: 'wait' }>,
    context: { base: StoredSecret | undefined; observed: ObservedSecret; log: Log; nowMs: number },
  ): Promise<void> {
    const { base, observed, log, nowMs } = context;
    if (decision.why === 'RenewalScheduled' && !this.#reportedThisCheck.has(want.key)) {
      // kube-lego's two lines for an up-to-date certificate, once per certificate per check (not per
      // Ingress event: a 30-entry Ingress that changed often logged them dozens of times).
      this.#reportedThisCheck.add(want.key);
      log.info(decision.message, decision.fields);
      log.info('no cert request needed');
    } else log.debug(decision.message, decision.fields);
    for (const warning of decision.warnings) {
      const id = `${want.key}|${warning.code}|${String(decision.untilMs)}`;
      if (this.#warned.has(id)) continue;
      this.#warned.add(id);
      log.warn(warning.message);
      await this.#event(want, 'MinimumValidityIgnored', warning.message);
    }
    if (decision.why === 'RenewalScheduled' && base !== undefined && observed.state === 'present') {
      if (await this.#refreshAriWindow(want, base, observed.record, nowMs)) {
        this.#o.queue.add(want.key);
        return;
      }
    }
    let temporaryRenewMs: number | undefined;
    if (base !== undefined && observed.state === 'present') {
      if (holdsTemporaryCertificate(base.snapshot.annotations, observed.cert)) {
        temporaryRenewMs = temporaryRenewAtMs(observed.cert);
        if (temporaryRenewMs <= nowMs) {
          await this.#writeTemporary(want, observed.record, log);
          this.#o.queue.add(want.key);
          return;
        }
      }
    }
    if (decision.persist !== undefined && base !== undefined && observed.state === 'present') {
      const record = recordRenewalTime(
        observed.record,
        decision.persist.notAfterMs,
        decision.persist.renewAtMs,
      );
      try {
        await this.#writeRecord(want, record);
      } catch (err) {
        log.warn(`cannot store the renewal time on the secret: ${String(err)}`);
      }
    }
    // With ARI, look again when the window is due to be fetched, not only at the renewal time.
    const ariNext = this.#o.ari === undefined ? undefined : this.#ariNextPollMs.get(want.key);
    const wakeMs = Math.min(decision.untilMs, ariNext ?? Infinity, temporaryRenewMs ?? Infinity);
    this.#o.queue.addAfter(want.key, Math.max(1000, wakeMs - nowMs));
  }

  /**
   * One issuance attempt, in phases: check the Secret is writable, order (the order URL is persisted as
   * soon as it exists), store the certificate and report it; or record the failure and back off.
   */
  async #issue(
    want: DesiredCertificate,
    decision: Extract<Decision, { kind: 'issue' }>,
    context: { base: StoredSecret | undefined; observed: ObservedSecret; log: Log },
  ): Promise<void> {
    const { observed, log } = context;
    const renewal = observed.state === 'present' ? decision.renewal : undefined;
    const observedRecord =
      observed.state === 'present' || observed.state === 'unparseable' ? observed.record : { failures: 0 };
    // An untrusted order URL is never carried over: it is not re-persisted, even by a timeout's record.
    const { orderUrl: _untrusted, ...trustedRecord } = observedRecord;
    const record: IssuanceRecord = decision.untrustedOrderUrl === undefined ? observedRecord : trustedRecord;
    // The key persisted with the order to resume (invariant: a pending key belongs to the Secret's order URL).
    const pendingKey = context.base?.data?.[PENDING_KEY_DATA_KEY];
    const resumeKeyPem =
      decision.resumeOrderUrl !== undefined && record.orderUrl === decision.resumeOrderUrl && pendingKey
        ? Buffer.from(pendingKey, 'base64').toString('utf8')
        : undefined;
    const attempt: Attempt = {
      record,
      keyPersisted: resumeKeyPem !== undefined,
      keyWrittenWithOrder: undefined,
    };
    if (context.base === undefined && this.#o.settings.temporaryCertificate !== false) {
      // Before the order slot and any ACME request: the ingress controller gets an HTTPS front end now.
      await this.#writeTemporary(want, record, log);
    }
    await this.#o.orders.acquire();
    const timeout = AbortSignal.timeout(this.#o.settings.issuanceTimeoutMs);
    const signal = AbortSignal.any([timeout, this.#stop()]);
    try {
      // The decision was taken before waiting for the slot: the Ingresses may have changed since (a
      // second claim on the Secret, other hosts). Leave it to the next reconcile, which the key gets.
      const now = await this.#desired(want.key);
      if (now === undefined || now.hosts.join(',') !== want.hosts.join(',')) return;
      await this.#checkWritable(want, context.base);
      const material = await this.#order(want, {
        attempt,
        signal,
        ...(decision.resumeOrderUrl === undefined ? {} : { resumeOrderUrl: decision.resumeOrderUrl }),
        ...(resumeKeyPem === undefined ? {} : { resumeKeyPem }),
        ...(renewal !== undefined && context.base?.certificatePem !== undefined
          ? { replacesCertPem: context.base.certificatePem }
          : {}),
        log,
      });
      if ((await this.#desired(want.key)) === undefined) {
        // Claimed twice or no longer wanted while the order ran: a contested Secret receives nothing.
        log.warn(
          `not storing the certificate for ${want.hosts.join(', ')} in secret "${want.key}": the secret is no longer wanted for these hosts`,
        );
        return;
      }
      await this.#storeIssued(want, material, {
        renewal,
        log,
        ...(context.base?.certificatePem === undefined ? {} : { previousPem: context.base.certificatePem }),
      });
    } catch (err) {
      await this.#recordFailed(want, err, {
        attempt,
        current: observed.state === 'present' || observed.state === 'adoptable' ? observed.cert : undefined,
        timedOut: timeout.aborted,
        log,
      });
    } finally {
      this.#o.orders.release();
    }
  }

  /** Runs the ACME order; the order URL goes on the Secret before any challenge is answered. */
  async #order(
    want: DesiredCertificate,
    options: {
      attempt: Attempt;
      signal: AbortSignal;
      resumeOrderUrl?: string;
      resumeKeyPem?: string;
      replacesCertPem?: string;
      log: Log;
    },
  ): Promise<IssuedMaterial> {
    const { attempt, log } = options;
    log.info(`requesting certificate for ${want.hosts.join(',')}`);
    const source = want.sources[0];
    const material = await this.#o.issuer.issue({
      hosts: want.hosts,
      ...(want.profile === undefined ? {} : { profile: want.profile }),
      route: {
        provider: want.provider,
        ingressClass: want.class,
        classSource: source?.classSource ?? 'default',
        ingresses: want.sources.map((s) => `${s.namespace}/${s.name}`),
        ...(want.challenge === undefined ? {} : { challenge: want.challenge }),
        ...(want.gatewayChallenge === undefined ? {} : { gatewayChallenge: want.gatewayChallenge }),
      },
      ...(options.resumeOrderUrl === undefined ? {} : { resumeOrderUrl: options.resumeOrderUrl }),
      ...(options.resumeKeyPem === undefined ? {} : { resumeKeyPem: options.resumeKeyPem }),
      ...(options.replacesCertPem === undefined
        ? {}
        : { replacesCertPem: options.replacesCertPem, replacesRecord: attempt.record }),
      signal: options.signal,
      onAuthorized: (host) => {
        log.with({ context: 'acme', domain: host }).info('authorization successful');
      },
      onOrder: async (orderUrl, freshKeyPem) => {
        if (attempt.record.orderUrl === orderUrl) return;
        attempt.record = recordOrderOpened(attempt.record, orderUrl, want.hosts);
        attempt.keyPersisted = false;
        attempt.keyWrittenWithOrder = undefined;
        // The fresh key goes on with the order URL, in one write; a key left from an earlier order is of no
        // use to this one. Until finalize is due the order is not kept for its key (`keyPersisted`).
        await this.#writeRecord(want, attempt.record, {
          change:
            freshKeyPem === undefined
              ? { remove: [PENDING_KEY_DATA_KEY] }
              : { set: { [PENDING_KEY_DATA_KEY]: base64(freshKeyPem) } },
        });
        attempt.keyWrittenWithOrder = freshKeyPem;
      },
      onKey: async (privateKeyPem) => {
        if (attempt.keyWrittenWithOrder !== privateKeyPem)
          await this.#writeRecord(want, attempt.record, {
            change: { set: { [PENDING_KEY_DATA_KEY]: base64(privateKeyPem) } },
          });
        attempt.keyPersisted = true;
      },
    });
    log
      .with({ context: 'acme' })
      .info(`successfully got certificate: domains=[${want.hosts.join(' ')}] url=${material.orderUrl}`);
    return material;
  }

  /** Stores the certificate, key and issuance record on the Secret, then reports it (log line, Event). */
  async #storeIssued(
    want: DesiredCertificate,
    material: IssuedMaterial,
    options: { renewal: RenewalWhy | undefined; log: Log; previousPem?: string },
  ): Promise<void> {
    const { renewal, log } = options;
    const info = material.validity;
    const issued = recordIssued({
      hosts: want.hosts,
      directoryUrl: this.#o.settings.policy.directoryUrl,
      ...(want.profile === undefined ? {} : { profile: want.profile }),
      ...(material.accountUrl === undefined ? {} : { accountUrl: material.accountUrl }),
      ...(material.certId === undefined ? {} : { certId: material.certId }),
      validity: { notBeforeMs: info.notBeforeMs, notAfterMs: info.notAfterMs },
      ingresses: want.sources.map((s) => `${s.namespace}/${s.name}`),
      minimumValidityMs: this.#o.settings.policy.minimumValidityMs,
    });
    // The certificate is issued: its write is retried until it succeeds or the process stops (the order
    // and its key stay on the Secret until then, so the next process completes the same order).
    await this.#writeRecord(want, issued, {
      change: {
        set: { 'tls.crt': base64(material.certificatePem), 'tls.key': base64(material.privateKeyPem) },
        remove: [PENDING_KEY_DATA_KEY],
      },
      untilStopped: true,
      servesRenewRequest: true,
    });
    const storedAtMs = this.#now();
    this.#backoff.delete(want.key);
    this.#o.metrics?.orderFinished('issued');
    this.#o.served?.start({
      want,
      certificatePem: material.certificatePem,
      ...(options.previousPem === undefined ? {} : { previousCertificatePem: options.previousPem }),
      storedAtMs,
    });
    await this.#warnMinimumValidity(want, info, log);
    this.#log
      .with({ context: 'secret', name: want.secretName, namespace: want.namespace })
      .info('Secret successfully stored');
    await this.#event(
      want,
      renewal === undefined ? 'CertificateIssued' : 'CertificateRenewed',
      renewal === undefined
        ? `Issued certificate for ${want.hosts.join(', ')} into secret "${want.secretName}", valid until ${formatTime(info.notAfterMs)}`
        : `Renewed certificate for ${want.hosts.join(', ')} into secret "${want.secretName}", valid until ${formatTime(info.notAfterMs)}: ${RENEWAL_TEXT[renewal]}`,
    );
  }

  /**
   * Classifies a failed attempt, reports it (log line, Event) and records it on the Secret; the backoff
   * is kept in memory only when the Secret could not take the record. On shutdown nothing is
   * recorded: the order URL is on the Secret and the next process resumes it.
   */
  async #recordFailed(
    want: DesiredCertificate,
    err: unknown,
    options: { attempt: Attempt; current: CertInfo | undefined; timedOut: boolean; log: Log },
  ): Promise<void> {
    const { attempt, current, log } = options;
    const failure = classifyFailure(err, options.timedOut);
    if (this.#stop().aborted && !options.timedOut) {
      log.info('stopping issuance for shutdown, the order is resumed on restart');
      return;
    }
    this.#o.metrics?.orderFinished(failure.reason);
    const record = attempt.record;
    const nowMs = this.#now();
    const failed = recordFailure(record, {
      reason: failure.reason,
      hosts: want.hosts,
      nowMs,
      ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
      ...(current === undefined
        ? {}
        : { current: { notBeforeMs: current.notBeforeMs, notAfterMs: current.notAfterMs } }),
      // A timed-out order is still usable, and one whose key is persisted may be finalized already: both are
      // resumed, never replaced by a new order.
      ...((failure.reason === 'Timeout' || attempt.keyPersisted) && record.orderUrl !== undefined
        ? { orderUrl: record.orderUrl }
        : {}),
    });
    const retryAt = failed.retryNotBeforeMs ?? nowMs + 60_000;
    const message = `Cannot issue certificate for ${want.hosts.join(', ')} (${failure.reason}): ${err instanceof Error ? err.message : String(err)}; next attempt at ${formatTime(retryAt)}`;
    log.error(message);
    await this.#event(want, failureEventReason(failure.reason), message);
    let recorded = false;
    if (!(err instanceof SecretNotWritableError)) {
      try {
        // Retried until written or stopped: the backoff must be on the Secret to survive a restart.
        await this.#writeRecord(want, failed, { untilStopped: true, servesRenewRequest: true });
        recorded = true;
      } catch (writeErr) {
        log.warn(`cannot store the failure state on the secret: ${String(writeErr)}`);
      }
    }
    if (recorded) this.#backoff.delete(want.key);
    else this.#backoff.set(want.key, { untilMs: retryAt, hosts: want.hosts.join(',') });
    this.#o.queue.addAfter(want.key, Math.max(1000, retryAt - nowMs));
  }

  /**
   * Fetches the CA's ARI window when it is due and stores it on the Secret when it changed; returns
   * true when the record changed (the caller decides again, which draws a time inside the window once).
   * ARI failures never block renewal: the lifetime rule still applies.
   */
  async #refreshAriWindow(
    want: DesiredCertificate,
    base: StoredSecret,
    record: IssuanceRecord,
    nowMs: number,
  ): Promise<boolean> {
    const ari = this.#o.ari;
    if (ari === undefined || (this.#ariNextPollMs.get(want.key) ?? 0) > nowMs) return false;
    const pollMs = this.#o.settings.ariPollIntervalMs ?? 6 * 3_600_000;
    const certPem = base.certificatePem ?? '';
    try {
      const window = await ari.window(certPem);
      this.#ariNextPollMs.set(
        want.key,
        nowMs + Math.max(1000, Math.min(pollMs, window?.retryAfterMs ?? pollMs)),
      );
      if (window === undefined) return false;
      const updated = recordAriWindow(record, window);
      if (
        JSON.stringify(updated.ariWindow) === JSON.stringify(record.ariWindow) &&
        updated.ariExplanationUrl === record.ariExplanationUrl
      )
        return false;
      this.#log
        .with({ context: 'acme', domains: want.hosts })
        .info(
          `renewal window suggested by the CA: ${formatTime(window.startMs)} to ${formatTime(window.endMs)}`,
        );
      await this.#writeRecord(want, updated);
      return true;
    } catch (err) {
      this.#ariNextPollMs.set(want.key, nowMs + pollMs);
      this.#log
        .with({ context: 'acme' })
        .warn(`cannot fetch the renewal window for ${want.hosts.join(', ')}: ${String(err)}`);
      return false;
    }
  }

  /**
   * Reports, once per certificate, that LEGO_MINIMUM_VALIDITY is not shorter than half the lifetime and is
   * ignored for it (renewing that early would renew on every check).
   */
  async #warnMinimumValidity(
    want: DesiredCertificate,
    validity: { readonly notBeforeMs: number; readonly notAfterMs: number },
    log: Log,
  ): Promise<void> {
    const minimumValidityMs = this.#o.settings.policy.minimumValidityMs;
    const schedule = lifetimeRenewalTime(validity, minimumValidityMs);
    if (!schedule.minimumValidityIgnored) return;
    const id = `${want.key}|MinimumValidityIgnored|${String(validity.notAfterMs)}`;
    if (this.#warned.has(id)) return;
    this.#warned.add(id);
    const message = minimumValidityIgnoredMessage({
      minimumValidityMs,
      validity,
      hosts: want.hosts,
      renewAtMs: schedule.renewAtMs,
    });
    log.warn(message);
    await this.#event(want, 'MinimumValidityIgnored', message);
  }

  /** Reports an ignored order URL (log line and Event naming the annotation, value and why) once per value. */
  async #reportUntrusted(
    want: DesiredCertificate,
    untrusted: { readonly value: string; readonly message: string },
    log: Log,
  ): Promise<void> {
    const id = `${want.key}|UntrustedAnnotation|${untrusted.value}`;
    if (this.#warned.has(id)) return;
    this.#warned.add(id);
    log.warn(untrusted.message);
    await this.#event(want, 'UntrustedAnnotation', untrusted.message);
  }

  /** Fails before ordering when the Secret cannot be written (kube-lego bugs 5 and 18). */
  async #checkWritable(want: DesiredCertificate, base: StoredSecret | undefined): Promise<void> {
    if (base !== undefined && base.type !== TLS_SECRET_TYPE) {
      throw new SecretNotWritableError(
        `Cannot store certificate in secret "${want.key}": it has type "${base.type ?? ''}", kube-lego writes ${TLS_SECRET_TYPE}`,
      );
    }
    const verb = base === undefined ? 'create' : 'update';
    const allowed = await this.#o.access.allowed(
      {
        verb,
        resource: 'secrets',
        namespace: want.namespace,
        ...(base === undefined ? {} : { name: want.secretName }),
      },
      this.#now(),
    );
    if (!allowed) {
      throw new SecretNotWritableError(
        `Cannot store certificate in secret "${want.key}": kube-lego is not allowed to ${verb} secrets in namespace "${want.namespace}", grant it in kube-lego's RBAC role`,
      );
    }
  }

  /**
   * Writes the record (and the data change, when given) on the freshest copy of the Secret: it is read
   * before each attempt (the first from the caches, which hold our own last write; a retry reads past a
   * short-lived GET result), and the write carries that copy's resourceVersion, so a concurrent change is
   * never overwritten blindly and a certificate already issued is not lost to a stale resourceVersion
   * (kube-lego bug 18): the server refuses it and the next attempt reads again. Conflicts and transient API errors
   * (5xx, timeouts, resets, 429) are retried with a doubling, capped delay: `MAX_WRITE_ATTEMPTS` times, or
   * with `untilStopped` until the write succeeds or the process stops. Other errors are thrown at once.
   */
  async #writeRecord(
    want: DesiredCertificate,
    record: IssuanceRecord,
    options: { change?: DataChange; untilStopped?: boolean; servesRenewRequest?: boolean } = {},
  ): Promise<WriteResult> {
    const retry = this.#o.settings.secretWriteRetry ?? DEFAULT_WRITE_RETRY;
    let delayMs = retry.firstDelayMs;
    for (let attempt = 1; ; attempt += 1) {
      let failure: Error;
      let conflict = false;
      try {
        const result = await this.#writeOnce(want, record, options, attempt > 1);
        if (!(result instanceof Error)) return result;
        failure = result;
        conflict = true;
      } catch (err) {
        if (!isTransient(err)) throw err;
        failure = err instanceof Error ? err : new Error(String(err));
      }
      if (this.#stop().aborted || (options.untilStopped !== true && attempt >= MAX_WRITE_ATTEMPTS))
        throw failure;
      const log = this.#log.with({ context: 'secret', name: want.secretName, namespace: want.namespace });
      if (conflict && attempt === 1) {
        // Someone else wrote the Secret since it was read: read it again and write at once.
        log.debug(`secret "${want.key}" changed while kube-lego wrote it, writing the freshest copy`);
        continue;
      }
      // A 429's Retry-After is honoured, within the cap.
      const reaction = failure instanceof KubeLegoError ? failure.reaction : undefined;
      const waitMs = Math.min(
        retry.maxDelayMs,
        Math.max(delayMs, reaction?.kind === 'waitUntil' ? reaction.retryAfterMs : 0),
      );
      log.warn(
        `cannot write secret "${want.key}" (attempt ${attempt}): ${failure.message}; trying again in ${waitMs} ms`,
      );
      await abortableSleep(waitMs, this.#stop());
      delayMs = Math.min(retry.maxDelayMs, delayMs * 2);
    }
  }

  /**
   * One write attempt on the store's copy (a retry drops a short-lived GET result first, `reread`);
   * returns the conflict error when the Secret changed meanwhile.
   */
  async #writeOnce(
    want: DesiredCertificate,
    record: IssuanceRecord,
    options: { change?: DataChange; servesRenewRequest?: boolean },
    reread: boolean,
  ): Promise<Error | WriteResult> {
    const annotationKey = this.#o.settings.policy.annotationKey;
    if (reread) this.#o.secrets.invalidate(want.namespace, want.secretName);
    const lookup = await this.#o.secrets.lookup(want.namespace, want.secretName, this.#now());
    const base = lookup.kind === 'found' ? lookup.secret : undefined;
    if (base !== undefined) {
      const { observed } = observeSecret(base.snapshot, want, this.#now(), annotationKey);
      if (observed.state === 'foreign') {
        throw new SecretNotWritableError(observed.message);
      }
    }
    const labels = base?.snapshot.labels ?? {};
    const annotations = base?.snapshot.annotations ?? {};
    const written = options.servesRenewRequest === true ? record : keepRenewRequest(record, annotations);
    const { data, temporary } = await this.#dataOf(want, base, written, options.change);
    const result = await this.#o.secrets.write({
      namespace: want.namespace,
      name: want.secretName,
      base,
      type: TLS_SECRET_TYPE,
      data,
      labels: managedSecretLabels(labels),
      annotations: {
        ...managedSecretAnnotations(annotations, written, annotationKey),
        ...(temporary === 'none' ? {} : { [TEMPORARY_CERTIFICATE_ANNOTATION]: 'true' }),
      },
    });
    return result.kind === 'written' ? { temporaryWritten: temporary === 'written' } : result.error;
  }

  /**
   * The Secret's data after `change`: the current pair (a temporary one when it has none) with the other
   * keys kept. A pending key never outlives the order it belongs to.
   */
  async #dataOf(
    want: DesiredCertificate,
    base: StoredSecret | undefined,
    record: IssuanceRecord,
    change: DataChange | undefined,
  ): Promise<{ data: Record<string, string>; temporary: 'none' | 'kept' | 'written' }> {
    const set = change?.set ?? {};
    const settingPair = set['tls.crt'] !== undefined && set['tls.key'] !== undefined;
    const renewing = change?.renewTemporary === true && this.#holdsTemporary(want, base);
    const fresh = (!hasTlsPair(base) && !settingPair) || renewing;
    const current: Record<string, string> = fresh
      ? { ...base?.data, ...(await this.#temporaryPair(want)) }
      : { ...base?.data };
    const removed = new Set(change?.remove ?? []);
    if (record.orderUrl === undefined) removed.add(PENDING_KEY_DATA_KEY);
    const data = Object.fromEntries(
      Object.entries({ ...current, ...set }).filter(([key]) => !removed.has(key)),
    );
    if (fresh) return { data, temporary: 'written' };
    const kept = !settingPair && this.#holdsTemporary(want, base);
    return { data, temporary: kept ? 'kept' : 'none' };
  }

  /** Whether the stored pair is kube-lego's temporary one (marked and self-signed). */
  #holdsTemporary(want: DesiredCertificate, base: StoredSecret | undefined): boolean {
    if (base === undefined) return false;
    const cert = base.snapshot.certificate;
    return holdsTemporaryCertificate(
      base.snapshot.annotations,
      cert.state === 'parsed' ? cert.info : undefined,
    );
  }

  /**
   * Writes a temporary certificate: into an absent Secret, or in place of an aging temporary one (never
   * over any other pair, as the write re-reads the Secret). Reported with `TemporaryCertificateIssued`.
   */
  async #writeTemporary(want: DesiredCertificate, record: IssuanceRecord, log: Log): Promise<void> {
    try {
      const result = await this.#writeRecord(want, record, { change: { renewTemporary: true } });
      if (!result.temporaryWritten) return;
      const message = `Stored a temporary self-signed certificate for ${want.hosts.join(', ')} in secret "${want.secretName}" until the CA's certificate arrives`;
      log.info(message);
      await this.#event(want, 'TemporaryCertificateIssued', message);
    } catch (err) {
      // The order still runs: its own writes create the Secret or report why it cannot be written.
      log.warn(`cannot store a temporary certificate in secret "${want.key}": ${String(err)}`);
    }
  }

  /**
   * A self-signed pair for a Secret that must exist before its certificate does (to hold the order in
   * flight or the failure record): ingress controllers reject an empty `tls.crt`/`tls.key`.
   */
  async #temporaryPair(want: DesiredCertificate): Promise<Record<string, string>> {
    const temporary = await this.#o.temporary.create(want.hosts, this.#now());
    return {
      'tls.crt': Buffer.from(temporary.certificatePem, 'utf8').toString('base64'),
      'tls.key': Buffer.from(temporary.privateKeyPem, 'utf8').toString('base64'),
    };
  }

  async #event(want: DesiredCertificate, reason: EventReason, message: string): Promise<void> {
    const secret = { namespace: want.namespace, name: want.secretName };
    for (const source of want.sources)
      await recordSourceEvent(this.#o.events, this.#log, { source, reason, message, secret });
  }

  async #recordEvent(source: SourceRef, reason: EventReason, message: string): Promise<void> {
    await recordSourceEvent(this.#o.events, this.#log, { source, reason, message });
  }

  /** Logs kube-lego's `ignoring as ...` line once per Ingress and reason while it lasts. */
  #reportIgnored(ignored: readonly IgnoredIngress[]): void {
    const current = new Set<string>();
    for (const entry of ignored) {
      const id = `${entry.ingress.namespace}/${entry.ingress.name}|${entry.reason}`;
      current.add(id);
      if (this.#reportedIgnored.has(id)) continue;
      // Ingresses without the annotation are most of a cluster: that line stays at debug.
      const log = this.#log.with({
        context: 'ingress',
        name: entry.ingress.name,
        namespace: entry.ingress.namespace,
      });
      if (entry.reason === 'NoAnnotation') log.debug(entry.message);
      else log.info(entry.message);
    }
    this.#reportedIgnored.clear();
    for (const id of current) this.#reportedIgnored.add(id);
  }

  /** Logs and records each desired-state problem once while it lasts (conflicts, bad entries). */
  async #reportProblems(problems: readonly DesiredProblem[]): Promise<void> {
    const current = new Set<string>();
    for (const problem of problems) {
      const id = `${problem.ingress.namespace}/${problem.ingress.name}|${problem.code}|${problem.message}`;
      current.add(id);
      if (this.#reportedProblems.has(id)) continue;
      this.#log
        .with({ context: 'ingress', name: problem.ingress.name, namespace: problem.ingress.namespace })
        .warn(problem.message);
      await this.#recordEvent(
        problem.ingress,
        problemEventReason(problem.code, problem.ingress.kind),
        problem.message,
      );
    }
    this.#reportedProblems.clear();
    for (const id of current) this.#reportedProblems.add(id);
  }
}
