import type { IngressAddresses } from '../../ports/served-probe.js';
import { listenerSetView } from './gateway-views.js';
import type { GatewayObject, ListenerSetObject } from './kube-types.js';

interface Cache<T> {
  get(key: string): T | undefined;
}

/**
 * The addresses of the sources of certificates, from the informer caches (no API request): an Ingress's
 * load balancer, a Gateway's `status.addresses`, and for a ListenerSet those of the Gateway it is attached to.
 */
export class CachedSourceAddresses implements IngressAddresses {
  readonly #ingresses: IngressAddresses;
  readonly #gateways: Cache<GatewayObject> | undefined;
  readonly #listenerSets: Cache<ListenerSetObject> | undefined;

  constructor(options: {
    readonly ingresses: IngressAddresses;
    readonly gateways?: Cache<GatewayObject>;
    readonly listenerSets?: Cache<ListenerSetObject>;
  }) {
    this.#ingresses = options.ingresses;
    this.#gateways = options.gateways;
    this.#listenerSets = options.listenerSets;
  }

  addresses(namespace: string, name: string, kind = 'Ingress'): readonly string[] {
    if (kind === 'Gateway') return this.#gatewayAddresses(`${namespace}/${name}`);
    if (kind === 'ListenerSet') {
      const set = this.#listenerSets?.get(`${namespace}/${name}`);
      if (set === undefined) return [];
      const parent = listenerSetView(set).parentRef;
      return this.#gatewayAddresses(`${parent.namespace}/${parent.name}`);
    }
    return this.#ingresses.addresses(namespace, name);
  }

  #gatewayAddresses(key: string): readonly string[] {
    const entries = this.#gateways?.get(key)?.status?.addresses ?? [];
    return entries.flatMap((entry) => (entry.value === undefined || entry.value === '' ? [] : [entry.value]));
  }
}
