/**
 * The local environment behind `kube-lego-dev sandbox` and `kube-lego-dev demo`: the Kubernetes API sandbox,
 * Pebble + pebble-challtestsrv, Knot DNS (the server Pebble's VA resolves through and kube-lego updates for
 * dns-01), and the controller running in this process against them.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLevel } from '../../src/log/log-entry.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger, type LogSink } from '../../src/log/logger.js';
import { Redactor } from '../../src/log/redactor.js';
import { controllerSettings } from '../../src/app/main.js';
import { startControllerRuntime, type RunningController } from '../../src/app/lifecycle.js';
import { startSandbox, type PolicyRule, type Sandbox } from '../sandbox/sandbox.js';
import { DATA_PLANE_CONTROLLER_NAME, startDataPlane, type DataPlane } from './data-plane.js';
import { startChasingResolver, type ChasingResolver } from './chasing-resolver.js';
import { VERSION } from '../../src/version.js';
import { ensurePebbleInstalled, startPebble, type PebbleRig } from './pebble.js';
import {
  defaultTestZones,
  ensureDnsServerInstalled,
  startDnsServer,
  type DnsServerRig,
  type DnsZoneSpec,
} from './dns-server.js';
import { KubeLegoError, type Reaction } from '../../src/domain/kube-lego-error.js';

/** The seed's account e-mail (ConfigMap `kube-lego`, key `lego.email`) in the sandbox. */
export const SANDBOX_EMAIL = 'admin@example.test';
/** The namespace and ConfigMap the seed creates before deploying kube-lego. */
export const SANDBOX_NAMESPACE = 'kube-lego';
/** The GatewayClass the data plane implements, created as an implementation's install does (with `gatewayApi`). */
export const SANDBOX_GATEWAY_CLASS = 'sandbox';

/**
 * Top-level zones whose every name answers 127.0.0.1 (besides the test zones of dns-server.ts), so an Ingress
 * for any name under them is issued over http-01, and over dns-01 through the zone kube-lego updates.
 */
const CATCH_ALL_ZONES: readonly DnsZoneSpec[] = ['test', 'com', 'net', 'org', 'io', 'dev', 'app'].map(
  (name) => ({
    name,
    records: [
      '@ SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60',
      '@ NS ns1.example.test.',
      '* A 127.0.0.1',
    ],
  }),
);

/** Typed failure to bring the environment up; `cause` keeps the original error. */
export class DevEnvironmentError extends KubeLegoError {
  override readonly name = 'DevEnvironmentError';
  readonly code = 'devEnvironmentFailed';
  /** A development-environment failure: nothing to retry, the message says what to fix. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

export interface DevEnvironmentOptions {
  /** Where to write the administrator kubeconfig of the sandbox. */
  readonly kubeconfigPath: string;
  /** Where to write Pebble's root certificate (what issued certificates chain to), if anywhere. */
  readonly caOutPath?: string;
  /** Where the controller's log lines go. */
  readonly logSink: LogSink;
  readonly logLevel?: LogLevel;
  /** Record every API request in `sandbox.audit` (off by default: a long-lived sandbox would grow). */
  readonly auditLog?: boolean;
  /**
   * Run the controller as its own sandbox user (the administrator by default): requests in the audit log
   * carry this name, and `rules` (when given) are enforced like RBAC.
   */
  readonly controllerIdentity?: ControllerIdentity;
  /** Variables added to the controller's environment (the Deployment's, such as LEGO_LEADER_ELECT). */
  readonly controllerEnvironment?: Readonly<Record<string, string>>;
  /** Told about each start-up step, for progress output. */
  readonly onProgress?: (message: string) => void;
  /** LEGO_METRICS_PORT of the controller. @default 0 (no metrics listener) */
  readonly metricsPort?: number;
  /**
   * How long the data-plane stand-in (an ingress controller's TLS listener) takes to serve a changed Secret,
   * imitating a slow load balancer; `'never'`: it keeps serving what it loaded first. @default 2000
   */
  readonly dataPlaneReloadDelayMs?: number | 'never';
  /** Serve the Gateway API kinds in the sandbox (false: a cluster without them). @default true */
  readonly gatewayApi?: boolean;
}

/** The sandbox user the controller runs as, and where its kubeconfig goes. */
export interface ControllerIdentity {
  readonly user: string;
  readonly rules?: readonly PolicyRule[];
  readonly kubeconfigPath: string;
}

/** A running environment; `stop()` ends the controller and every process and server it started. */
export interface DevEnvironment {
  readonly kubeconfigPath: string;
  readonly sandbox: Sandbox;
  readonly pebble: PebbleRig;
  /** The DNS server Pebble resolves through and the controller updates (dns-01). */
  readonly dns: DnsServerRig;
  /** Pebble's root certificate (PEM) that issued certificates chain to. */
  readonly rootPem: string;
  /** PIDs of the child processes (Pebble, challtestsrv, knotd). */
  readonly pids: readonly number[];
  /** Resolves when the controller has stopped (after `stop()` or on its own). */
  readonly controllerStopped: Promise<void>;
  /** Idempotent. */
  stop(): Promise<void>;
}

async function createObject(sandbox: Sandbox, path: string, body: object): Promise<void> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sandbox.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new DevEnvironmentError(
      `Cannot create ${path} in the API sandbox: HTTP ${response.status} ${text}`,
    );
  }
}

/** The seed's set-up: Namespace `kube-lego` and ConfigMap `kube-lego` with `lego.email` and `lego.url`. */
async function createSeedSetup(sandbox: Sandbox, directoryUrl: string): Promise<void> {
  await createObject(sandbox, '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: SANDBOX_NAMESPACE },
  });
  await createObject(sandbox, `/api/v1/namespaces/${SANDBOX_NAMESPACE}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-lego', namespace: SANDBOX_NAMESPACE },
    data: { 'lego.email': SANDBOX_EMAIL, 'lego.url': directoryUrl },
  });
}

function sandboxUsers(
  identity: ControllerIdentity | undefined,
): Record<string, { name: string; rules?: PolicyRule[] }> {
  if (identity === undefined) return {};
  const token = randomBytes(24).toString('hex');
  return {
    [token]: { name: identity.user, ...(identity.rules === undefined ? {} : { rules: [...identity.rules] }) },
  };
}

async function writeFileCreatingDir(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

function startController(
  options: DevEnvironmentOptions,
  rig: { readonly pebble: PebbleRig; readonly dns: DnsServerRig; readonly dataPlane: DataPlane },
): Promise<RunningController> {
  const { pebble, dns, dataPlane } = rig;
  // The same variables the Deployment sets from the ConfigMap and the downward API.
  const result = loadConfig({
    LEGO_EMAIL: SANDBOX_EMAIL,
    LEGO_URL: pebble.directoryUrl,
    LEGO_NAMESPACE: SANDBOX_NAMESPACE,
    LEGO_POD_IP: '127.0.0.1',
    LEGO_PORT: String(pebble.httpPort),
    LEGO_METRICS_PORT: String(options.metricsPort ?? 0),
    KUBECONFIG: options.controllerIdentity?.kubeconfigPath ?? options.kubeconfigPath,
    LEGO_ACME_CA_FILE: pebble.caFile,
    LEGO_KEY_TYPE: 'ecdsa-p256',
    LEGO_LOG_LEVEL: options.logLevel ?? 'info',
    LEGO_SELF_CHECK_TIMEOUT: '2s',
    LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL: '1s',
    // The served-certificate check handshakes with the data-plane stand-in, which publishes 127.0.0.1.
    LEGO_SERVED_CHECK_PORT: String(dataPlane.port),
    LEGO_SERVED_CHECK_INTERVAL: '1s',
    // dns-01 (wildcards, `kube-lego/challenge: dns-01`) against the sandbox's DNS server.
    LEGO_DNS01_RFC2136_NAMESERVER: dns.address,
    LEGO_DNS01_RFC2136_TSIG_KEY_NAME: dns.keys.sha256.name,
    LEGO_DNS01_RFC2136_TSIG_SECRET: dns.keys.sha256.secretBase64,
    LEGO_DNS01_PROPAGATION_TIMEOUT: '20s',
    ...options.controllerEnvironment,
  });
  if (!result.ok) {
    const problems = result.problems.map((problem) => problem.message).join('; ');
    throw new DevEnvironmentError(`Cannot configure the sandbox controller: ${problems}`);
  }
  const logger = createLogger({
    level: result.config.log.level,
    format: 'text',
    sink: options.logSink,
    redactor: new Redactor(),
  });
  const prepared = controllerSettings(result.config);
  if (!prepared.ok) {
    const problems = prepared.problems.map((problem) => problem.message).join('; ');
    throw new DevEnvironmentError(`Cannot configure the sandbox controller: ${problems}`);
  }
  const settings = prepared.settings;
  logger.info(`kube-lego ${VERSION} starting`, { context: 'kubelego' });
  // The names resolve to 127.0.0.1 for Pebble (the sandbox's DNS server) but not for this machine's resolver: the
  // self-check dials the challenge port directly, with the host name in the Host header.
  return startControllerRuntime(
    {
      ...settings,
      selfCheck: { ...settings.selfCheck, address: { host: '127.0.0.1', port: pebble.httpPort } },
    },
    logger,
  );
}

const readyTimeoutMs = 30_000;

/** Waits until the controller's informers have synced (its /healthz answers 200 from then on). */
async function waitUntilReady(controller: RunningController): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  while (!controller.ready()) {
    if (Date.now() > deadline) {
      throw new DevEnvironmentError(
        `The controller did not sync its Ingress and Secret caches within ${readyTimeoutMs} ms: see its log above`,
      );
    }
    await sleep(50);
  }
}

/**
 * Starts the API sandbox, Pebble + challtestsrv (installing them first if missing) and the controller, and
 * pre-creates the seed's Namespace and ConfigMap. On failure everything already started is stopped.
 */
export async function startDevEnvironment(options: DevEnvironmentOptions): Promise<DevEnvironment> {
  const progress = options.onProgress ?? (() => undefined);
  await ensurePebbleInstalled(progress);
  await ensureDnsServerInstalled(progress);
  let sandbox: Sandbox | undefined;
  let pebble: PebbleRig | undefined;
  let dns: DnsServerRig | undefined;
  let resolver: ChasingResolver | undefined;
  let controller: RunningController | undefined;
  let dataPlane: DataPlane | undefined;
  const stopAll = async (): Promise<void> => {
    await controller?.stop();
    await pebble?.stop();
    await Promise.all([resolver?.close(), dns?.stop(), dataPlane?.close(), sandbox?.close()]);
  };
  try {
    progress('starting the Kubernetes API sandbox, Knot DNS and Pebble');
    // Settled both ways before going on: what started is stopped by stopAll() when the other failed.
    const [sandboxStart, dnsStart] = await Promise.allSettled([
      startSandbox({
        auditLog: options.auditLog ?? false,
        users: sandboxUsers(options.controllerIdentity),
        gatewayApi: options.gatewayApi ?? true,
      }),
      startDnsServer({ zones: [...defaultTestZones, ...CATCH_ALL_ZONES] }),
    ]);
    if (sandboxStart.status === 'fulfilled') sandbox = sandboxStart.value;
    if (dnsStart.status === 'fulfilled') dns = dnsStart.value;
    if (sandboxStart.status === 'rejected') throw sandboxStart.reason;
    if (dnsStart.status === 'rejected') throw dnsStart.reason;
    [sandbox, dns] = [sandboxStart.value, dnsStart.value];
    // Pebble resolves like the CA's recursive resolver: CNAME delegations between the zones are followed.
    resolver = await startChasingResolver({ host: dns.host, port: dns.port }, { defaultIpv4: '127.0.0.1' });
    pebble = await startPebble({ nonceRejectPercent: 0, dnsServer: resolver.address });
    await mkdir(dirname(options.kubeconfigPath), { recursive: true });
    await sandbox.writeKubeconfig(options.kubeconfigPath);
    const identity = options.controllerIdentity;
    if (identity !== undefined) {
      await mkdir(dirname(identity.kubeconfigPath), { recursive: true });
      await sandbox.writeKubeconfig(identity.kubeconfigPath, { user: identity.user });
    }
    const rootPem = await pebble.rootPem();
    if (options.caOutPath !== undefined) await writeFileCreatingDir(options.caOutPath, rootPem);
    await createSeedSetup(sandbox, pebble.directoryUrl);
    if (options.gatewayApi ?? true) {
      await createObject(sandbox, '/apis/gateway.networking.k8s.io/v1/gatewayclasses', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayClass',
        metadata: { name: SANDBOX_GATEWAY_CLASS },
        spec: { controllerName: DATA_PLANE_CONTROLLER_NAME },
      });
    }
    dataPlane = await startDataPlane({ sandbox, reloadDelayMs: options.dataPlaneReloadDelayMs ?? 2_000 });
    progress('starting the controller');
    controller = await startController(options, { pebble, dns, dataPlane });
    const running = controller;
    await waitUntilReady(running);
    let stopping: Promise<void> | undefined;
    const started = { sandbox, pebble, dns, resolver, dataPlane };
    return {
      kubeconfigPath: options.kubeconfigPath,
      sandbox: started.sandbox,
      pebble: started.pebble,
      dns: started.dns,
      rootPem,
      pids: [...pebble.pids, dns.pid],
      controllerStopped: running.stopped,
      stop: () => {
        stopping ??= (async () => {
          await running.stop();
          await started.pebble.stop();
          await Promise.all([
            started.resolver.close(),
            started.dns.stop(),
            started.dataPlane.close(),
            started.sandbox.close(),
          ]);
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    if (error instanceof DevEnvironmentError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new DevEnvironmentError(`Cannot start the sandbox: ${message}`, { cause: error });
  }
}
