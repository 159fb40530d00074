import type { LogLevel, LogType } from '../log/log-entry.js';
import type { Dns01Config } from './dns01-config.js';
import type { SecretValue } from './secret-value.js';

/** Providers that make HTTP-01 traffic reach kube-lego. */
export type IngressProvider = 'nginx' | 'gce';
/** Key algorithm of certificate private keys. */
export type KeyType = 'rsa' | 'ecdsa-p256' | 'ecdsa-p384';

export interface ExternalAccountBindingConfig {
  readonly keyId: string;
  /** base64url HMAC key as the CA issued it. */
  readonly hmacKey: SecretValue;
}

/** How to reach the Kubernetes API when not running in a cluster. */
export interface KubeConnectionConfig {
  /** LEGO_KUBE_API_URL, or its default `http://127.0.0.1:8080`. */
  readonly apiUrl: string;
  /** Whether LEGO_KUBE_API_URL was set: then it wins over kubeconfig files outside the cluster. */
  readonly apiUrlExplicit: boolean;
  /** KUBECONFIG as given (may list several files); undefined when unset. */
  readonly kubeconfig: string | undefined;
}

/** Leader election on a coordination.k8s.io/v1 Lease (client-go's protocol). */
export interface LeaderElectionConfig {
  /** LEGO_LEADER_ELECT: false keeps the single-replica behaviour (no Lease is read or written). */
  readonly enabled: boolean;
  /** Name of the Lease in the controller's namespace. */
  readonly leaseName: string;
  /** holderIdentity written on the Lease: LEGO_POD_NAME, else HOSTNAME; empty when neither is set. */
  readonly identity: string;
  /** How long a Lease not renewed stays its holder's (also written as spec.leaseDurationSeconds). */
  readonly leaseDurationMs: number;
  /** A leader that has not renewed for this long stops leading. */
  readonly renewDeadlineMs: number;
  /** Wait between two attempts to acquire or renew. */
  readonly retryPeriodMs: number;
}

/** kube-lego's whole configuration, read once from the environment. Deeply frozen. */
export interface Config {
  /** Namespace of the account secret and of the nginx challenge Service and Ingress. */
  readonly namespace: string;
  readonly acme: {
    readonly directoryUrl: string;
    readonly email: string;
    readonly accountSecretName: string;
    /** Certificate profile to request; undefined = the CA's default. */
    readonly profile: string | undefined;
    readonly externalAccountBinding: ExternalAccountBindingConfig | undefined;
    /** PEM bundle of extra CAs to trust for the ACME server's TLS; undefined = system trust only. */
    readonly caFile: string | undefined;
    /** Issuer common name of the preferred alternate chain; undefined = the CA's default chain. */
    readonly preferredChain: string | undefined;
    /** Whether to use ACME Renewal Information (RFC 9773) when the CA offers it. */
    readonly ari: boolean;
    readonly maxConcurrentOrders: number;
    /** Deadline of one order, from creation to certificate download. */
    readonly issuanceTimeoutMs: number;
  };
  readonly keys: {
    readonly type: KeyType;
    /** Size of new RSA keys (certificate keys when `type` is rsa, and new account keys). */
    readonly rsaBits: number;
  };
  readonly ingress: {
    /** Opt-in annotation key (value must be "true"); also written onto managed secrets. */
    readonly annotation: string;
    readonly supportedClasses: readonly string[];
    readonly defaultClass: string;
    readonly supportedProviders: readonly IngressProvider[];
    readonly defaultProvider: IngressProvider;
    /** Namespace whose ingresses are watched; undefined = all namespaces. */
    readonly watchNamespace: string | undefined;
  };
  readonly nginx: {
    readonly serviceName: string;
    readonly ingressName: string;
    /** Value of the `app` label the challenge Service selects kube-lego's pods by. */
    readonly serviceSelector: string;
  };
  /** http-01 through Gateways: the challenge Service and where the challenge HTTPRoutes live. */
  readonly gateway: {
    readonly serviceName: string;
    /** `kube-lego`: in `LEGO_NAMESPACE`; `gateway`: in each Gateway's namespace. */
    readonly challengeNamespace: 'kube-lego' | 'gateway';
  };
  readonly gce: {
    readonly serviceName: string;
    /** The pod's IP (downward API), needed by the gce provider's Endpoints; undefined when not given. */
    readonly podIp: string | undefined;
  };
  /** Port of the HTTP server (challenges, health) and of the challenge Service. */
  readonly port: number;
  /** Port of the Prometheus `/metrics` listener; 0 = no metrics listener. */
  readonly metricsPort: number;
  readonly renewal: {
    readonly checkIntervalMs: number;
    readonly minimumValidityMs: number;
  };
  /** Per-host authorization retry (kube-lego's exponential backoff). */
  readonly backoff: {
    /** 0 = retry without a time budget. */
    readonly maxElapsedTimeMs: number;
    readonly initialIntervalMs: number;
    readonly multiplier: number;
  };
  /** `LEGO_TEMPORARY_CERTIFICATE`: write a self-signed certificate at once into a TLS Secret that is absent. */
  readonly temporaryCertificate: boolean;
  /** The check that the load balancer serves a stored certificate (`LEGO_SERVED_CHECK*`). */
  readonly servedCheck: {
    readonly enabled: boolean;
    /** Delay before the first handshake; each next one waits twice as long. */
    readonly firstIntervalMs: number;
    /** From the certificate's storage to the last handshake. */
    readonly timeoutMs: number;
    /** TLS port of the load balancer's addresses (443; another only for tests and the sandbox). */
    readonly port: number;
  };
  readonly selfCheck: {
    readonly enabled: boolean;
    readonly timeoutMs: number;
    /** Wait before asking the CA to validate when the self-check is off. */
    readonly delayMs: number;
  };
  /** `LEGO_DNS01_*`; undefined when `LEGO_DNS01_RFC2136_NAMESERVER` is unset (dns-01 off). */
  readonly dns01: Dns01Config | undefined;
  readonly kube: KubeConnectionConfig;
  readonly leaderElection: LeaderElectionConfig;
  readonly log: {
    readonly level: LogLevel;
    readonly type: LogType;
  };
}

export type ConfigProblemCode = 'CONFIG_MISSING' | 'CONFIG_INVALID' | 'CONFIG_CONFLICT';

/** Why the configuration cannot be used; the process must not start. */
export interface ConfigProblem {
  readonly code: ConfigProblemCode;
  readonly variable: string;
  readonly message: string;
}

export type ConfigWarningCode =
  | 'CONFIG_V1_URL_MAPPED'
  | 'CONFIG_LOG_LEVEL_UNKNOWN'
  | 'CONFIG_PROVIDER_UNKNOWN'
  | 'CONFIG_DEFAULT_PROVIDER_CHOSEN'
  | 'CONFIG_POD_IP_MISSING'
  | 'CONFIG_ALIAS_USED'
  | 'CONFIG_UNKNOWN_VARIABLE';

/** Something worth telling the operator at start-up that does not stop it. */
export interface ConfigWarning {
  readonly code: ConfigWarningCode;
  readonly variable: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly ConfigWarning[] }
  | {
      readonly ok: false;
      readonly problems: readonly ConfigProblem[];
      readonly warnings: readonly ConfigWarning[];
      /** The log settings as far as they could be read (text/info on problems), to report the problems with. */
      readonly log: Config['log'];
    };

/** The settings that decide what happens to a certificate (see loadDecisionConfig). Deeply frozen. */
export interface DecisionConfig {
  readonly ingress: Config['ingress'];
  readonly directoryUrl: string;
  readonly minimumValidityMs: number;
  /** `LEGO_ACME_PROFILE`: the profile of certificates whose Ingress names none (`kube-lego/profile`). */
  readonly profile?: string | undefined;
  /** Whether dns-01 is configured (`LEGO_DNS01_RFC2136_NAMESERVER`) and the default for unannotated names. */
  readonly dns01: { readonly configured: boolean; readonly default: boolean };
}

/**
 * The names of what the controller creates in the cluster, from the same LEGO_* variables with the same
 * defaults: what `kube-lego uninstall` looks for (see loadInstallationConfig). Deeply frozen.
 */
export interface InstallationConfig {
  /** `LEGO_NAMESPACE` when set (the Deployment sets it from the pod's namespace). */
  readonly namespace: string | undefined;
  readonly accountSecretName: string;
  readonly leaseName: string;
  readonly gceServiceName: string;
  /** `LEGO_KUBE_ANNOTATION`: 0.1.7 marked the Secrets it managed with it. */
  readonly annotation: string;
  readonly port: number;
}

/** What a partial loader (loadDecisionConfig, loadInstallationConfig) returns. */
export type PartialConfigResult<T> =
  | { readonly ok: true; readonly config: T; readonly warnings: readonly ConfigWarning[] }
  | {
      readonly ok: false;
      readonly problems: readonly ConfigProblem[];
      readonly warnings: readonly ConfigWarning[];
    };

export type DecisionConfigResult = PartialConfigResult<DecisionConfig>;
export type InstallationConfigResult = PartialConfigResult<InstallationConfig>;
