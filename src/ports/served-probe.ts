import type { LeafCertificate, ServedCheckTarget } from '../domain/served-check.js';

/** The outcome of one TLS handshake with a load balancer address. */
export type HandshakeOutcome =
  | { readonly kind: 'served'; readonly leaf: LeafCertificate }
  | { readonly kind: 'unreachable'; readonly problem: string };

/** TLS handshakes with an Ingress's load balancer (the adapter in adapters/tls). */
export interface ServedProbe {
  /** The leaf of a PEM chain (its first certificate); undefined when it cannot be read. */
  leafOf(certificatePem: string): LeafCertificate | undefined;
  /** One handshake with SNI = `target.host`; the served certificate is read, never trusted or verified. */
  handshake(target: ServedCheckTarget, signal: AbortSignal): Promise<HandshakeOutcome>;
}

/**
 * The addresses of a source, from the informer caches: an Ingress's `status.loadBalancer.ingress` (IPs and
 * hostnames), a Gateway's `status.addresses`, a ListenerSet's Gateway's (`kind` absent: an Ingress).
 */
export interface IngressAddresses {
  addresses(namespace: string, name: string, kind?: string): readonly string[];
}
