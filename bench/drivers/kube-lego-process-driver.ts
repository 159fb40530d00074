import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type AuditEntry, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { VERSION } from '../../src/version.js';
import { startManagedProcess, type ManagedProcess } from '../../test/support/managed-process.js';
import { eventLoopProbeMarker, parseEventLoopLine, type EventLoopDelay } from '../event-loop-probe.js';
import type {
  ControllerIssueOutcome,
  ControllerStartRequest,
  ControllerTrace,
  IngressCertificate,
  KubeLegoDriver,
  RunningController,
  SteadyStateOutcome,
  SteadyStateRequest,
  StoredCertificate,
  TracedApiRequest,
} from '../kube-lego-driver.js';
import { describeError, mapWithConcurrency } from '../peer.js';
import { createSteadyFixture } from './steady-state-fixture.js';
import { processUsage } from '../process-usage.js';
import { trackChild } from '../timed-command.js';
import { projectRoot } from '../tool-paths.js';

const controllerNamespace = 'kube-lego';
const readyTimeoutMs = 60_000;
const storePollMs = 10;

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

function ingressManifest(ingress: IngressCertificate): unknown {
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

/**
 * Case 3: `ingressCount` annotated Ingresses whose managed Secrets already hold valid certificates (kube-lego's
 * label and annotations, as it writes them), then the controller is started and timed until it has logged its
 * "no renewal needed" decision for every one. Its API requests come from the sandbox audit log (its own user).
 * ARI is off here: the certificates come from a throwaway CA, not from the Pebble the account lives on.
 */
async function steadyState(request: SteadyStateRequest): Promise<SteadyStateOutcome> {
  const fixture = await createSteadyFixture(request.ingressCount, Date.now());
  const sandbox = await startSandbox({ users: { [controllerToken]: { name: controllerUser } } });
  try {
    const created = await sandboxApi(sandbox, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: controllerNamespace },
    });
    if (created !== 201)
      return { ok: false, error: `creating namespace ${controllerNamespace}: HTTP ${created}` };
    const keyData = Buffer.from(fixture.keyPem).toString('base64');
    const statuses = await mapWithConcurrency(fixture.certificates, 32, async (certificate) => {
      const name = certificate.host.split('.')[0] ?? certificate.host;
      const secret = await sandboxApi(sandbox, 'POST', '/api/v1/namespaces/default/secrets', {
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
      const ingress = await sandboxApi(
        sandbox,
        'POST',
        '/apis/networking.k8s.io/v1/namespaces/default/ingresses',
        ingressManifest({
          namespace: 'default',
          ingressName: name,
          secretName: `${name}-tls`,
          hosts: [certificate.host],
        }),
      );
      return secret === 201 && ingress === 201;
    });
    const failedCreates = statuses.filter((ok) => !ok).length;
    if (failedCreates > 0) return { ok: false, error: `${failedCreates} Secret/Ingress creations failed` };

    const kubeconfig = join(request.workDir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig, { user: controllerUser });
    const started = performance.now();
    const child = spawn(process.execPath, [controllerEntry().cli], {
      cwd: request.workDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: request.workDir,
        KUBECONFIG: kubeconfig,
        LEGO_EMAIL: request.email,
        LEGO_URL: request.target.directoryUrl,
        LEGO_ACME_CA_FILE: request.target.caFile,
        LEGO_PORT: String(request.target.httpPort),
        LEGO_METRICS_PORT: '0',
        LEGO_NAMESPACE: controllerNamespace,
        LEGO_SELF_CHECK: 'false',
        LEGO_ARI: 'false',
        LEGO_LOG_TYPE: 'json',
      },
    });
    const pid = child.pid;
    if (pid === undefined) return { ok: false, error: 'kube-lego did not start' };
    const untrack = trackChild(pid);
    const exited = new Promise<void>((resolve) =>
      child.once('close', () => {
        resolve();
      }),
    );
    let measured: { startToAllCheckedMs: number; peakRssBytes: number; cpuSeconds: number } | undefined;
    let failure = '';
    let audited: AuditEntry[] = [];
    const problems = new Map<string, number>();
    try {
      const checked = new Set<string>();
      let tail = '';
      const allChecked = new Promise<boolean>((resolve) => {
        const onLine = (line: string): void => {
          tail = `${tail}\n${line}`.slice(-2000);
          let entry: unknown;
          try {
            entry = JSON.parse(line);
          } catch {
            return;
          }
          const msg = field(entry, 'msg');
          const level = field(entry, 'level');
          if ((level === 'warning' || level === 'error') && typeof msg === 'string') {
            const text = `${level}: ${msg.slice(0, 160)}`;
            problems.set(text, (problems.get(text) ?? 0) + 1);
          }
          if (typeof msg === 'string' && msg.endsWith('no renewal needed')) {
            checked.add(`${String(field(entry, 'namespace'))}/${String(field(entry, 'name'))}`);
            if (checked.size >= request.ingressCount) resolve(true);
          }
        };
        createInterface({ input: child.stdout }).on('line', onLine);
        createInterface({ input: child.stderr }).on('line', onLine);
        child.once('close', () => {
          resolve(false);
        });
        setTimeout(() => {
          resolve(false);
        }, request.timeoutMs).unref();
      });
      if (await allChecked) {
        const { peakRssBytes, cpuSeconds } = await processUsage(pid);
        measured = { startToAllCheckedMs: performance.now() - started, peakRssBytes, cpuSeconds };
        // The audit log records a request when its response finishes; a watch the client drops never
        // finishes. Ending the open watches from the server side puts them in the log before it is read.
        sandbox.faults.closeWatches();
        await sleep(300);
        audited = sandbox.audit.filter((entry) => entry.user === controllerUser);
      } else {
        failure = `kube-lego checked ${checked.size} of ${request.ingressCount} Ingresses before it exited or timed out: ${tail.slice(-400)}`;
      }
    } finally {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
      untrack();
    }
    if (measured === undefined) return { ok: false, error: failure };
    const mine = audited;
    const logged = [...problems.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([text, count]) => `${text} (x${count})`);
    return {
      ok: true,
      ...measured,
      logged,
      apiRequests: {
        total: mine.length,
        lists: mine.filter((entry) => entry.verb === 'list' && !/(^|&)continue=[^&]/.test(entry.query))
          .length,
        listPages: mine.filter((entry) => entry.verb === 'list').length,
        watches: mine.filter((entry) => entry.verb === 'watch').length,
        gets: mine.filter((entry) => entry.verb === 'get').length,
        writes: mine.filter((entry) => writeVerbs.has(entry.verb)).length,
      },
    };
  } finally {
    await sandbox.close();
  }
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
    describe: () => Promise.resolve(`${VERSION} (controller process against the API sandbox)`),
    steadyState,
    start: async (request: ControllerStartRequest): Promise<RunningController> => {
      // Its own user, so the audit log tells the controller's requests from the benchmark's.
      const sandbox = await startSandbox({ users: { [controllerToken]: { name: controllerUser } } });
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
        controller = startManagedProcess({
          name: 'kube-lego',
          command: process.execPath,
          args: ['--import', probe, controllerEntry().cli],
          cwd: request.workDir,
          onLine: lines.onLine,
          env: {
            KUBE_LEGO_BENCH_EVENT_LOOP_PROBE: '1',
            HOME: request.workDir,
            KUBECONFIG: kubeconfig,
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
            await sandbox.close();
          })();
          return stopped;
        },
      };
    },
  };
}
