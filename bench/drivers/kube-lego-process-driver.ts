import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject } from '../../dev/sandbox/json.js';
import { startSandbox, type AuditEntry, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { VERSION } from '../../src/version.js';
import { freeLoopbackPort } from '../../test/support/free-port.js';
import { startManagedProcess, type ManagedProcess } from '../../test/support/managed-process.js';
import { eventLoopProbeMarker, parseEventLoopLine, type EventLoopDelay } from '../event-loop-probe.js';
import type {
  ControllerIssueOutcome,
  ControllerStartRequest,
  ControllerTrace,
  IngressCertificate,
  ApiRequestCounts,
  KubeLegoDriver,
  RecheckOutcome,
  RunningController,
  SteadyFirstPass,
  SteadyStateRequest,
  SteadyStateRun,
  StoredCertificate,
  TracedApiRequest,
} from '../kube-lego-driver.js';
import { describeError } from '../peer.js';
import { createSteadyFixture } from './steady-state-fixture.js';
import { imageNodeOptions } from '../image-node-options.js';
import {
  createMemoryCgroup,
  deploymentMemoryLimit,
  podMemoryLimitFor,
  type MemoryCgroup,
} from '../memory-cgroup.js';
import { processUsage } from '../process-usage.js';
import { trackChild } from '../timed-command.js';
import { projectRoot } from '../tool-paths.js';

const controllerNamespace = 'kube-lego';
const readyTimeoutMs = 60_000;
const storePollMs = 10;

let cgroups = 0;

function ownDeploymentLimit(): number {
  return deploymentMemoryLimit(
    readFileSync(join(projectRoot(), 'deploy', 'base', 'deployment.yaml'), 'utf8'),
  );
}

/**
 * The controller runs under the memory limit a pod of its Deployment would have for `ingressCount`
 * Ingresses (the Deployment's own limit, larger for larger clusters as docs/benchmarks.md sizes them), so
 * V8 sizes its heap as in that pod. Where this machine cannot make a memory cgroup it runs unconstrained,
 * and the report says so.
 */
function podMemory(ingressCount: number): { cgroup?: MemoryCgroup; describe: string } {
  const limit = podMemoryLimitFor(ingressCount, ownDeploymentLimit());
  cgroups += 1;
  const made = createMemoryCgroup(`kube-lego-bench-${process.pid}-${cgroups}`, limit);
  return made.ok
    ? { cgroup: made.cgroup, describe: `${limit / 1024 / 1024} Mi (a memory cgroup, as the pod's limit)` }
    : { describe: `unconstrained (${made.reason})` };
}

/** The built CLI and the composition root it needs; without `dist/src/app/main.js` there is no controller to run. */
export function controllerEntry(): { cli: string; available: boolean } {
  const root = projectRoot();
  const cli = join(root, 'dist', 'src', 'cli', 'main.js');
  return { cli, available: existsSync(cli) && existsSync(join(root, 'dist', 'src', 'app', 'main.js')) };
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 32 });

/** One request to the API sandbox as its administrator (keep-alive); resolves to the HTTP status. */
export async function sandboxApi(
  sandbox: Sandbox,
  method: string,
  path: string,
  body: unknown,
): Promise<number> {
  const url = new URL(path, sandbox.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method,
        agent: keepAlive,
        headers: {
          authorization: `Bearer ${sandbox.adminToken}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

function ingressManifest(ingress: IngressCertificate): JsonObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: ingress.ingressName,
      namespace: ingress.namespace,
      annotations: { 'kubernetes.io/tls-acme': 'true', 'kubernetes.io/ingress.class': 'nginx' },
    },
    spec: {
      tls: [{ hosts: [...ingress.hosts], secretName: ingress.secretName }],
      rules: ingress.hosts.map((host) => ({
        host,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
          ],
        },
      })),
    },
  };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * The CA's certificate and key stored for `ingress`, once its Secret holds one covering the hosts. `seen` keeps the resourceVersion
 * last looked at per Secret: an unchanged Secret is not parsed again, so the benchmark's own polling (every
 * 10 ms, sharing the machine with the controller) does not parse 100 temporary certificates per tick.
 */
function storedCertificate(
  sandbox: Sandbox,
  ingress: IngressCertificate,
  seen: Map<string, unknown>,
): StoredCertificate | undefined {
  const secret = sandbox.store.get('secrets', ingress.namespace, ingress.secretName);
  const id = `${ingress.namespace}/${ingress.secretName}`;
  const version = field(field(secret, 'metadata'), 'resourceVersion');
  if (version === undefined || seen.get(id) === version) return undefined;
  seen.set(id, version);
  const data = field(secret, 'data');
  const crt = field(data, 'tls.crt');
  const key = field(data, 'tls.key');
  if (typeof crt !== 'string' || typeof key !== 'string' || crt === '' || key === '') return undefined;
  const certificatePem = Buffer.from(crt, 'base64').toString('utf8');
  try {
    const leaf = new X509Certificate(certificatePem);
    if (!ingress.hosts.every((host) => leaf.checkHost(host, { wildcards: false }) === host)) return undefined;
    // The temporary self-signed certificate held until the CA's arrives does not count.
    if (leaf.issuer === leaf.subject) return undefined;
  } catch {
    return undefined;
  }
  return {
    namespace: ingress.namespace,
    secretName: ingress.secretName,
    certificatePem,
    keyPem: Buffer.from(key, 'base64').toString('utf8'),
  };
}

async function waitReady(controller: ManagedProcess, port: number): Promise<void> {
  const deadline = performance.now() + readyTimeoutMs;
  while (performance.now() < deadline) {
    const status = controller.exitStatus();
    if (status !== undefined) {
      throw new Error(`kube-lego exited (${status}) before it was ready: ${controller.output().slice(-600)}`);
    }
    const ready = await new Promise<boolean>((resolve) => {
      const probe = httpRequest({ host: '127.0.0.1', port, path: '/readyz', timeout: 1_000 }, (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      });
      probe.on('error', () => {
        resolve(false);
      });
      probe.on('timeout', () => {
        probe.destroy();
      });
      probe.end();
    });
    if (ready) return;
    await sleep(100);
  }
  throw new Error(`kube-lego was not ready on :${port}/readyz within ${readyTimeoutMs} ms`);
}

const controllerUser = 'kube-lego';
const controllerToken = 'kube-lego-benchmark-token';
const writeVerbs = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function requestCounts(entries: readonly AuditEntry[]): ApiRequestCounts {
  return {
    total: entries.length,
    lists: entries.filter((entry) => entry.verb === 'list' && !/(^|&)continue=[^&]/.test(entry.query)).length,
    listPages: entries.filter((entry) => entry.verb === 'list').length,
    watches: entries.filter((entry) => entry.verb === 'watch').length,
    gets: entries.filter((entry) => entry.verb === 'get').length,
    writes: entries.filter((entry) => writeVerbs.has(entry.verb)).length,
  };
}

/**
 * Creates the Secrets (as kube-lego writes them) and their Ingresses through the sandbox's own create (a
 * POST's checks and metadata without HTTP): the fixture, not what is measured, so it must not take minutes
 * at 100,000. The controller starts afterwards and sees them only through its list and watch.
 */
function seedCluster(sandbox: Sandbox, request: SteadyStateRequest): void {
  const fixture = createSteadyFixture(request.ingressCount, Date.now());
  const keyData = Buffer.from(fixture.keyPem).toString('base64');
  for (const certificate of fixture.certificates) {
    const name = certificate.host.split('.')[0] ?? certificate.host;
    sandbox.create('secrets', 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name: `${name}-tls`,
        namespace: 'default',
        labels: { 'kube-lego/managed': 'true' },
        annotations: {
          'kube-lego/hosts': certificate.host,
          'kube-lego/directory-url': request.target.directoryUrl,
          'kube-lego/not-after': formatTime(certificate.notAfterMs),
          'kube-lego/renew-at': formatTime(certificate.renewAtMs),
          'kube-lego/ingress': `default/${name}`,
        },
      },
      data: { 'tls.crt': Buffer.from(certificate.certificatePem).toString('base64'), 'tls.key': keyData },
    });
    sandbox.create(
      'ingresses.networking.k8s.io',
      'default',
      ingressManifest({
        namespace: 'default',
        ingressName: name,
        secretName: `${name}-tls`,
        hosts: [certificate.host],
      }),
    );
  }
}

/** Follows the controller's JSON log: the Secrets checked in the first pass and in the periodic re-check. */
class CheckLog {
  private readonly firstPass = new Set<string>();
  private recheck: Set<string> | undefined;
  private tail = '';
  readonly problems = new Map<string, number>();
  /** `performance.now()` of the "Periodically check certificates" line. */
  tickAtMs: number | undefined;
  private waiter: { phase: 'first' | 'recheck'; resolve: (done: boolean) => void } | undefined;

  constructor(private readonly count: number) {}

  get checkedFirst(): number {
    return this.firstPass.size;
  }

  get lastLines(): string {
    return this.tail;
  }

  onLine(line: string): void {
    this.tail = `${this.tail}\n${line}`.slice(-2000);
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    const msg = field(entry, 'msg');
    if (typeof msg !== 'string') return;
    const level = field(entry, 'level');
    if (level === 'warning' || level === 'error') {
      const text = `${level}: ${msg.slice(0, 160)}`;
      this.problems.set(text, (this.problems.get(text) ?? 0) + 1);
    }
    if (msg.startsWith('Periodically check certificates') && this.recheck === undefined) {
      this.tickAtMs = performance.now();
      this.recheck = new Set();
    }
    if (!msg.endsWith('no renewal needed')) return;
    const key = `${String(field(entry, 'namespace'))}/${String(field(entry, 'name'))}`;
    (this.recheck ?? this.firstPass).add(key);
    this.settle();
  }

  /** Resolves true once every Secret was checked in `phase`, false when `end()` comes first. */
  wait(phase: 'first' | 'recheck'): Promise<boolean> {
    return new Promise((resolve) => {
      this.waiter = { phase, resolve };
      this.settle();
    });
  }

  end(): void {
    this.waiter?.resolve(false);
    this.waiter = undefined;
  }

  private settle(): void {
    const set = this.waiter?.phase === 'first' ? this.firstPass : this.recheck;
    if (this.waiter !== undefined && (set?.size ?? 0) >= this.count) {
      this.waiter.resolve(true);
      this.waiter = undefined;
    }
  }
}

/**
 * Case 3: `ingressCount` annotated Ingresses whose managed Secrets already hold valid certificates (kube-lego's
 * label and annotations, as it writes them), then the controller is started and timed until it has logged its
 * "no renewal needed" decision for every one; it keeps running for `recheck()`, the periodic re-check at
 * `LEGO_CHECK_INTERVAL`. Its API requests come from the sandbox audit log (its own user). ARI is off here:
 * the certificates come from a throwaway CA, not from the Pebble the account lives on.
 */
async function steadyState(request: SteadyStateRequest): Promise<SteadyStateRun> {
  const sandbox = await startSandbox({ users: { [controllerToken]: { name: controllerUser } } });
  let stopController: (() => Promise<void>) | undefined;
  const stop = async (): Promise<void> => {
    await stopController?.();
    await sandbox.close();
  };
  try {
    const created = await sandboxApi(sandbox, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: controllerNamespace },
    });
    if (created !== 201) {
      await stop();
      return { ok: false, error: `creating namespace ${controllerNamespace}: HTTP ${created}` };
    }
    const seedStarted = performance.now();
    seedCluster(sandbox, request);
    const seedMs = performance.now() - seedStarted;
    const kubeconfig = join(request.workDir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig, { user: controllerUser });
    const memory = podMemory(request.ingressCount);
    const command = memory.cgroup?.wrap(process.execPath, [controllerEntry().cli]) ?? {
      command: process.execPath,
      args: [controllerEntry().cli],
    };
    const started = performance.now();
    const child = spawn(command.command, command.args, {
      cwd: request.workDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: request.workDir,
        KUBECONFIG: kubeconfig,
        NODE_OPTIONS: imageNodeOptions(),
        LEGO_EMAIL: request.email,
        LEGO_URL: request.target.directoryUrl,
        LEGO_ACME_CA_FILE: request.target.caFile,
        // Its own port: the runs that wait for their re-check are up at the same time, and no challenge is
        // solved in this case.
        LEGO_PORT: String(await freeLoopbackPort()),
        LEGO_METRICS_PORT: '0',
        LEGO_NAMESPACE: controllerNamespace,
        LEGO_SELF_CHECK: 'false',
        LEGO_ARI: 'false',
        LEGO_LOG_TYPE: 'json',
        ...(request.checkInterval === undefined ? {} : { LEGO_CHECK_INTERVAL: request.checkInterval }),
      },
    });
    const pid = child.pid;
    if (pid === undefined) {
      await stop();
      return { ok: false, error: 'kube-lego did not start' };
    }
    const untrack = trackChild(pid);
    const log = new CheckLog(request.ingressCount);
    const exited = new Promise<void>((resolve) =>
      child.once('close', () => {
        log.end();
        resolve();
      }),
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.onLine(line);
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      log.onLine(line);
    });
    stopController = async () => {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
      untrack();
      memory.cgroup?.remove();
    };
    const timeout = setTimeout(() => {
      log.end();
    }, request.timeoutMs);
    const allChecked = await log.wait('first');
    clearTimeout(timeout);
    if (!allChecked) {
      const oomKilled = memory.cgroup?.oomKills() ?? 0;
      const error = `kube-lego checked ${log.checkedFirst} of ${request.ingressCount} Ingresses before it exited or timed out${oomKilled > 0 ? ` (killed for memory over its ${memory.describe})` : ''}: ${log.lastLines.slice(-400)}`;
      await stop();
      return { ok: false, error };
    }
    const allCheckedAt = performance.now();
    const { peakRssBytes, cpuSeconds } = await processUsage(pid);
    // The audit log records a request when its response finishes; a watch the client drops never
    // finishes. Ending the open watches from the server side puts them in the log before it is read.
    sandbox.faults.closeWatches();
    await sleep(300);
    const firstPassRequests = sandbox.audit.filter((entry) => entry.user === controllerUser);
    const logged = [...log.problems.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([text, count]) => `${text} (x${count})`);
    const firstPass: SteadyFirstPass = {
      seedMs,
      startToAllCheckedMs: allCheckedAt - started,
      peakRssBytes,
      cpuSeconds,
      memoryLimit: memory.describe,
      apiRequests: requestCounts(firstPassRequests),
      logged,
      window: { fromMs: seedStarted, toMs: allCheckedAt },
    };
    const recheck = async (): Promise<RecheckOutcome> => {
      // The tick is seen through the log: the CPU is sampled as the line arrives, a few ms after it.
      const cpuAtTick = new Promise<number>((resolve, reject) => {
        const poll = setInterval(() => {
          if (log.tickAtMs === undefined) return;
          clearInterval(poll);
          processUsage(pid).then((usage) => {
            resolve(usage.cpuSeconds);
          }, reject);
        }, 5);
        void exited.then(() => {
          clearInterval(poll);
          reject(new Error('kube-lego exited before its periodic re-check'));
        });
      });
      const auditAtTick = sandbox.audit.length;
      const recheckTimeout = setTimeout(
        () => {
          log.end();
        },
        request.timeoutMs + durationMs(request.checkInterval),
      );
      try {
        const done = await log.wait('recheck');
        const endAt = performance.now();
        if (!done || log.tickAtMs === undefined)
          return { ok: false, error: `the periodic re-check did not finish: ${log.lastLines.slice(-400)}` };
        const usage = await processUsage(pid);
        const before = await cpuAtTick;
        await sleep(1_000);
        sandbox.faults.closeWatches();
        await sleep(300);
        const requests = sandbox.audit.slice(auditAtTick).filter((entry) => entry.user === controllerUser);
        return {
          ok: true,
          wallMs: endAt - log.tickAtMs,
          cpuSeconds: usage.cpuSeconds - before,
          peakRssBytes: usage.peakRssBytes,
          apiRequests: requestCounts(requests),
          window: { fromMs: log.tickAtMs, toMs: endAt },
        };
      } catch (error) {
        return { ok: false, error: describeError(error) };
      } finally {
        clearTimeout(recheckTimeout);
      }
    };
    return { ok: true, firstPass, recheck, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Milliseconds of a `LEGO_CHECK_INTERVAL` value the benchmark uses (`300s`, `5m`, `1h`); 8h when absent. */
function durationMs(value: string | undefined): number {
  const match = /^(\d+)(s|m|h)$/.exec(value ?? '8h');
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
  if (match === null) throw new RangeError(`Unsupported check interval "${value ?? ''}": use 300s, 5m or 1h`);
  return Number(match[1]) * unit[match[2] as keyof typeof unit];
}

const epochMs = (): number => performance.timeOrigin + performance.now();
const probeTimeoutMs = 500;
const probeAttempts = 4;

/** The audit entries of one apply (the benchmark's Ingress creates and the controller's requests), timed. */
function tracedRequests(entries: readonly AuditEntry[]): TracedApiRequest[] {
  return entries.flatMap((entry): TracedApiRequest[] => {
    const by =
      entry.user === controllerUser ? 'controller' : entry.user === 'admin' ? 'benchmark' : undefined;
    if (by === undefined) return [];
    const { verb, resource, namespace, name } = entry;
    return [{ by, verb, resource, namespace, name, atMs: Date.parse(entry.at) }];
  });
}

/** Lines of the controller that the benchmark reads: served tokens (debug, JSON) and the event-loop probe. */
class ControllerLines {
  #served: { host: string; atMs: number }[] = [];
  #waiting: ((delay: EventLoopDelay) => void)[] = [];

  readonly onLine = (line: string): void => {
    const atMs = epochMs();
    if (line.includes(eventLoopProbeMarker)) {
      const delay = parseEventLoopLine(line);
      if (delay !== undefined) for (const resolve of this.#waiting.splice(0)) resolve(delay);
      return;
    }
    if (!line.includes('responding to challenge request')) return;
    try {
      const host = field(JSON.parse(line) as unknown, 'host');
      if (typeof host === 'string') this.#served.push({ host, atMs });
    } catch {
      // a text-format line: tracing asks for JSON, so this is not ours
    }
  };

  /** Served tokens since the last call. */
  takeServed(): { host: string; atMs: number }[] {
    return this.#served.splice(0);
  }

  /**
   * Asks the probe for the delay since its last report (and resets it); undefined without an answer. A
   * signal sent while the previous one is still pending merges with it, so it is sent again on silence.
   */
  async eventLoopDelay(pid: number): Promise<EventLoopDelay | undefined> {
    const answered = new Promise<EventLoopDelay>((resolve) => this.#waiting.push(resolve));
    for (let attempt = 0; attempt < probeAttempts; attempt += 1) {
      try {
        process.kill(pid, 'SIGUSR2');
      } catch {
        return undefined;
      }
      const delay = await Promise.race([answered, sleep(probeTimeoutMs).then(() => undefined)]);
      if (delay !== undefined) return delay;
    }
    return undefined;
  }
}

/**
 * Runs the real controller process (`node dist/src/cli/main.js`) against an in-process API sandbox and the
 * benchmark's ACME server: Ingresses go in through the sandbox's REST API, Secrets are read from its store.
 * Self-check is off (the benchmark names resolve only inside Pebble's DNS) and orders run 10 at a time,
 * the concurrency the in-process libraries get.
 */
export function kubeLegoProcessDriver(): KubeLegoDriver {
  return {
    describe: () =>
      Promise.resolve(
        `${VERSION} (controller process against the API sandbox, NODE_OPTIONS="${imageNodeOptions()}" as in the image, under the Deployment's memory limit of ${ownDeploymentLimit() / 1024 / 1024} Mi through a memory cgroup where the machine allows one)`,
      ),
    steadyState,
    start: async (request: ControllerStartRequest): Promise<RunningController> => {
      // Its own user, so the audit log tells the controller's requests from the benchmark's.
      const sandbox = await startSandbox({ users: { [controllerToken]: { name: controllerUser } } });
      const memory = podMemory(0);
      const lines = new ControllerLines();
      const probe = join(projectRoot(), 'dist', 'bench', 'event-loop-probe.js');
      let controller: ManagedProcess | undefined;
      try {
        const namespaceStatus = await sandboxApi(sandbox, 'POST', '/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: controllerNamespace },
        });
        if (namespaceStatus !== 201)
          throw new Error(`creating namespace ${controllerNamespace}: HTTP ${namespaceStatus}`);
        const kubeconfig = join(request.workDir, 'kubeconfig');
        await sandbox.writeKubeconfig(kubeconfig, { user: controllerUser });
        const command = memory.cgroup?.wrap(process.execPath, ['--import', probe, controllerEntry().cli]) ?? {
          command: process.execPath,
          args: ['--import', probe, controllerEntry().cli],
        };
        controller = startManagedProcess({
          name: 'kube-lego',
          command: command.command,
          args: command.args,
          cwd: request.workDir,
          onLine: lines.onLine,
          env: {
            KUBE_LEGO_BENCH_EVENT_LOOP_PROBE: '1',
            HOME: request.workDir,
            KUBECONFIG: kubeconfig,
            NODE_OPTIONS: imageNodeOptions(),
            LEGO_EMAIL: request.email,
            LEGO_URL: request.target.directoryUrl,
            LEGO_ACME_CA_FILE: request.target.caFile,
            LEGO_PORT: String(request.target.httpPort),
            LEGO_METRICS_PORT: '0',
            LEGO_NAMESPACE: controllerNamespace,
            LEGO_SELF_CHECK: 'false',
            LEGO_MAX_CONCURRENT_ORDERS: '10',
            ...(request.keyType === undefined ? {} : { LEGO_KEY_TYPE: request.keyType }),
            ...(request.trace === true ? { LEGO_LOG_LEVEL: 'debug', LEGO_LOG_TYPE: 'json' } : {}),
          },
        });
        await waitReady(controller, request.target.httpPort);
      } catch (error) {
        await controller?.stop();
        memory.cgroup?.remove();
        await sandbox.close();
        throw error;
      }
      const running = controller;
      let stopped: Promise<void> | undefined;
      return {
        applyAndWait: async (ingresses, timeoutMs): Promise<ControllerIssueOutcome> => {
          await lines.eventLoopDelay(running.pid);
          lines.takeServed();
          const auditFrom = sandbox.audit.length;
          const cpuBefore = (await processUsage(running.pid)).cpuSeconds;
          const appliedAtMs = epochMs();
          const started = performance.now();
          try {
            const statuses = await Promise.all(
              ingresses.map((ingress) =>
                sandboxApi(
                  sandbox,
                  'POST',
                  `/apis/networking.k8s.io/v1/namespaces/${ingress.namespace}/ingresses`,
                  ingressManifest(ingress),
                ),
              ),
            );
            const refused = statuses.find((status) => status !== 201);
            if (refused !== undefined) {
              return {
                ok: false,
                elapsedMs: performance.now() - started,
                error: `Ingress create: HTTP ${refused}`,
              };
            }
            const stored = new Map<string, StoredCertificate>();
            const seen = new Map<string, unknown>();
            let lastStoredMs = started;
            while (stored.size < ingresses.length) {
              if (performance.now() - started > timeoutMs) {
                return {
                  ok: false,
                  elapsedMs: performance.now() - started,
                  error: `${ingresses.length - stored.size} of ${ingresses.length} Secrets not stored within ${timeoutMs} ms`,
                };
              }
              const status = running.exitStatus();
              if (status !== undefined) {
                return {
                  ok: false,
                  elapsedMs: performance.now() - started,
                  error: `kube-lego exited (${status})`,
                };
              }
              for (const ingress of ingresses) {
                const id = `${ingress.namespace}/${ingress.secretName}`;
                if (stored.has(id)) continue;
                const certificate = storedCertificate(sandbox, ingress, seen);
                if (certificate !== undefined) {
                  stored.set(id, certificate);
                  lastStoredMs = performance.now();
                }
              }
              if (stored.size < ingresses.length) await sleep(storePollMs);
            }
            const cpuSeconds = (await processUsage(running.pid)).cpuSeconds - cpuBefore;
            const eventLoopDelay = await lines.eventLoopDelay(running.pid);
            const trace: ControllerTrace = {
              appliedAtMs,
              seenAtMs: appliedAtMs + (lastStoredMs - started),
              api: tracedRequests(sandbox.audit.slice(auditFrom)),
              tokensServed: lines.takeServed(),
            };
            return {
              ok: true,
              elapsedMs: lastStoredMs - started,
              stored: [...stored.values()],
              cpuSeconds,
              ...(eventLoopDelay === undefined ? {} : { eventLoopDelay }),
              ...(request.trace === true ? { trace } : {}),
            };
          } catch (error) {
            return { ok: false, elapsedMs: performance.now() - started, error: describeError(error) };
          }
        },
        stop: () => {
          stopped ??= (async () => {
            await running.stop();
            memory.cgroup?.remove();
            await sandbox.close();
          })();
          return stopped;
        },
      };
    },
  };
}
