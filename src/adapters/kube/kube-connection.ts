import { KubeLegoError, type Reaction } from '../../domain/kube-lego-error.js';
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
export class KubeConnectionError extends KubeLegoError {
  override readonly name = 'KubeConnectionError';
  readonly code = 'kubeConnectionInvalid';

  /** The connection settings must change first. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
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
      return allowPlainHttp(kc);
    case 'url':
      kc.loadFromClusterAndUser(
        { name: 'url', server: source.url, skipTLSVerify: isPlainHttp(source.url) },
        { name: 'anonymous' },
      );
      return kc;
  }
}

function isPlainHttp(server: string): boolean {
  return server.toLowerCase().startsWith('http:');
}

/**
 * client-node refuses `http://` servers unless the cluster says `skipTLSVerify`, although there is no TLS
 * to verify; kubectl accepts them (e.g. `kubectl proxy`, kube-lego's default `LEGO_KUBE_API_URL`). Mark
 * plain-HTTP clusters so; https clusters keep their verification settings untouched.
 */
function allowPlainHttp(kc: KubeConfig): KubeConfig {
  if (!kc.clusters.some((cluster) => isPlainHttp(cluster.server))) return kc;
  const patched = new KubeConfig();
  patched.loadFromOptions({
    clusters: kc.clusters.map((cluster) =>
      isPlainHttp(cluster.server) ? { ...cluster, skipTLSVerify: true } : cluster,
    ),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return patched;
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
