import type { ExternalAccountBinding } from '../acme/acme-client.js';
import type { LeaderElectionConfig } from '../config/config.js';
import type { KubeConnectionSource } from '../adapters/kube/kube-connection.js';
import type { PlanPolicy } from '../domain/plan.js';
import type { KeySpec } from '../x509/private-key.js';

/** Everything the controller needs, as plain data; the composition root fills it from the config. */
export interface ControllerSettings {
  readonly kube: KubeConnectionSource;
  readonly version: string;
  readonly userAgent: string;
  /** Empty: all namespaces. */
  readonly watchNamespace: string;
  /** `LEGO_NAMESPACE`: account Secret and nginx challenge objects. */
  readonly namespace: string;
  readonly accountSecretName: string;
  readonly email: string;
  readonly directoryUrl: string;
  readonly acmeCaPem?: string;
  readonly eab?: ExternalAccountBinding;
  readonly profile?: string;
  readonly preferredChain?: string;
  readonly keySpec: KeySpec;
  readonly port: number;
  /** `LEGO_METRICS_PORT`; 0: no metrics listener. */
  readonly metricsPort: number;
  readonly selfCheck: {
    readonly enabled: boolean;
    readonly timeoutMs: number;
    readonly delayMs: number;
    readonly tries: number;
    readonly intervalMs: number;
    /** Testing and sandbox knob: connect here instead of resolving each host. */
    readonly address?: { readonly host: string; readonly port: number };
  };
  readonly nginx: {
    readonly serviceName: string;
    readonly ingressName: string;
    readonly serviceSelector: string;
  };
  readonly gce: { readonly serviceName: string; readonly podIp: string | undefined };
  /** http-01 through Gateways; default: Service `kube-lego-gateway`, routes in `namespace`. */
  readonly gateway?: { readonly serviceName: string; readonly routeNamespace: 'kube-lego' | 'gateway' };
  readonly policy: PlanPolicy;
  readonly checkIntervalMs: number;
  /** `LEGO_ARI`: follow the CA's renewal windows (RFC 9773) and send `replaces` on renewals. */
  readonly ari: boolean;
  /** How often a certificate's ARI window is fetched again. @default 6 hours */
  readonly ariPollIntervalMs?: number;
  readonly maxConcurrentOrders: number;
  readonly issuanceTimeoutMs: number;
  /** Set when `LEGO_LEADER_ELECT=true`: only the replica holding the Lease orders and writes. */
  readonly leaderElection?: LeaderElectionConfig;
  /** `LEGO_TEMPORARY_CERTIFICATE`: a self-signed certificate at once in an absent Secret, before any order. @default true */
  readonly temporaryCertificate?: boolean;
  /** `LEGO_SERVED_CHECK*`: the check that a stored certificate is served; absent or disabled: off. */
  readonly servedCheck?: {
    readonly enabled: boolean;
    readonly firstIntervalMs: number;
    readonly timeoutMs: number;
    readonly port: number;
  };
  /** `LEGO_DNS01_*`: dns-01 over RFC 2136; absent: dns-01 is off. */
  readonly dns01?: {
    readonly nameserver: { readonly host: string; readonly port: number };
    readonly tsigKeyName: string;
    readonly tsigAlgorithm: 'hmac-sha256' | 'hmac-sha512';
    /** base64; never logged (the logger redacts it). */
    readonly tsigSecretBase64: string;
    readonly zones: readonly string[];
    readonly propagationTimeoutMs: number;
  };
  /** Delay between ACME polls without Retry-After. */
  readonly pollIntervalMs?: number;
}
