/** One environment variable kube-lego reads, as documented in docs/configuration.md. */
export interface ConfigVariable {
  readonly name: string;
  /** The literal value used when the variable is unset or empty; undefined when there is none. */
  readonly defaultValue: string | undefined;
}

/**
 * Every variable the configuration loader reads, in documentation order. kube-lego 0.1.7's variables keep their
 * names and defaults; the new ones follow the same `LEGO_` style. A test keeps this list, the loader and
 * docs/configuration.md in step.
 */
export const CONFIG_VARIABLES = [
  { name: 'LEGO_EMAIL', defaultValue: undefined },
  { name: 'LEGO_POD_IP', defaultValue: undefined },
  { name: 'LEGO_NAMESPACE', defaultValue: 'default' },
  { name: 'LEGO_URL', defaultValue: 'https://acme-staging-v02.api.letsencrypt.org/directory' },
  { name: 'LEGO_SECRET_NAME', defaultValue: 'kube-lego-account' },
  { name: 'LEGO_SERVICE_NAME_NGINX', defaultValue: 'kube-lego-nginx' },
  { name: 'LEGO_SERVICE_NAME', defaultValue: undefined },
  { name: 'LEGO_SERVICE_NAME_GCE', defaultValue: 'kube-lego-gce' },
  { name: 'LEGO_INGRESS_NAME_NGINX', defaultValue: 'kube-lego-nginx' },
  { name: 'LEGO_INGRESS_NAME', defaultValue: undefined },
  { name: 'LEGO_SUPPORTED_INGRESS_PROVIDER', defaultValue: 'nginx,gce' },
  { name: 'LEGO_SUPPORTED_INGRESS_CLASS', defaultValue: 'nginx,gce' },
  { name: 'LEGO_DEFAULT_INGRESS_CLASS', defaultValue: 'nginx' },
  { name: 'LEGO_DEFAULT_INGRESS_PROVIDER', defaultValue: undefined },
  { name: 'LEGO_PORT', defaultValue: '8080' },
  { name: 'LEGO_METRICS_PORT', defaultValue: '9402' },
  { name: 'LEGO_CHECK_INTERVAL', defaultValue: '8h' },
  { name: 'LEGO_MINIMUM_VALIDITY', defaultValue: '720h' },
  { name: 'LEGO_KUBE_API_URL', defaultValue: 'http://127.0.0.1:8080' },
  { name: 'KUBECONFIG', defaultValue: undefined },
  { name: 'LEGO_LOG_LEVEL', defaultValue: 'info' },
  { name: 'LEGO_LOG_TYPE', defaultValue: 'text' },
  { name: 'LEGO_KUBE_ANNOTATION', defaultValue: 'kubernetes.io/tls-acme' },
  { name: 'LEGO_SERVICE_SELECTOR', defaultValue: 'kube-lego' },
  { name: 'LEGO_WATCH_NAMESPACE', defaultValue: undefined },
  { name: 'LEGO_RSA_KEYSIZE', defaultValue: '2048' },
  { name: 'LEGO_EXPONENTIAL_BACKOFF_MAX_ELAPSED_TIME', defaultValue: '5m' },
  { name: 'LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL', defaultValue: '30s' },
  { name: 'LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL', defaultValue: undefined },
  { name: 'LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER', defaultValue: '2.0' },
  { name: 'LEGO_EXPONENTIAL_BACKOFF_MAX_MULTIPLIER', defaultValue: undefined },
  { name: 'LEGO_KEY_TYPE', defaultValue: 'rsa' },
  { name: 'LEGO_ACME_PROFILE', defaultValue: undefined },
  { name: 'LEGO_EAB_KEY_ID', defaultValue: undefined },
  { name: 'LEGO_EAB_HMAC_KEY', defaultValue: undefined },
  { name: 'LEGO_ACME_CA_FILE', defaultValue: undefined },
  { name: 'LEGO_PREFERRED_CHAIN', defaultValue: undefined },
  { name: 'LEGO_ARI', defaultValue: 'true' },
  { name: 'LEGO_SELF_CHECK', defaultValue: 'true' },
  { name: 'LEGO_SELF_CHECK_TIMEOUT', defaultValue: '10s' },
  { name: 'LEGO_SELF_CHECK_DELAY', defaultValue: '0s' },
  { name: 'LEGO_MAX_CONCURRENT_ORDERS', defaultValue: '4' },
  { name: 'LEGO_ISSUANCE_TIMEOUT', defaultValue: '10m' },
  { name: 'LEGO_LEADER_ELECT', defaultValue: 'false' },
  { name: 'LEGO_LEASE_NAME', defaultValue: 'kube-lego' },
  { name: 'LEGO_LEASE_DURATION', defaultValue: '15s' },
  { name: 'LEGO_RENEW_DEADLINE', defaultValue: '10s' },
  { name: 'LEGO_RETRY_PERIOD', defaultValue: '2s' },
  { name: 'LEGO_POD_NAME', defaultValue: undefined },
  { name: 'HOSTNAME', defaultValue: undefined },
  { name: 'LEGO_TEMPORARY_CERTIFICATE', defaultValue: 'true' },
  { name: 'LEGO_SERVED_CHECK', defaultValue: 'true' },
  { name: 'LEGO_SERVED_CHECK_INTERVAL', defaultValue: '10s' },
  { name: 'LEGO_SERVED_CHECK_TIMEOUT', defaultValue: '30m' },
  { name: 'LEGO_SERVED_CHECK_PORT', defaultValue: '443' },
  { name: 'LEGO_DNS01_RFC2136_NAMESERVER', defaultValue: undefined },
  { name: 'LEGO_DNS01_RFC2136_TSIG_KEY_NAME', defaultValue: undefined },
  { name: 'LEGO_DNS01_RFC2136_TSIG_ALGORITHM', defaultValue: 'hmac-sha256' },
  { name: 'LEGO_DNS01_RFC2136_TSIG_SECRET', defaultValue: undefined },
  { name: 'LEGO_DNS01_ZONES', defaultValue: undefined },
  { name: 'LEGO_DNS01_PROPAGATION_TIMEOUT', defaultValue: '2m' },
  { name: 'LEGO_DNS01_DEFAULT', defaultValue: 'false' },
  { name: 'LEGO_SERVICE_NAME_GATEWAY', defaultValue: 'kube-lego-gateway' },
  { name: 'LEGO_GATEWAY_CHALLENGE_NAMESPACE', defaultValue: 'kube-lego' },
] as const satisfies readonly ConfigVariable[];

/** The name of a variable in CONFIG_VARIABLES. */
export type ConfigVariableName = (typeof CONFIG_VARIABLES)[number]['name'];
