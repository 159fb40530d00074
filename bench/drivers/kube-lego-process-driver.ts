import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { VERSION } from '../../src/version.js';
import { startManagedProcess, type ManagedProcess } from '../../test/support/managed-process.js';
import type {
  ControllerIssueOutcome,
  ControllerStartRequest,
  IngressCertificate,
  KubeLegoDriver,
  RunningController,
  StoredCertificate,
} from '../kube-lego-driver.js';
import { describeError } from '../peer.js';
import { projectRoot } from '../tool-paths.js';

const controllerNamespace = 'kube-lego';
const readyTimeoutMs = 60_000;
const storePollMs = 10;

/** The built CLI and the composition root it needs; without `dist/src/main.js` there is no controller to run. */
export function controllerEntry(): { cli: string; available: boolean } {
  const root = projectRoot();
  const cli = join(root, 'dist', 'src', 'cli', 'main.js');
  return { cli, available: existsSync(cli) && existsSync(join(root, 'dist', 'src', 'main.js')) };
}

async function api(sandbox: Sandbox, method: string, path: string, body: unknown): Promise<number> {
  const url = new URL(path, sandbox.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method,
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

/** The Secret's certificate and key once it holds a certificate covering the hosts, else undefined. */
function storedCertificate(sandbox: Sandbox, ingress: IngressCertificate): StoredCertificate | undefined {
  const data = field(sandbox.store.get('secrets', ingress.namespace, ingress.secretName), 'data');
  const crt = field(data, 'tls.crt');
  const key = field(data, 'tls.key');
  if (typeof crt !== 'string' || typeof key !== 'string' || crt === '' || key === '') return undefined;
  const certificatePem = Buffer.from(crt, 'base64').toString('utf8');
  try {
    const leaf = new X509Certificate(certificatePem);
    if (!ingress.hosts.every((host) => leaf.checkHost(host, { wildcards: false }) === host)) return undefined;
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

/**
 * Runs the real controller process (`node dist/src/cli/main.js`) against an in-process API sandbox and the
 * benchmark's ACME server: Ingresses go in through the sandbox's REST API, Secrets are read from its store.
 * Self-check is off (the benchmark names resolve only inside Pebble's DNS) and orders run 10 at a time,
 * the concurrency the in-process libraries get.
 */
export function kubeLegoProcessDriver(): KubeLegoDriver {
  return {
    describe: () => Promise.resolve(`${VERSION} (controller process against the API sandbox)`),
    start: async (request: ControllerStartRequest): Promise<RunningController> => {
      const sandbox = await startSandbox();
      let controller: ManagedProcess | undefined;
      try {
        const namespaceStatus = await api(sandbox, 'POST', '/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: controllerNamespace },
        });
        if (namespaceStatus !== 201)
          throw new Error(`creating namespace ${controllerNamespace}: HTTP ${namespaceStatus}`);
        const kubeconfig = join(request.workDir, 'kubeconfig');
        await sandbox.writeKubeconfig(kubeconfig);
        controller = startManagedProcess({
          name: 'kube-lego',
          command: process.execPath,
          args: [controllerEntry().cli],
          cwd: request.workDir,
          env: {
            HOME: request.workDir,
            KUBECONFIG: kubeconfig,
            LEGO_EMAIL: request.email,
            LEGO_URL: request.target.directoryUrl,
            LEGO_ACME_CA_FILE: request.target.caFile,
            LEGO_PORT: String(request.target.httpPort),
            LEGO_NAMESPACE: controllerNamespace,
            LEGO_SELF_CHECK: 'false',
            LEGO_MAX_CONCURRENT_ORDERS: '10',
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
          const started = performance.now();
          try {
            const statuses = await Promise.all(
              ingresses.map((ingress) =>
                api(
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
                const certificate = storedCertificate(sandbox, ingress);
                if (certificate !== undefined) {
                  stored.set(id, certificate);
                  lastStoredMs = performance.now();
                }
              }
              if (stored.size < ingresses.length) await sleep(storePollMs);
            }
            return { ok: true, elapsedMs: lastStoredMs - started, stored: [...stored.values()] };
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
