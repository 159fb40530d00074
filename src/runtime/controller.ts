import type { ExternalAccountBinding } from '../acme/acme-client.js';
import { AccountService } from '../adapters/acme/account-service.js';
import { CertificateIssuer } from '../adapters/acme/certificate-issuer.js';
import { RenewalInfoSource } from '../adapters/acme/renewal-info-source.js';
import { Http01Solvers, type ChallengeRouter } from '../adapters/http01/http01-solver.js';
import { GceRouting } from '../adapters/http01/gce-routing.js';
import { NginxRouting } from '../adapters/http01/nginx-routing.js';
import { AccessReview } from '../adapters/kube/access-review.js';
import { EventRecorder } from '../adapters/kube/event-recorder.js';
import { ingressView } from '../adapters/kube/ingress-view.js';
import { KubeClient } from '../adapters/kube/kube-client.js';
import {
  KubeConnectionError,
  loadKubeConnection,
  type KubeConnectionSource,
} from '../adapters/kube/kube-connection.js';
import { kubeListWatcher } from '../adapters/kube/kube-list-watcher.js';
import { KubeObjects } from '../adapters/kube/kube-objects.js';
import type { IngressObject, SecretObject } from '../adapters/kube/kube-types.js';
import { INGRESSES, SECRETS } from '../adapters/kube/resources.js';
import { SecretStore } from '../adapters/kube/secret-store.js';
import type { PlanPolicy } from '../domain/plan.js';
import { MANAGED_SELECTOR } from '../domain/secret-annotations.js';
import { startChallengeServer } from '../http/challenge-server.js';
import { MemoryChallengeStore } from '../http/challenge-store.js';
import { createInstanceId } from '../http/instance-id.js';
import { DesiredCache } from '../reconcile/desired-index.js';
import { Reconciler } from '../reconcile/reconciler.js';
import type { KeySpec } from '../x509/private-key.js';
import { Informer } from './informer.js';
import type { Log } from './log-port.js';
import { Semaphore } from './semaphore.js';
import { systemClock } from './system-clock.js';
import { runWorkers } from './worker-pool.js';
import { WorkQueue } from './workqueue.js';

/** Everything the controller needs, as plain data; the composition root fills it from the config. */
export interface ControllerSettings {
  readonly kube: KubeConnectionSource;
  readonly version: string;
  readonly userAgent: string;
  /** Empty: all namespaces. */
  readonly watchNamespace: string;
  /** `LEGO_NAMESPACE`: account Secret and nginx challenge objects. */
  readonly namespace: string;
  readonly accountSecretName: string;
  readonly email: string;
  readonly directoryUrl: string;
  readonly acmeCaPem?: string;
  readonly eab?: ExternalAccountBinding;
  readonly profile?: string;
  readonly preferredChain?: string;
  readonly keySpec: KeySpec;
  readonly port: number;
  readonly selfCheck: {
    readonly enabled: boolean;
    readonly timeoutMs: number;
    readonly delayMs: number;
    readonly tries: number;
    readonly intervalMs: number;
    /** Testing and sandbox knob: connect here instead of resolving each host. */
    readonly address?: { readonly host: string; readonly port: number };
  };
  readonly nginx: {
    readonly serviceName: string;
    readonly ingressName: string;
    readonly serviceSelector: string;
  };
  readonly gce: { readonly serviceName: string; readonly podIp: string | undefined };
  readonly policy: PlanPolicy;
  readonly checkIntervalMs: number;
  /** `LEGO_ARI`: follow the CA's renewal windows (RFC 9773) and send `replaces` on renewals. */
  readonly ari: boolean;
  /** How often a certificate's ARI window is fetched again. @default 6 hours */
  readonly ariPollIntervalMs?: number;
  readonly maxConcurrentOrders: number;
  readonly issuanceTimeoutMs: number;
  /** Delay between ACME polls without Retry-After. */
  readonly pollIntervalMs?: number;
}

/** A started controller. */
export interface RunningController {
  /** The port the HTTP server listens on. */
  readonly port: number;
  /** True once both informers have synced. */
  ready(): boolean;
  /** Stops taking work, lets in-flight orders reach a safe point, then closes everything. */
  stop(): Promise<void>;
  /** Resolves when the controller has stopped. */
  readonly stopped: Promise<void>;
}

function tlsKeys(ingress: IngressObject | undefined): string[] {
  const namespace = ingress?.metadata?.namespace ?? '';
  return (ingress?.spec?.tls ?? [])
    .map((entry) => entry.secretName ?? '')
    .filter((name) => name !== '')
    .map((name) => `${namespace}/${name}`);
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

/**
 * Builds the adapters, starts the HTTP server, the informers, the workers and the periodic check.
 * Resolves once everything is started (the informers sync in the background; `/readyz` reports it).
 */
export async function startControllerRuntime(
  settings: ControllerSettings,
  log: Log,
): Promise<RunningController> {
  const kubeLog = log.with({ context: 'kubelego' });
  const connection = loadKubeConnection(settings.kube);
  kubeLog.info(`connecting to kubernetes api: ${connection.serverUrl.origin}`);
  const client = new KubeClient(connection, { userAgent: settings.userAgent, requestTimeoutMs: 30_000 });
  const version = await serverVersion(client, connection.serverUrl.origin);
  kubeLog.info(`successfully connected to kubernetes api ${version?.gitVersion ?? 'unknown'}`);
  const objects = new KubeObjects(client);
  const shutdown = new AbortController();

  const tokens = new MemoryChallengeStore();
  const instanceId = createInstanceId();
  let informersSynced = false;
  const acmeLog = log.with({ context: 'acme' });
  const server = await startChallengeServer({
    store: tokens,
    instanceId,
    version: settings.version,
    port: settings.port,
    isReady: () => informersSynced,
    onRequest: (event) => {
      if (event.kind === 'served')
        acmeLog.debug('responding to challenge request', { host: event.host, token: event.token });
      else if (event.kind === 'token-not-found')
        acmeLog.debug('token not found', { host: event.host ?? '', token: event.token });
    },
  });
  acmeLog.info(`server listening on http://:${server.port}/`);

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
  const routers = new Map<string, ChallengeRouter>([
    ['nginx', nginx],
    ['gce', gce],
  ]);
  const solvers = new Http01Solvers({
    tokens,
    routers,
    log,
    selfCheck: settings.selfCheck.enabled
      ? {
          kind: 'check',
          options: {
            instanceId,
            userAgent: settings.userAgent,
            timeoutMs: settings.selfCheck.timeoutMs,
            tries: settings.selfCheck.tries,
            intervalMs: settings.selfCheck.intervalMs,
            ...(settings.selfCheck.address === undefined ? {} : { address: settings.selfCheck.address }),
          },
        }
      : { kind: 'wait', delayMs: settings.selfCheck.delayMs },
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
  });
  const issuer = new CertificateIssuer({
    accounts,
    solvers,
    ari: settings.ari,
    keySpec: settings.keySpec,
    log,
    ...(settings.profile === undefined ? {} : { profile: settings.profile }),
    ...(settings.preferredChain === undefined ? {} : { preferredChain: settings.preferredChain }),
    ...(settings.pollIntervalMs === undefined ? {} : { pollIntervalMs: settings.pollIntervalMs }),
  });

  const queue = new WorkQueue({ clock: systemClock });
  const ingressInformer: Informer<IngressObject> = new Informer<IngressObject>({
    name: 'ingresses',
    source: kubeListWatcher<IngressObject>(client, {
      resource: INGRESSES,
      namespace: settings.watchNamespace,
    }),
    onChange: (key, current, previous) => {
      desired.invalidate();
      kubeLog.debug(
        `${current === undefined ? 'DELETE' : previous === undefined ? 'CREATE' : 'UPDATE'} ingress/${key}`,
      );
      // Before the first sync, the full pass after it covers every key once.
      if (!informersSynced) return;
      for (const secretKey of new Set([...tlsKeys(previous), ...tlsKeys(current)])) queue.add(secretKey);
    },
    onError: (err, retryInMs) => {
      kubeLog.warn(`watching ingresses failed, retrying in ${retryInMs} ms: ${String(err)}`);
    },
  });
  const secretInformer = new Informer<SecretObject>({
    name: 'secrets',
    source: kubeListWatcher<SecretObject>(client, {
      resource: SECRETS,
      namespace: settings.watchNamespace,
      labelSelector: MANAGED_SELECTOR,
    }),
    onChange: (key) => {
      if (informersSynced) queue.add(key);
    },
    onError: (err, retryInMs) => {
      kubeLog.warn(`watching managed secrets failed, retrying in ${retryInMs} ms: ${String(err)}`);
    },
  });
  const desired = new DesiredCache(settings.policy, () => ingressInformer.list().map(ingressView));
  const secrets = new SecretStore({ objects, managed: secretInformer });
  const reconciler = new Reconciler({
    desired,
    secrets,
    access: new AccessReview(client),
    issuer,
    events: new EventRecorder(objects),
    queue,
    orders: new Semaphore(settings.maxConcurrentOrders),
    ...(settings.ari ? { ari: new RenewalInfoSource(accounts) } : {}),
    settings: {
      policy: settings.policy,
      issuanceTimeoutMs: settings.issuanceTimeoutMs,
      ...(settings.ariPollIntervalMs === undefined ? {} : { ariPollIntervalMs: settings.ariPollIntervalMs }),
    },
    log,
    shutdown: shutdown.signal,
  });

  kubeLog.debug('start watching ingress objects');
  ingressInformer.start();
  secretInformer.start();
  const enqueueAll = (): void => {
    for (const key of desired.current().index.byKey.keys()) queue.add(key);
  };
  const synced = Promise.all([ingressInformer.waitForSync(), secretInformer.waitForSync()]).then(async () => {
    if (shutdown.signal.aborted) return;
    informersSynced = true;
    try {
      await nginx.removeLeftovers();
    } catch (err) {
      log.with({ context: 'provider', provider: 'nginx' }).error(String(err));
    }
    enqueueAll();
  });
  const ticker = setInterval(() => {
    kubeLog.info(`Periodically check certificates at ${new Date().toISOString()}`);
    enqueueAll();
  }, settings.checkIntervalMs);

  const workers = runWorkers({
    queue,
    count: 4,
    reconcile: (key) => reconciler.reconcile(key),
    onError: (key, err) => {
      kubeLog.error(`worker: error processing item, requeuing after rate limit: ${key}: ${String(err)}`);
    },
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      kubeLog.info('shutting things down');
      clearInterval(ticker);
      shutdown.abort();
      await queue.shutDownWithDrain();
      await workers;
      await Promise.allSettled(reconciler.inFlight());
      await synced.catch(() => undefined);
      await Promise.all([ingressInformer.stop(), secretInformer.stop()]);
      await accounts.close();
      acmeLog.info(`stopping server listening on http://:${server.port}/`);
      await server.close();
      client.close();
      kubeLog.info('exiting');
    })();
    return stopping;
  };
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  return {
    port: server.port,
    ready: () => informersSynced,
    stop: () => stop().finally(resolveStopped),
    stopped,
  };
}
