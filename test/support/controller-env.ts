/** Where the controller under test finds the cluster and the CA. */
export interface ControllerEnvOptions {
  readonly kubeconfig: string;
  /** The ACME directory: Pebble's own or a counting proxy's. */
  readonly directoryUrl: string;
  /** PEM file trusted for the directory's HTTPS listener (LEGO_ACME_CA_FILE). */
  readonly caFile: string;
  /** The port Pebble's VA dials for http-01 (LEGO_PORT). */
  readonly httpPort: number;
}

/**
 * The environment of a kube-lego process in the end-to-end tests: the sandbox, the CA, ECDSA P-256 keys,
 * the account in namespace `kube-lego`; `extra` overrides or adds variables. The self-check resolves hosts
 * with the system resolver, which cannot see challtestsrv's names, so it is off (the in-process runtime
 * test covers it through an address override).
 */
export function controllerEnv(
  options: ControllerEnvOptions,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    KUBECONFIG: options.kubeconfig,
    LEGO_EMAIL: 'admin@example.test',
    LEGO_URL: options.directoryUrl,
    LEGO_ACME_CA_FILE: options.caFile,
    LEGO_PORT: String(options.httpPort),
    LEGO_NAMESPACE: 'kube-lego',
    LEGO_POD_IP: '127.0.0.1',
    LEGO_KEY_TYPE: 'ecdsa-p256',
    LEGO_SELF_CHECK: 'false',
    LEGO_SELF_CHECK_DELAY: '0s',
    ...extra,
  };
}

/** Only the nginx provider: no gce objects are looked for or made. */
export const NGINX_ONLY: Readonly<Record<string, string>> = { LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx' };
