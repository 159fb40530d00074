import { startChallengeServer } from '../http/challenge-server.js';
import { startMetricsServer, type RunningMetricsServer } from '../http/metrics-server.js';
import { PrometheusMetrics } from '../adapters/metrics/prometheus-metrics.js';
import type { AccountService } from '../adapters/acme/account-service.js';
import type { Log } from '../ports/log.js';
import type { KeySpec } from '../x509/private-key.js';
import { runWorkers } from '../runtime/worker-pool.js';
import { buildController, connectKube } from './build.js';
import {
  discoverGatewayApi,
  listableGatewayApi,
  type GatewayApiResources,
} from '../adapters/kube/gateway-api-discovery.js';
import type { KubeClient } from '../adapters/kube/kube-client.js';
import { GATEWAY_GROUP } from '../domain/gateway-types.js';
import type { ControllerSettings } from './controller-settings.js';
import type { DesiredCache } from '../reconcile/desired-index.js';
import { describeProfile } from '../domain/profile-choice.js';

/** How long the first reconciles wait for the ACME directory's profiles before going on without them. */
const DIRECTORY_WAIT_MS = 5_000;

function keyText(spec: KeySpec): string {
  return spec.type === 'rsa' ? `RSA ${spec.bits}` : `ECDSA ${spec.curve}`;
}

/**
 * Says which CA and account kube-lego uses, then fetches the directory once in the background: an unreachable
 * or non-ACME `LEGO_URL` shows at start, not only when the first certificate is due. Nothing is registered
 * and no backoff is recorded; the account is set up when the first order needs it, as in kube-lego. The
 * directory's `meta.profiles` become the names a `kube-lego/profile` annotation is checked against. Settles
 * (never rejects) once the directory answered or failed.
 */
function reportAcmeSettings(
  settings: ControllerSettings,
  graph: { readonly accounts: AccountService; readonly desired: DesiredCache },
  acmeLog: Log,
): Promise<void> {
  const profile = describeProfile(settings.profile);
  acmeLog.info(
    `using ACME directory ${settings.directoryUrl} with account e-mail ${settings.email}, ${keyText(settings.keySpec)} certificate keys and ${profile}`,
  );
  return graph.accounts.probeDirectory().then(
    (directory) => {
      graph.desired.offerProfiles({
        directoryUrl: settings.directoryUrl,
        names: Object.keys(directory.meta.profiles),
      });
    },
    (err: unknown) => {
      acmeLog.error(
        `Cannot use the ACME directory ${settings.directoryUrl} (LEGO_URL): ${err instanceof Error ? err.message : String(err)}; check LEGO_URL (and LEGO_ACME_CA_FILE for a CA with a private root), kube-lego tries again when a certificate is due`,
      );
    },
  );
}

/**
 * The Gateway API kinds the cluster serves, told in one log line: without them (or when discovery fails)
 * kube-lego watches Ingresses only, and does not ask again until it restarts.
 */
async function gatewayApiOf(client: KubeClient, log: Log): Promise<GatewayApiResources> {
  let found: GatewayApiResources;
  try {
    found = await discoverGatewayApi(client);
  } catch (err) {
    log.warn(`cannot discover the Gateway API kinds, watching ingresses only: ${String(err)}`);
    return {};
  }
  if (found.gateways === undefined) {
    log.info(`the cluster serves no Gateway API gateways (${GATEWAY_GROUP}), watching ingresses only`);
    return {};
  }
  let listable: Awaited<ReturnType<typeof listableGatewayApi>>;
  try {
    listable = await listableGatewayApi(client, found);
  } catch (err) {
    log.warn(`cannot list the Gateway API kinds, watching ingresses only: ${String(err)}`);
    return {};
  }
  if (listable.forbidden.length > 0) {
    log.warn(
      `kube-lego may not list ${listable.forbidden.join(', ')}: grant list and watch in its ClusterRole (deploy/base/rbac.yaml); ${listable.resources.gateways === undefined ? 'watching ingresses only' : 'watching the others'}`,
    );
  }
  if (listable.resources.gateways === undefined) return {};
  found = listable.resources;
  const kinds = [found.gateways, found.listenerSets, found.referenceGrants, found.httpRoutes]
    .filter((kind) => kind !== undefined)
    .map((kind) => `${kind.kind} ${kind.apiVersion}`);
  log.info(`watching gateways too: the cluster serves ${kinds.join(', ')}`);
  return found;
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

/**
 * The start and stop order: connect, build, HTTP server, informers, then (after the first sync) the
 * nginx clean-up and one full pass; the periodic check and the workers. Stopping runs it backwards:
 * no new work, in-flight orders reach a safe point, the watches end, then the server and the client
 * close. Resolves once everything is started (the informers sync in the background; `/readyz` reports it).
 */
export async function startControllerRuntime(
  settings: ControllerSettings,
  log: Log,
): Promise<RunningController> {
  const kubeLog = log.with({ context: 'kubelego' });
  const acmeLog = log.with({ context: 'acme' });
  const metrics =
    settings.metricsPort === 0 ? undefined : new PrometheusMetrics({ version: settings.version });
  const client = await connectKube(settings, log, metrics);
  const gatewayApi = await gatewayApiOf(client, kubeLog);
  let informersSynced = false;
  const graph = buildController({
    settings,
    client,
    synced: () => informersSynced,
    log,
    gatewayApi,
    ...(metrics === undefined ? {} : { metrics }),
  });
  const gatewayInformers = graph.gatewayWatches?.informers ?? [];
  const { queue, watches, desired, reconciler, shutdown, elector } = graph;
  // Without leader election this replica always leads.
  const leading = (): boolean => elector?.isLeader() ?? true;

  const server = await startChallengeServer({
    store: graph.tokens,
    instanceId: graph.instanceId,
    version: settings.version,
    port: settings.port,
    isReady: () => informersSynced,
    ...(elector === undefined ? {} : { readyDetail: () => `leader=${String(elector.isLeader())}` }),
    onRequest: (event) => {
      if (event.kind === 'served')
        acmeLog.debug('responding to challenge request', { host: event.host, token: event.token });
      else if (event.kind === 'token-not-found')
        acmeLog.debug('token not found', { host: event.host ?? '', token: event.token });
    },
  });
  acmeLog.info(`server listening on http://:${server.port}/`);
  let metricsServer: RunningMetricsServer | undefined;
  if (metrics !== undefined) {
    try {
      metricsServer = await startMetricsServer({
        port: settings.metricsPort,
        source: metrics,
        onError: (err) => {
          kubeLog.warn(`cannot collect metrics: ${String(err)}`);
        },
      });
    } catch (err) {
      await server.close();
      client.close();
      throw err;
    }
    kubeLog.info(`metrics listening on http://:${metricsServer.port}/metrics`);
  }
  // The first reconciles wait for the directory (at most DIRECTORY_WAIT_MS): a kube-lego/profile the CA does
  // not offer is then refused before anything, even a temporary certificate, is written for it.
  // A directory read after that wait changes the desired state under certificates already decided without
  // it (one with an unknown profile may be in backoff from the CA's refusal): each is looked at again.
  let directoryWaitOver = false;
  const directoryRead = Promise.race([
    reportAcmeSettings(settings, graph, acmeLog).then(() => {
      if (!directoryWaitOver || !informersSynced || shutdown.signal.aborted) return;
      for (const key of graph.desired.peek().byKey.keys()) queue.add(key);
    }),
    new Promise<void>((resolve) =>
      setTimeout(() => {
        directoryWaitOver = true;
        resolve();
      }, DIRECTORY_WAIT_MS).unref(),
    ),
  ]);

  kubeLog.debug('start watching ingress objects');
  watches.ingresses.start();
  watches.secrets.start();
  for (const informer of gatewayInformers) informer.start();
  // kube-lego's periodic pass over every certificate, logged as it was; the first one follows the sync.
  const checkAll = (): void => {
    if (!leading()) return;
    kubeLog.info('process certificate requests for ingresses');
    reconciler.startCheck();
    // peek(), not current(): the reconciler reports the problems of each new desired state the first time
    // it sees it, and a pass that took that first look silenced them (an invalid annotation present at
    // start got no Event).
    for (const key of desired.peek().byKey.keys()) queue.add(key);
  };
  // The leader's first pass: the nginx and Gateway clean-up (challenge routing is the leader's), then every
  // certificate.
  const lead = async (): Promise<void> => {
    if (!leading()) return;
    await graph.challenges?.adoptLeftovers().catch((err: unknown) => {
      acmeLog.warn(`cannot clear the challenge secret: ${String(err)}`);
    });
    await graph.dns01?.removeLeftovers().catch((err: unknown) => {
      acmeLog.warn(`cannot remove the dns-01 records an earlier run left: ${String(err)}`);
    });
    try {
      await graph.nginx.removeLeftovers();
    } catch (err) {
      log.with({ context: 'provider', provider: 'nginx' }).error(String(err));
    }
    try {
      await graph.gatewayRouting?.removeLeftovers();
    } catch (err) {
      log.with({ context: 'provider', provider: 'gateway' }).error(String(err));
    }
    checkAll();
  };
  graph.challenges?.start();
  const synced = Promise.all([
    watches.ingresses.waitForSync(),
    watches.secrets.waitForSync(),
    ...gatewayInformers.map((informer) => informer.waitForSync()),
    graph.challenges?.waitForSync(),
  ]).then(async () => {
    if (shutdown.signal.aborted) return;
    informersSynced = true;
    await lead();
  });
  const election = new AbortController();
  elector?.onChange((leader) => {
    kubeLog.info(leader ? 'started leading' : 'stopped leading');
    if (leader && informersSynced && !shutdown.signal.aborted) void lead();
  });
  const electing = elector?.run(election.signal) ?? Promise.resolve();
  const ticker = setInterval(() => {
    kubeLog.info(`Periodically check certificates at ${new Date().toISOString()}`);
    checkAll();
  }, settings.checkIntervalMs);

  const workers = runWorkers({
    queue,
    count: 4,
    // A follower drops keys: the pass that starts its leadership enqueues every key again.
    reconcile: async (key) => {
      await directoryRead;
      if (leading()) await reconciler.reconcile(key);
    },
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
      await graph.servedCheck?.idle();
      // Released only once this replica's orders have stopped, so the next leader never overlaps them.
      election.abort();
      await electing;
      await synced.catch(() => undefined);
      await Promise.all([
        watches.ingresses.stop(),
        watches.secrets.stop(),
        ...gatewayInformers.map((informer) => informer.stop()),
        graph.challenges?.stop(),
      ]);
      await graph.accounts.close();
      acmeLog.info(`stopping server listening on http://:${server.port}/`);
      await server.close();
      await metricsServer?.close();
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
