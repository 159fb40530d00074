/** Renders a kubeconfig that both kubectl and @kubernetes/client-node load. */

/** What a kubeconfig for the sandbox needs. */
export interface KubeconfigInput {
  readonly server: string;
  readonly caPem?: string;
  readonly userName: string;
  readonly token: string;
  readonly namespace: string;
}

/**
 * The kubeconfig text. A plain-http server gets `insecure-skip-tls-verify: true`: client-node refuses
 * `http://` clusters without it, and kubectl ignores it over http. TLS servers carry their CA instead.
 * The token is written in the user entry either way (client-node sends it over http too).
 */
export function renderKubeconfig(input: KubeconfigInput): string {
  const q = (s: string): string => JSON.stringify(s);
  const clusterTrust =
    input.caPem === undefined
      ? '    insecure-skip-tls-verify: true'
      : `    certificate-authority-data: ${Buffer.from(input.caPem).toString('base64')}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: sandbox',
    '  cluster:',
    `    server: ${q(input.server)}`,
    clusterTrust,
    'contexts:',
    '- name: sandbox',
    '  context:',
    '    cluster: sandbox',
    `    user: ${q(input.userName)}`,
    `    namespace: ${q(input.namespace)}`,
    'current-context: sandbox',
    'preferences: {}',
    'users:',
    `- name: ${q(input.userName)}`,
    '  user:',
    `    token: ${q(input.token)}`,
    '',
  ].join('\n');
}
