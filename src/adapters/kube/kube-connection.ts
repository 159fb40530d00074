// The only module that imports @kubernetes/client-node values: it is used for kubeconfig parsing and
// credential plugins only (importing it costs ~0.7 s and ~90 MiB), so replacing it touches this file alone.
import { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';

/** Where the API server and credentials come from; filled by the composition root from the config. */
export type KubeConnectionSource =
  | {
      readonly kind: 'in-cluster';
      readonly host: string;
      readonly port: string;
      /** Directory holding the service-account `token`, `ca.crt` and `namespace` files. */
      readonly serviceAccountDir: string;
    }
  | { readonly kind: 'kubeconfig'; readonly path: string }
  | { readonly kind: 'url'; readonly url: string };

/** A resolved API server endpoint plus a way to obtain fresh request options (tokens may rotate). */
export interface KubeConnection {
  readonly serverUrl: URL;
  /** TLS material and the Authorization header for one request. */
  requestOptions(): Promise<RequestOptions>;
  /** Human-readable description for the start-up log line. */
  readonly description: string;
}

/** Typed failure to build a connection (missing file, bad kubeconfig, no current cluster). */
export class KubeConnectionError extends Error {
  override readonly name = 'KubeConnectionError';
  readonly code = 'kubeConnectionInvalid';
}

function configFor(source: KubeConnectionSource): KubeConfig {
  const kc = new KubeConfig();
  switch (source.kind) {
    case 'in-cluster': {
      const host = source.host.includes(':') ? `[${source.host}]` : source.host;
      kc.loadFromClusterAndUser(
        {
          name: 'in-cluster',
          server: `https://${host}:${source.port}`,
          caFile: `${source.serviceAccountDir}/ca.crt`,
          skipTLSVerify: false,
        },
        {
          name: 'in-cluster',
          authProvider: {
            name: 'tokenFile',
            config: { tokenFile: `${source.serviceAccountDir}/token` },
          },
        },
      );
      return kc;
    }
    case 'kubeconfig':
      kc.loadFromFile(source.path);
      return kc;
    case 'url':
      kc.loadFromClusterAndUser(
        { name: 'url', server: source.url, skipTLSVerify: false },
        { name: 'anonymous' },
      );
      return kc;
  }
}

/** Loads the kubeconfig (or in-cluster service account) and resolves the API server URL. */
export function loadKubeConnection(source: KubeConnectionSource): KubeConnection {
  let kc: KubeConfig;
  try {
    kc = configFor(source);
  } catch (err) {
    const where = source.kind === 'kubeconfig' ? `kubeconfig "${source.path}"` : source.kind;
    throw new KubeConnectionError(
      `Cannot load the Kubernetes connection from ${where}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw new KubeConnectionError(
      'Cannot find the current cluster in the kubeconfig: set current-context to a context whose cluster exists',
    );
  }
  let serverUrl: URL;
  try {
    serverUrl = new URL(cluster.server);
  } catch (err) {
    throw new KubeConnectionError(
      `Cannot use API server URL "${cluster.server}": it is not a valid URL, fix the cluster's server field`,
      { cause: err },
    );
  }
  return {
    serverUrl,
    description: `${source.kind} ${serverUrl.origin}`,
    async requestOptions(): Promise<RequestOptions> {
      const options: RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      return options;
    },
  };
}
