import type { IngressAddresses } from '../../ports/served-probe.js';
import type { IngressObject } from './kube-types.js';

/** The load balancer addresses of Ingresses, read from the Ingress informer's cache (no API request). */
export class CachedIngressAddresses implements IngressAddresses {
  readonly #cache: { get(key: string): IngressObject | undefined };

  constructor(cache: { get(key: string): IngressObject | undefined }) {
    this.#cache = cache;
  }

  addresses(namespace: string, name: string): readonly string[] {
    const entries = this.#cache.get(`${namespace}/${name}`)?.status?.loadBalancer?.ingress ?? [];
    return entries.flatMap((entry) => {
      const address = entry.ip ?? entry.hostname;
      return address === undefined || address === '' ? [] : [address];
    });
  }
}
