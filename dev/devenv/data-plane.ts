import { createSecureContext, createServer, type SecureContext, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { JsonObject } from '../sandbox/json.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { createThrowawayTls } from '../tls/throwaway-tls.js';
import {
  gatewayStatusWrites,
  servedCertificates,
  type GatewaySnapshot,
  type StatusWrite,
} from './gateway-status.js';

// A stand-in for an ingress controller's data plane in the sandbox: a TLS listener on loopback that
// serves, by SNI, the certificate of the Secret an Ingress names for that host, and publishes 127.0.0.1 in
// every Ingress's status.loadBalancer. A Secret seen for the first time is loaded at once (as a controller
// does at start-up); a change is loaded after `reloadDelayMs`, imitating a slow load balancer, or never.
// It is also a Gateway API implementation for the GatewayClasses naming its `controllerName`: it writes
// their status, their Gateways' and the attached HTTPRoutes' (gateway-status.ts), and serves the Secrets
// of their HTTPS listeners (and of ListenerSets attached to them) the same way.

/** The controllerName the data plane implements unless told otherwise. */
export const DATA_PLANE_CONTROLLER_NAME = 'sandbox.kube-lego.dev/data-plane';

export interface DataPlaneOptions {
  readonly sandbox: Sandbox;
  /** Delay between a Secret's change and the listener serving it; `'never'`: changes are not loaded. */
  readonly reloadDelayMs: number | 'never';
  /** How often the sandbox is looked at. @default 100 */
  readonly pollIntervalMs?: number;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** The Gateway API controllerName whose GatewayClasses it implements. @default DATA_PLANE_CONTROLLER_NAME */
  readonly controllerName?: string;
}

export interface DataPlane {
  readonly port: number;
  /** When each Secret's current pair began to be served (`namespace/name` to ms since the epoch). */
  readonly loadedAtMs: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

interface JsonIngress {
  readonly metadata?: { readonly namespace?: string; readonly name?: string };
  readonly spec?: {
    readonly tls?: readonly { readonly hosts?: readonly string[]; readonly secretName?: string }[];
  };
  readonly status?: { readonly loadBalancer?: { readonly ingress?: readonly unknown[] } };
}

interface JsonSecret {
  readonly data?: Readonly<Record<string, string>>;
}

interface Loaded {
  readonly crt: string;
  readonly context: SecureContext;
}

/** Starts the data plane; `close()` stops its listener and its polling. */
export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const { sandbox } = options;
  const controllerName = options.controllerName ?? DATA_PLANE_CONTROLLER_NAME;
  const fallback = await createThrowawayTls();
  const fallbackContext = createSecureContext({ cert: fallback.certPem, key: fallback.keyPem });
  const loaded = new Map<string, Loaded>();
  const loadedAtMs = new Map<string, number>();
  const reloads = new Map<string, NodeJS.Timeout>();
  const hostSecrets = new Map<string, string>();
  const published = new Set<string>();

  const load = (key: string, crt: string, keyPem: string): void => {
    try {
      const context = createSecureContext({
        cert: Buffer.from(crt, 'base64').toString('utf8'),
        key: Buffer.from(keyPem, 'base64').toString('utf8'),
      });
      loaded.set(key, { crt, context });
      loadedAtMs.set(key, Date.now());
    } catch {
      // Not a usable pair (yet): keep serving what was loaded, as ingress controllers do.
    }
  };

  const publish = async (namespace: string, name: string): Promise<void> => {
    const id = `${namespace}/${name}`;
    if (published.has(id)) return;
    published.add(id);
    const response = await fetch(
      `${sandbox.url}/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${name}/status`,
      {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${sandbox.adminToken}`,
          'content-type': 'application/merge-patch+json',
        },
        body: JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } }),
      },
    );
    await response.text();
    if (!response.ok) published.delete(id);
  };

  const writeStatus = async (write: StatusWrite): Promise<void> => {
    const scope = write.plural === 'gatewayclasses' ? '' : `namespaces/${write.namespace}/`;
    const response = await fetch(
      `${sandbox.url}/apis/gateway.networking.k8s.io/v1/${scope}${write.plural}/${write.name}/status`,
      {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${sandbox.adminToken}`,
          'content-type': 'application/merge-patch+json',
        },
        body: JSON.stringify({ status: write.status }),
      },
    );
    await response.text();
  };

  const gatewayApi = async (): Promise<Map<string, string>> => {
    // A cluster without the Gateway API CRDs: nothing to implement.
    if (!sandbox.store.serves('gateways.gateway.networking.k8s.io')) return new Map();
    const list = (plural: string): JsonObject[] => sandbox.store.list(`${plural}.gateway.networking.k8s.io`);
    const snapshot: GatewaySnapshot = {
      gatewayClasses: list('gatewayclasses'),
      gateways: list('gateways'),
      httpRoutes: list('httproutes'),
      referenceGrants: list('referencegrants'),
      listenerSets: list('listenersets'),
      services: sandbox.store.list('services'),
      secrets: sandbox.store.list('secrets'),
      namespaces: sandbox.store.list('namespaces'),
    };
    const identity = { controllerName, address: '127.0.0.1', nowIso: new Date().toISOString() };
    for (const write of gatewayStatusWrites(snapshot, identity)) await writeStatus(write);
    return servedCertificates(snapshot, controllerName);
  };

  const watchSecret = (key: string): void => {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const secret = sandbox.store.get('secrets', namespace, name) as JsonSecret | undefined;
    const crt = secret?.data?.['tls.crt'];
    const keyPem = secret?.data?.['tls.key'];
    if (crt === undefined || keyPem === undefined || crt === '' || loaded.get(key)?.crt === crt) return;
    if (!loaded.has(key)) load(key, crt, keyPem);
    else if (options.reloadDelayMs !== 'never' && !reloads.has(key)) {
      reloads.set(
        key,
        setTimeout(() => {
          reloads.delete(key);
          // The Secret as it is when the reload happens, as a controller re-reads it.
          const now = sandbox.store.get('secrets', namespace, name) as JsonSecret | undefined;
          load(key, now?.data?.['tls.crt'] ?? crt, now?.data?.['tls.key'] ?? keyPem);
        }, options.reloadDelayMs),
      );
    }
  };

  const look = async (): Promise<void> => {
    const keys = new Set<string>();
    for (const ingress of sandbox.store.list('ingresses.networking.k8s.io') as JsonIngress[]) {
      const namespace = ingress.metadata?.namespace ?? 'default';
      const name = ingress.metadata?.name ?? '';
      if ((ingress.status?.loadBalancer?.ingress ?? []).length === 0) await publish(namespace, name);
      for (const entry of ingress.spec?.tls ?? []) {
        if (entry.secretName === undefined) continue;
        const key = `${namespace}/${entry.secretName}`;
        for (const host of entry.hosts ?? []) hostSecrets.set(host.toLowerCase(), key);
        keys.add(key);
      }
    }
    for (const [host, key] of await gatewayApi()) {
      hostSecrets.set(host, key);
      keys.add(key);
    }
    for (const key of keys) watchSecret(key);
  };

  const server: Server = createServer({
    SNICallback: (servername, callback) => {
      const host = servername.toLowerCase();
      // An exact hostname first, then a wildcard listener's (`*.example.com` for `shop.example.com`).
      const key = hostSecrets.get(host) ?? hostSecrets.get(`*${host.slice(host.indexOf('.'))}`);
      callback(null, (key === undefined ? undefined : loaded.get(key)?.context) ?? fallbackContext);
    },
    cert: fallback.certPem,
    key: fallback.keyPem,
  });
  // Handshakes only: a connection is closed once established.
  server.on('secureConnection', (socket) => socket.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  let stopped = false;
  let polling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(() => (stopped ? undefined : look().catch(() => undefined)));
  }, options.pollIntervalMs ?? 100);
  return {
    port: (server.address() as AddressInfo).port,
    loadedAtMs,
    close: async () => {
      stopped = true;
      clearInterval(timer);
      for (const reload of reloads.values()) clearTimeout(reload);
      await polling;
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
