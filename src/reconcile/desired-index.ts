import {
  desiredCertificates,
  type DesiredPolicy,
  type DesiredProblem,
  type DesiredState,
} from '../domain/desired.js';
import type { OfferedProfiles } from '../domain/profile-choice.js';
import { NO_GATEWAY_SOURCES, type GatewaySources } from '../domain/gateway-types.js';
import type { DesiredCertificate, IngressView, SecretKey } from '../domain/types.js';

/** The desired state of the whole cluster, indexed by Secret key. */
export interface DesiredIndex {
  readonly state: DesiredState;
  readonly byKey: ReadonlyMap<SecretKey, DesiredCertificate>;
  readonly problemsByKey: ReadonlyMap<string, readonly DesiredProblem[]>;
}

/**
 * Recomputes desiredCertificates() only when the Ingress or Gateway API caches changed since the last call, so a burst
 * of reconciles (the periodic check over 10,000 Ingresses) costs one pass, not one per key.
 */
export class DesiredCache {
  #policy: DesiredPolicy;
  readonly #ingresses: () => readonly IngressView[];
  readonly #gateways: () => GatewaySources;
  #version = 0;
  #computed: { readonly version: number; readonly index: DesiredIndex } | undefined;
  /** The version the last current() call returned. */
  #seenVersion: number | undefined;

  constructor(
    policy: DesiredPolicy,
    ingresses: () => readonly IngressView[],
    gateways: () => GatewaySources = () => NO_GATEWAY_SOURCES,
  ) {
    this.#policy = policy;
    this.#ingresses = ingresses;
    this.#gateways = gateways;
  }

  /**
   * Takes the profiles the CA's directory offers (read once it answered): from now on a `kube-lego/profile`
   * naming another one is a problem of its Ingress, and nothing is ordered for it.
   */
  offerProfiles(offered: OfferedProfiles): void {
    this.#policy = { ...this.#policy, offeredProfiles: offered };
    this.invalidate();
  }

  /** Marks the cache stale (any Ingress, Gateway, ListenerSet or ReferenceGrant add, update or delete). */
  invalidate(): void {
    this.#version += 1;
  }

  /**
   * The current index, and whether this is the first call of current() to see it (the reconciler reports
   * the problems of each new desired state once). peek() does not count as seeing it.
   */
  current(): { readonly index: DesiredIndex; readonly fresh: boolean } {
    const index = this.peek();
    const fresh = this.#seenVersion !== this.#computed?.version;
    this.#seenVersion = this.#computed?.version;
    return { index, fresh };
  }

  /** The current index, recomputed when stale, for readers that report nothing (metrics). */
  peek(): DesiredIndex {
    if (this.#computed?.version === this.#version) return this.#computed.index;
    const state = desiredCertificates(this.#ingresses(), this.#policy, this.#gateways());
    const byKey = new Map(state.certificates.map((c) => [c.key, c] as const));
    const problemsByKey = new Map<string, DesiredProblem[]>();
    for (const problem of state.problems) {
      const key = problem.key ?? `${problem.ingress.namespace}/${problem.ingress.name}`;
      const list = problemsByKey.get(key) ?? [];
      list.push(problem);
      problemsByKey.set(key, list);
    }
    const index: DesiredIndex = { state, byKey, problemsByKey };
    this.#computed = { version: this.#version, index };
    return index;
  }
}
