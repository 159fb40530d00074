// Where the API server is and how to authenticate to it: the in-cluster service account, a kubeconfig file
// (read by `kubeconfig.ts`, exec plugins run by `exec-credential.ts`) or a bare URL. Files named here (CA,
// client certificate and key, token) are re-read at most once a minute, so rotated credentials are picked
// up without a restart, as client-go does for the service-account token.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { KubeLegoError, type Reaction } from '../../domain/kube-lego-error.js';
import { ExecCredentialSource, type ExecClusterInfo } from './exec-credential.js';
import {
  readKubeconfig,
  readKubeconfigList,
  type KubeconfigSelection,
  type PemSource,
} from './kubeconfig.js';

/** Where the API server and credentials come from; filled by the composition root from the config. */
export type KubeConnectionSource =
  | {
      readonly kind: 'in-cluster';
      readonly host: string;
      readonly port: string;
      /** Directory holding the service-account `token`, `ca.crt` and `namespace` files. */
      readonly serviceAccountDir: string;
    }
  | {
      readonly kind: 'kubeconfig';
      readonly path: string;
      /** The later files of a KUBECONFIG list, merged after `path` as kubectl merges them. */
      readonly merged?: readonly string[];
      /** kubectl's `--context`: used instead of the current context. */
      readonly context?: string;
    }
  | { readonly kind: 'url'; readonly url: string };

/** A resolved API server endpoint plus a way to obtain fresh request options (tokens may rotate). */
export interface KubeConnection {
  readonly serverUrl: URL;
  /** TLS material and the Authorization header for one request. */
  requestOptions(): Promise<RequestOptions>;
  /** Human-readable description for the start-up log line. */
  readonly description: string;
  /** The namespace the kubeconfig context names (kubectl's default without `-n`), if any. */
  readonly namespace: string | undefined;
}

/** What the connection may take from its host (injected by tests). */
export interface KubeConnectionOptions {
  /**
   * The environment exec credential plugins inherit; defaults to this process's, which the plugin gets as a
   * child process would (it is passed through, not read for configuration).
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly nowMs?: () => number;
}

/** Typed failure to build a connection (missing file, bad kubeconfig, no current cluster) or to get credentials. */
export class KubeConnectionError extends KubeLegoError {
  override readonly name = 'KubeConnectionError';
  readonly code = 'kubeConnectionInvalid';

  /** The connection settings must change first. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

/** How long a credential file's content is reused before it is read again. */
const FILE_REFRESH_MS = 60_000;

function selectionFor(source: KubeConnectionSource): KubeconfigSelection {
  switch (source.kind) {
    case 'in-cluster': {
      const host = source.host.includes(':') ? `[${source.host}]` : source.host;
      return {
        path: source.serviceAccountDir,
        context: 'in-cluster',
        cluster: {
          server: `https://${host}:${source.port}`,
          certificateAuthority: { kind: 'file', path: `${source.serviceAccountDir}/ca.crt`, field: 'ca.crt' },
          insecureSkipTlsVerify: false,
        },
        user: { tokenFile: `${source.serviceAccountDir}/token` },
      };
    }
    case 'kubeconfig':
      return source.merged === undefined && source.context === undefined
        ? readKubeconfig(source.path)
        : readKubeconfigList([source.path, ...(source.merged ?? [])], {
            ...(source.context === undefined ? {} : { context: source.context }),
          });
    case 'url':
      return {
        path: source.url,
        context: 'url',
        cluster: { server: source.url, insecureSkipTlsVerify: false },
        user: {},
      };
  }
}

/** Reads files lazily and keeps each content for FILE_REFRESH_MS. */
class FileCache {
  readonly #nowMs: () => number;
  readonly #entries = new Map<string, { text: string; readAtMs: number }>();

  constructor(nowMs: () => number) {
    this.#nowMs = nowMs;
  }

  /** Reads once now, so a missing file fails at start-up rather than on the first request. */
  prime(path: string, field: string): void {
    try {
      this.#entries.set(path, { text: readFileSync(path, 'utf8'), readAtMs: this.#nowMs() });
    } catch (err) {
      throw new RangeError(`${field}: cannot read "${path}": ${reason(err)}`, { cause: err });
    }
  }

  async read(path: string, field: string): Promise<string> {
    const cached = this.#entries.get(path);
    if (cached !== undefined && this.#nowMs() - cached.readAtMs < FILE_REFRESH_MS) return cached.text;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new RangeError(`${field}: cannot read "${path}": ${reason(err)}`, { cause: err });
    }
    this.#entries.set(path, { text, readAtMs: this.#nowMs() });
    return text;
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function where(source: KubeConnectionSource): string {
  switch (source.kind) {
    case 'kubeconfig':
      return source.merged === undefined || source.merged.length === 0
        ? `kubeconfig "${source.path}"`
        : `kubeconfig ${[source.path, ...source.merged].map((path) => `"${path}"`).join(', ')}`;
    case 'in-cluster':
      return `the service account in "${source.serviceAccountDir}"`;
    case 'url':
      return `LEGO_KUBE_API_URL "${source.url}"`;
  }
}

function loadError(source: KubeConnectionSource, err: unknown): KubeConnectionError {
  return new KubeConnectionError(
    `Cannot load the Kubernetes connection from ${where(source)}: ${reason(err)}`,
    {
      cause: err,
    },
  );
}

/** Loads the kubeconfig (or in-cluster service account) and resolves the API server URL. */
export function loadKubeConnection(
  source: KubeConnectionSource,
  options: KubeConnectionOptions = {},
): KubeConnection {
  const nowMs = options.nowMs ?? Date.now;
  const files = new FileCache(nowMs);
  let selection: KubeconfigSelection;
  try {
    selection = selectionFor(source);
  } catch (err) {
    throw loadError(source, err);
  }
  const { cluster, user } = selection;
  let serverUrl: URL;
  try {
    serverUrl = new URL(cluster.server);
  } catch (err) {
    throw new KubeConnectionError(
      `Cannot use API server URL "${cluster.server}" from ${where(source)}: it is not a valid URL, fix the cluster's server field`,
      { cause: err },
    );
  }
  // Over plain http (kubectl proxy, kube-lego's default LEGO_KUBE_API_URL) there is no TLS to configure.
  const secure = serverUrl.protocol === 'https:';
  const pem = (material: PemSource): Promise<string> =>
    material.kind === 'data' ? Promise.resolve(material.pem) : files.read(material.path, material.field);
  try {
    for (const material of [cluster.certificateAuthority, user.clientCertificate, user.clientKey]) {
      if (secure && material?.kind === 'file') files.prime(material.path, material.field);
    }
    if (user.token === undefined && user.tokenFile !== undefined) files.prime(user.tokenFile, 'tokenFile');
  } catch (err) {
    throw loadError(source, err);
  }
  const exec =
    user.exec === undefined
      ? undefined
      : new ExecCredentialSource(user.exec, {
          path: selection.path,
          cluster: user.exec.provideClusterInfo ? execClusterInfo(selection) : { server: cluster.server },
          env: options.env ?? process.env,
          nowMs,
        });

  const build = async (): Promise<RequestOptions> => {
    const headers: Record<string, string> = {};
    const request: RequestOptions = { headers };
    if (secure) {
      if (cluster.certificateAuthority !== undefined) request.ca = await pem(cluster.certificateAuthority);
      if (cluster.insecureSkipTlsVerify) request.rejectUnauthorized = false;
      if (cluster.tlsServerName !== undefined) request.servername = cluster.tlsServerName;
      if (user.clientCertificate !== undefined && user.clientKey !== undefined) {
        request.cert = await pem(user.clientCertificate);
        request.key = await pem(user.clientKey);
      }
    }
    // client-go's order: an exec plugin's credential, else token, else tokenFile, else basic auth.
    const credential = await exec?.credential();
    if (credential !== undefined) {
      if (credential.clientCertificatePem !== undefined && credential.clientKeyPem !== undefined) {
        request.cert = credential.clientCertificatePem;
        request.key = credential.clientKeyPem;
      }
      if (credential.token !== undefined) headers['authorization'] = `Bearer ${credential.token}`;
    } else if (user.token !== undefined) {
      headers['authorization'] = `Bearer ${user.token}`;
    } else if (user.tokenFile !== undefined) {
      headers['authorization'] = `Bearer ${(await files.read(user.tokenFile, 'tokenFile')).trim()}`;
    } else if (user.basicAuth !== undefined) {
      const { username, password } = user.basicAuth;
      headers['authorization'] = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    return request;
  };

  return {
    serverUrl,
    description: `${source.kind} ${serverUrl.origin}`,
    namespace: selection.namespace,
    async requestOptions(): Promise<RequestOptions> {
      try {
        return await build();
      } catch (err) {
        throw new KubeConnectionError(
          `Cannot get Kubernetes credentials from ${where(source)}: ${reason(err)}`,
          {
            cause: err,
          },
        );
      }
    },
  };
}

/** `spec.cluster` for plugins that ask for it (`provideClusterInfo: true`). */
function execClusterInfo(selection: KubeconfigSelection): ExecClusterInfo {
  const { cluster } = selection;
  const ca = cluster.certificateAuthority;
  let caData: string | undefined;
  if (ca?.kind === 'data') caData = Buffer.from(ca.pem).toString('base64');
  else if (ca?.kind === 'file') {
    try {
      caData = readFileSync(ca.path).toString('base64');
    } catch {
      caData = undefined;
    }
  }
  return {
    server: cluster.server,
    ...(caData === undefined ? {} : { 'certificate-authority-data': caData }),
    ...(cluster.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
    ...(cluster.tlsServerName === undefined ? {} : { 'tls-server-name': cluster.tlsServerName }),
  };
}
