import { AccountService } from '../adapters/acme/account-service.js';
import { CertificateIssuer } from '../adapters/acme/certificate-issuer.js';
import { Dns01Solvers } from '../adapters/dns01/rfc2136-solver.js';
import { SecretDns01Journal } from '../adapters/dns01/secret-journal.js';
import { createTsigKey } from '../dns/tsig.js';
import { RenewalInfoSource } from '../adapters/acme/renewal-info-source.js';
import {
  Http01Solvers,
  type ChallengeRouter,
  type ChallengeTokens,
} from '../adapters/http01/http01-solver.js';
import { GceRouting } from '../adapters/http01/gce-routing.js';
import { NginxRouting } from '../adapters/http01/nginx-routing.js';
import { GatewayRouting } from '../adapters/http01/gateway-routing.js';
import { GATEWAY_PROVIDER } from '../domain/certificate-claim.js';
import { AccessReview } from '../adapters/kube/access-review.js';
import { EventRecorder } from '../adapters/kube/event-recorder.js';
import { ingressView } from '../adapters/kube/ingress-view.js';
import { KubeClient } from '../adapters/kube/kube-client.js';
import { KubeConnectionError, loadKubeConnection } from '../adapters/kube/kube-connection.js';
import { KubeObjects } from '../adapters/kube/kube-objects.js';
import { LeaseElector } from '../adapters/kube/lease-elector.js';
import { CertificateFactsCache } from '../adapters/kube/certificate-facts-cache.js';
import { parseCertificate, secretSnapshot } from '../adapters/kube/secret-snapshot.js';
import type { SecretObject } from '../adapters/kube/kube-types.js';
import type { SecretSnapshot } from '../domain/types.js';
import type { PrometheusMetrics } from '../adapters/metrics/prometheus-metrics.js';
import { SecretStore } from '../adapters/kube/secret-store.js';
import { SharedChallengeStore } from '../adapters/kube/shared-challenge-store.js';
import { MemoryChallengeStore } from '../http/challenge-store.js';
import { createInstanceId } from '../http/instance-id.js';
import { certificateReports } from '../reconcile/certificate-reports.js';
import { DesiredCache } from '../reconcile/desired-index.js';
import { Reconciler } from '../reconcile/reconciler.js';
import type { ChallengeStore } from '../ports/challenge-store.js';
import type { Log } from '../ports/log.js';
import { Semaphore } from '../runtime/semaphore.js';
import { systemClock } from '../runtime/system-clock.js';
import { WorkQueue } from '../runtime/workqueue.js';
import { createTemporaryCertificate } from '../x509/temporary-certificate.js';
import { TEMPORARY_VALIDITY_MS } from '../domain/temporary-certificate-state.js';
import type { ControllerSettings } from './controller-settings.js';
import { CachedIngressAddresses } from '../adapters/kube/ingress-addresses.js';
import { CachedSourceAddresses } from '../adapters/kube/source-addresses.js';
import { TlsServedProbe } from '../adapters/tls/tls-served-probe.js';
import { ServedCheck } from '../reconcile/served-check.js';
import { watchSources, type Watches } from './watch.js';
import { watchGateways, type GatewayWatches } from './watch-gateways.js';
import type { GatewayApiResources } from '../adapters/kube/gateway-api-discovery.js';
import { NO_GATEWAY_SOURCES } from '../domain/gateway-types.js';

/** The controller's object graph, built but not started: nothing listens, watches or works yet. */
export interface ControllerGraph {
  readonly client: KubeClient;
  /** The tokens the HTTP server answers: this process's, and with leader election every replica's. */
  readonly tokens: ChallengeStore;
  /** With leader election: the Secret every replica watches for the pending tokens (not started yet). */
  readonly challenges: SharedChallengeStore | undefined;
  readonly instanceId: string;
  readonly nginx: NginxRouting;
  /** Absent when the cluster serves no Gateways. */
  readonly gatewayRouting: GatewayRouting | undefined;
  /** Absent when dns-01 is not configured. */
  readonly dns01?: Dns01Solvers;
  readonly accounts: AccountService;
  readonly queue: WorkQueue;
  readonly watches: Watches;
  /** Absent when the cluster serves no Gateways: Ingresses only. */
  readonly gatewayWatches: GatewayWatches | undefined;
  readonly desired: DesiredCache;
  readonly reconciler: Reconciler;
  /** Absent when `LEGO_SERVED_CHECK=false`. */
  readonly servedCheck?: ServedCheck;
  /** Aborted on shutdown: in-flight orders stop at their next safe point. */
  readonly shutdown: AbortController;
  /** With leader election: the Lease elector (not running yet); undefined for a single replica. */
  readonly elector: LeaseElector | undefined;
}

/** Asks the API server for its version: the start-up check that the connection works at all. */
async function serverVersion(
  client: KubeClient,
  origin: string,
): Promise<{ gitVersion?: string } | undefined> {
  try {
    return (await client.request({ method: 'GET', path: '/version' })) as { gitVersion?: string } | undefined;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new KubeConnectionError(
      `Cannot connect to the Kubernetes API at ${origin}: ${why}; run kube-lego in the cluster, or point KUBECONFIG or LEGO_KUBE_API_URL at a reachable API server`,
      { cause: err },
    );
  }
}

/** Connects to the API server and checks that it answers; every request is counted in `metrics`. */
export async function connectKube(
  settings: ControllerSettings,
  log: Log,
  metrics?: PrometheusMetrics,
): Promise<KubeClient> {
  const kubeLog = log.with({ context: 'kubelego' });
  const connection = loadKubeConnection(settings.kube);
  kubeLog.info(`connecting to kubernetes api: ${connection.serverUrl.origin}`);
  const client = new KubeClient(connection, {
    userAgent: settings.userAgent,
    requestTimeoutMs: 30_000,
    ...(metrics === undefined
      ? {}
      : {
          onResponse: (exchange) => {
            metrics.kubeExchange(exchange);
          },
        }),
  });
  const version = await serverVersion(client, connection.serverUrl.origin);
  kubeLog.info(`successfully connected to kubernetes api ${version?.gitVersion ?? 'unknown'}`);
  return client;
}

function solvers(
  settings: ControllerSettings,
  parts: {
    tokens: ChallengeTokens;
    nginx: NginxRouting;
    gce: GceRouting;
    gateway: GatewayRouting | undefined;
    log: Log;
  },
): Http01Solvers {
  const routers = new Map<string, ChallengeRouter>([
    ['nginx', parts.nginx],
    ['gce', parts.gce],
    ...(parts.gateway === undefined ? [] : [[GATEWAY_PROVIDER, parts.gateway] as const]),
  ]);
  return new Http01Solvers({
    tokens: parts.tokens,
    routers,
    log: parts.log,
    selfCheck: settings.selfCheck.enabled
      ? {
          kind: 'check',
          options: {
            userAgent: settings.userAgent,
            timeoutMs: settings.selfCheck.timeoutMs,
            tries: settings.selfCheck.tries,
            intervalMs: settings.selfCheck.intervalMs,
            ...(settings.selfCheck.address === undefined ? {} : { address: settings.selfCheck.address }),
          },
        }
      : { kind: 'wait', delayMs: settings.selfCheck.delayMs },
  });
}

/** The dns-01 solvers when `LEGO_DNS01_*` configures them; their journal is a Secret beside the account's. */
function dns01Solvers(
  settings: ControllerSettings,
  objects: KubeObjects,
  log: Log,
): Dns01Solvers | undefined {
  const dns01 = settings.dns01;
  if (dns01 === undefined) return undefined;
  return new Dns01Solvers({
    settings: {
      nameserver: dns01.nameserver,
      key: createTsigKey({
        name: dns01.tsigKeyName,
        algorithm: dns01.tsigAlgorithm,
        secretBase64: dns01.tsigSecretBase64,
      }),
      zones: dns01.zones,
      propagationTimeoutMs: dns01.propagationTimeoutMs,
    },
    journal: new SecretDns01Journal(objects, {
      namespace: settings.namespace,
      name: `${settings.accountSecretName}-dns01`,
    }),
    log: log.with({ context: 'acme' }),
  });
}

/**
 * Builds every adapter and the reconciler from the settings, on a connected client. `synced` tells the
 * watches whether the first full pass has run (events before it are covered by that pass).
 */
export function buildController(options: {
  readonly settings: ControllerSettings;
  readonly client: KubeClient;
  readonly synced: () => boolean;
  readonly log: Log;
  /** Absent: metrics are off (`LEGO_METRICS_PORT=0`). */
  readonly metrics?: PrometheusMetrics;
  /** The Gateway API kinds the cluster serves (discoverGatewayApi); absent or empty: Ingresses only. */
  readonly gatewayApi?: GatewayApiResources;
}): ControllerGraph {
  const { settings, client, log, metrics } = options;
  const objects = new KubeObjects(client);
  const shutdown = new AbortController();
  const local = new MemoryChallengeStore();
  const challenges =
    settings.leaderElection === undefined
      ? undefined
      : new SharedChallengeStore({
          client,
          local,
          namespace: settings.namespace,
          name: `${settings.leaderElection.leaseName}-challenges`,
          log: log.with({ context: 'acme' }),
        });
  const tokens = challenges ?? local;
  const instanceId = createInstanceId();
  const nginx = new NginxRouting({
    objects,
    log,
    settings: {
      ...settings.nginx,
      namespace: settings.namespace,
      port: settings.port,
      defaultClass: settings.policy.defaultClass,
    },
  });
  const gce = new GceRouting({
    objects,
    log,
    settings: { serviceName: settings.gce.serviceName, podIp: settings.gce.podIp, port: settings.port },
  });
  const gatewayApi = options.gatewayApi ?? {};
  const gatewayRouting =
    gatewayApi.gateways === undefined
      ? undefined
      : new GatewayRouting({
          objects,
          log,
          resources: gatewayApi,
          shutdown: shutdown.signal,
          settings: {
            namespace: settings.namespace,
            serviceName: settings.gateway?.serviceName ?? 'kube-lego-gateway',
            routeNamespace: settings.gateway?.routeNamespace ?? 'kube-lego',
            port: settings.port,
            serviceSelector: settings.nginx.serviceSelector,
          },
        });
  const accounts = new AccountService({
    objects,
    log,
    settings: {
      namespace: settings.namespace,
      secretName: settings.accountSecretName,
      email: settings.email,
      directoryUrl: settings.directoryUrl,
      userAgent: settings.userAgent,
      ...(settings.acmeCaPem === undefined ? {} : { caPem: settings.acmeCaPem }),
      ...(settings.eab === undefined ? {} : { eab: settings.eab }),
    },
    ...(metrics === undefined
      ? {}
      : {
          onAcmeResponse: (exchange) => {
            metrics.acmeExchange(exchange);
          },
        }),
  });
  const dns01 = dns01Solvers(settings, objects, log);
  const issuer = new CertificateIssuer({
    accounts,
    solvers: solvers(settings, { tokens, nginx, gce, gateway: gatewayRouting, log }),
    dns01,
    ari: settings.ari,
    keySpec: settings.keySpec,
    log,
    ...(settings.profile === undefined ? {} : { profile: settings.profile }),
    ...(settings.preferredChain === undefined ? {} : { preferredChain: settings.preferredChain }),
    ...(settings.pollIntervalMs === undefined ? {} : { pollIntervalMs: settings.pollIntervalMs }),
  });

  const elector =
    settings.leaderElection === undefined
      ? undefined
      : new LeaseElector({
          client,
          namespace: settings.namespace,
          config: settings.leaderElection,
          clock: systemClock,
          log: log.with({ context: 'kubelego' }),
          random: Math.random,
        });
  // One term per leadership: losing the Lease aborts the orders of the term that is ending.
  let term = new AbortController();
  elector?.onChange((leader) => {
    if (leader) term = new AbortController();
    else term.abort();
  });

  const queue = new WorkQueue({ clock: systemClock });
  const facts = new CertificateFactsCache(parseCertificate);
  const watches = watchSources({
    client,
    namespace: settings.watchNamespace,
    queue,
    onIngressChange: () => {
      desired.invalidate();
    },
    annotationKey: settings.policy.annotationKey,
    onSecretGone: (uid, key) => {
      facts.forget(uid);
      servedCheck?.forget(key);
    },
    synced: options.synced,
    log: log.with({ context: 'kubelego' }),
  });
  const gatewayWatches = watchGateways({
    client,
    namespace: settings.watchNamespace,
    resources: gatewayApi,
    queue,
    onChange: () => {
      desired.invalidate();
    },
    synced: options.synced,
    log: log.with({ context: 'kubelego' }),
  });
  const desired = new DesiredCache(
    settings.policy,
    () => watches.ingresses.list().map(ingressView),
    () => gatewayWatches?.sources() ?? NO_GATEWAY_SOURCES,
  );
  const events = new EventRecorder(objects);
  const servedCheck =
    settings.servedCheck?.enabled === true
      ? new ServedCheck({
          probe: new TlsServedProbe({ port: settings.servedCheck.port }),
          addresses: new CachedSourceAddresses({
            ingresses: new CachedIngressAddresses(watches.ingresses),
            ...(gatewayWatches === undefined ? {} : { gateways: gatewayWatches.gateways }),
            ...(gatewayWatches?.listenerSets === undefined
              ? {}
              : { listenerSets: gatewayWatches.listenerSets }),
          }),
          events,
          policy: settings.servedCheck,
          log,
          shutdown: shutdown.signal,
        })
      : undefined;
  const reconciler = new Reconciler({
    desired,
    secrets: new SecretStore({ objects, managed: watches.secrets, facts }),
    access: new AccessReview(client),
    issuer,
    temporary: {
      create: (hosts, nowMs) =>
        createTemporaryCertificate(hosts, { nowMs, validityMs: TEMPORARY_VALIDITY_MS }),
    },
    events,
    queue,
    ...(servedCheck === undefined ? {} : { served: servedCheck }),
    orders: new Semaphore(settings.maxConcurrentOrders),
    ...(settings.ari ? { ari: new RenewalInfoSource(accounts) } : {}),
    settings: {
      policy: settings.policy,
      issuanceTimeoutMs: settings.issuanceTimeoutMs,
      ...(settings.temporaryCertificate === undefined
        ? {}
        : { temporaryCertificate: settings.temporaryCertificate }),
      ...(settings.ariPollIntervalMs === undefined ? {} : { ariPollIntervalMs: settings.ariPollIntervalMs }),
    },
    log,
    shutdown: shutdown.signal,
    ...(metrics === undefined ? {} : { metrics }),
    ...(elector === undefined ? {} : { term: () => term.signal }),
  });
  // One snapshot per Secret version (informer objects are replaced, never changed): the reports keep
  // their classification of it between scrapes.
  const snapshots = new WeakMap<SecretObject, SecretSnapshot>();
  metrics?.readFrom({
    queue,
    leading: () => elector?.isLeader() ?? true,
    certificates: certificateReports({
      desired,
      snapshot: (key) => {
        const secret = watches.secrets.get(key);
        if (secret === undefined) return undefined;
        const kept = snapshots.get(secret);
        if (kept !== undefined) return kept;
        const snapshot = secretSnapshot(secret, (object) => facts.facts(object));
        snapshots.set(secret, snapshot);
        return snapshot;
      },
      directoryUrl: settings.directoryUrl,
      profile: settings.profile,
      annotationKey: settings.policy.annotationKey,
      minimumValidityMs: settings.policy.minimumValidityMs,
      ...(servedCheck === undefined ? {} : { served: (key: string) => servedCheck.outcome(key) }),
    }),
  });
  return {
    client,
    tokens,
    challenges,
    instanceId,
    nginx,
    gatewayRouting,
    ...(dns01 === undefined ? {} : { dns01 }),
    accounts,
    queue,
    watches,
    gatewayWatches,
    desired,
    reconciler,
    ...(servedCheck === undefined ? {} : { servedCheck }),
    shutdown,
    elector,
  };
}
