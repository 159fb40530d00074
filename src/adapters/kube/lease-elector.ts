import type { LeaderElectionConfig } from '../../config/config.js';
import {
  decideLease,
  leadershipLapsed,
  observeLease,
  releasedLease,
  type LeaseObservation,
  type LeaseSpec,
} from '../../domain/lease-decision.js';
import { MANAGED_LABEL } from '../../domain/secret-annotations.js';
import type { Clock } from '../../ports/clock.js';
import type { Leadership } from '../../ports/leadership.js';
import type { Log } from '../../ports/log.js';
import { abortableSleep } from '../../runtime/abortable-sleep.js';
import type { KubeClient } from './kube-client.js';
import { isKubeError } from './kube-errors.js';
import type { LeaseObject } from './kube-types.js';
import { collectionPath, LEASES, objectPath } from './resources.js';

export interface LeaseElectorOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly config: LeaderElectionConfig;
  readonly clock: Clock;
  readonly log: Log;
  /** A number in [0, 1) per call, for the follower's retry jitter (client-go's JitterFactor 1.2). */
  readonly random: () => number;
}

const jitterFactor = 0.2;
/** kube-lego's label, so `kube-lego uninstall` finds the Lease by it as it finds the other objects. */
const LEASE_LABELS: Readonly<Record<string, string>> = { [MANAGED_LABEL]: 'true' };

function specOf(lease: LeaseObject): LeaseSpec {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: spec.acquireTime,
    renewTime: spec.renewTime,
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

/**
 * client-go's leader election on one coordination.k8s.io/v1 Lease: every retry period a replica reads the
 * Lease and, when it holds it or the Lease has expired, writes it with the resourceVersion it read, so of
 * two replicas racing for an expired Lease exactly one write succeeds. A leader that has not renewed within
 * the renew deadline stops leading before any other replica may take the Lease (lease duration).
 */
export class LeaseElector implements Leadership {
  readonly #options: LeaseElectorOptions;
  readonly #listeners = new Set<(leader: boolean) => void>();
  #observed: LeaseObservation | undefined;
  #resourceVersion: string | undefined;
  #leader = false;
  #renewedAtMs = 0;

  constructor(options: LeaseElectorOptions) {
    this.#options = options;
  }

  isLeader(): boolean {
    return this.#leader;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Acquires and renews until `signal` aborts; then a leader releases the Lease so the next one need not wait. */
  async run(signal: AbortSignal): Promise<void> {
    const { config, clock } = this.#options;
    while (!signal.aborted) {
      const startedAtMs = clock.nowMs();
      const timeoutMs = this.#leader
        ? Math.max(1, this.#renewedAtMs + config.renewDeadlineMs - startedAtMs)
        : config.renewDeadlineMs;
      const held = await this.#tryAcquireOrRenew(AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
      if (held) {
        this.#renewedAtMs = startedAtMs;
        this.#setLeader(true);
      } else if (this.#leader && leadershipLapsed(this.#renewedAtMs, clock.nowMs(), config.renewDeadlineMs)) {
        this.#options.log.warn('Stopped leading: the Lease could not be renewed within the renew deadline', {
          lease: config.leaseName,
          identity: config.identity,
        });
        this.#setLeader(false);
      }
      const waitMs = this.#leader
        ? config.retryPeriodMs
        : config.retryPeriodMs * (1 + jitterFactor * this.#options.random());
      await abortableSleep(waitMs, signal);
    }
    if (this.#leader) {
      this.#setLeader(false);
      await this.#release();
    }
  }

  /** One attempt; true when we hold the Lease afterwards. Failures are logged, never thrown. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { client, namespace, config, clock } = this.#options;
    try {
      const found = await this.#read(signal);
      if (found !== undefined) {
        this.#observed = observeLease(this.#observed, specOf(found), clock.nowMs());
        this.#resourceVersion = found.metadata?.resourceVersion;
      } else {
        this.#observed = undefined;
      }
      const decision = decideLease({
        observed: this.#observed,
        identity: config.identity,
        nowMs: clock.nowMs(),
        leaseDurationMs: config.leaseDurationMs,
      });
      if (decision.kind === 'held') return false;
      const metadata =
        decision.kind === 'create'
          ? { name: config.leaseName, namespace, labels: LEASE_LABELS }
          : {
              name: config.leaseName,
              namespace,
              labels: LEASE_LABELS,
              resourceVersion: this.#resourceVersion,
            };
      const written = (await client.request({
        method: decision.kind === 'create' ? 'POST' : 'PUT',
        path:
          decision.kind === 'create'
            ? collectionPath(LEASES, namespace)
            : objectPath(LEASES, namespace, config.leaseName),
        query: { fieldManager: 'kube-lego' },
        body: { apiVersion: LEASES.apiVersion, kind: LEASES.kind, metadata, spec: decision.spec },
        signal,
      })) as LeaseObject;
      this.#observed = observeLease(undefined, specOf(written), clock.nowMs());
      this.#resourceVersion = written.metadata?.resourceVersion;
      if (decision.kind !== 'renew') {
        this.#options.log.info('Acquired the Lease: this replica leads', {
          lease: config.leaseName,
          identity: config.identity,
          transitions: decision.spec.leaseTransitions,
        });
      }
      return true;
    } catch (err) {
      // A conflict means another replica wrote first: it holds the Lease now, nothing to report.
      if (!isKubeError(err, 'conflict') && !isKubeError(err, 'alreadyExists')) {
        this.#options.log.warn('Cannot acquire or renew the Lease', {
          lease: config.leaseName,
          error: err instanceof Error ? err.message : String(err),
        });
      }
      return false;
    }
  }

  async #read(signal: AbortSignal): Promise<LeaseObject | undefined> {
    const { client, namespace, config } = this.#options;
    try {
      return (await client.request({
        method: 'GET',
        path: objectPath(LEASES, namespace, config.leaseName),
        signal,
      })) as LeaseObject;
    } catch (err) {
      if (isKubeError(err, 'notFound')) return undefined;
      throw err;
    }
  }

  /** Best effort: a failed release only makes the next leader wait for the Lease to expire. */
  async #release(): Promise<void> {
    const { client, namespace, config, clock } = this.#options;
    const observed = this.#observed;
    if (observed === undefined || observed.spec.holderIdentity !== config.identity) return;
    try {
      await client.request({
        method: 'PUT',
        path: objectPath(LEASES, namespace, config.leaseName),
        query: { fieldManager: 'kube-lego' },
        body: {
          apiVersion: LEASES.apiVersion,
          kind: LEASES.kind,
          metadata: {
            name: config.leaseName,
            namespace,
            labels: LEASE_LABELS,
            resourceVersion: this.#resourceVersion,
          },
          spec: releasedLease(observed.spec, clock.nowMs()),
        },
        signal: AbortSignal.timeout(config.retryPeriodMs),
      });
    } catch (err) {
      this.#options.log.warn('Cannot release the Lease', {
        lease: config.leaseName,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  #setLeader(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    for (const listener of this.#listeners) listener(leader);
  }
}
