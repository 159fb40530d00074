import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CertificateInventory } from '../adapters/kube/certificate-inventory.js';
import { KubeClient } from '../adapters/kube/kube-client.js';
import {
  KubeConnectionError,
  loadKubeConnection,
  type KubeConnectionSource,
} from '../adapters/kube/kube-connection.js';
import { USER_AGENT } from '../version.js';

/** kubectl's connection flags, as the `status`, `explain` and `renew` commands take them. */
export interface ClusterFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
}

/** A connection with the user's credentials, and the namespace a command works in without `-n`. */
export interface ClusterConnection {
  readonly inventory: CertificateInventory;
  /** `-n`, else the context's namespace, else `default` (kubectl's rule). */
  readonly namespace: string;
  close(): void;
}

/**
 * Where the kubeconfig is, by kubectl's loading rules: `--kubeconfig` (that one file), else every file of
 * KUBECONFIG (merged, the first to set a value wins), else `~/.kube/config`.
 */
export function kubeconfigSource(
  flags: ClusterFlags,
  env: Readonly<Record<string, string | undefined>>,
  exists: (path: string) => boolean = existsSync,
): KubeConnectionSource {
  const context = flags.context === undefined ? {} : { context: flags.context };
  if (flags.kubeconfig !== undefined) return { kind: 'kubeconfig', path: flags.kubeconfig, ...context };
  const listed = (env['KUBECONFIG'] ?? '').split(delimiter).filter((path) => path !== '');
  const [first, ...rest] = listed;
  if (first !== undefined) return { kind: 'kubeconfig', path: first, merged: rest, ...context };
  const home = env['HOME'] ?? '';
  const fallback = join(home, '.kube', 'config');
  if (home === '' || !exists(fallback)) {
    throw new KubeConnectionError(
      `Cannot find a kubeconfig: KUBECONFIG is not set and "${fallback}" does not exist; pass --kubeconfig or set KUBECONFIG`,
    );
  }
  return { kind: 'kubeconfig', path: fallback, ...context };
}

/** Connects with the user's kubeconfig (kubectl's loading rules); nothing is requested yet. */
export function connectCluster(
  flags: ClusterFlags,
  env: Readonly<Record<string, string | undefined>>,
): ClusterConnection {
  const connection = loadKubeConnection(kubeconfigSource(flags, env), { env });
  const client = new KubeClient(connection, { userAgent: USER_AGENT, requestTimeoutMs: 30_000 });
  return {
    inventory: new CertificateInventory(client),
    namespace: flags.namespace ?? connection.namespace ?? 'default',
    close: () => {
      client.close();
    },
  };
}
