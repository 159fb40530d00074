import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { splitPemBundle } from '../../src/x509/pem-bundle.js';
import { startCountingAcmeProxy, type CountingAcmeProxy } from '../support/counting-acme-proxy.js';
import { ingressManifest } from '../support/ingress-manifest.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { controllerEnv } from '../support/controller-env.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';

const run = promisify(execFile);

/** The sandbox user the controller runs as, so the audit log tells its requests from the test's. */
export const CONTROLLER_USER = 'kube-lego';

/** A Secret as `kubectl get -o json` prints it. */
export interface SecretJson {
  readonly data?: Record<string, string>;
  readonly metadata?: { readonly annotations?: Record<string, string> };
}

function decode(secret: SecretJson, key: string): string {
  return Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
}

/**
 * Asserts the stored pair is one and complete: the certificate for exactly `hosts`, issued by the CA's
 * intermediate in the chain, `tls.key` its key, and nothing of the order or a failure left on the Secret.
 */
export function assertIssuedPair(stored: SecretJson, hosts: readonly string[]): void {
  const chain = splitPemBundle(decode(stored, 'tls.crt')).map((pem) => new X509Certificate(pem));
  const leaf = chain[0];
  assert.ok(leaf !== undefined, 'tls.crt holds a certificate');
  assert.equal(leaf.subjectAltName, hosts.map((h) => `DNS:${h}`).join(', '));
  const intermediate = chain[1];
  assert.ok(intermediate !== undefined && leaf.verify(intermediate.publicKey), 'issued by the CA');
  assert.ok(
    leaf.checkPrivateKey(createPrivateKey(decode(stored, 'tls.key'))),
    'tls.key is the certificate key',
  );
  assert.equal(stored.data?.['kube-lego.pending.key'], undefined, 'the pending key is removed once stored');
  const annotations = stored.metadata?.annotations ?? {};
  assert.equal(annotations['kube-lego/order-url'], undefined, 'the order is cleared');
  assert.equal(annotations['kube-lego/failures'], undefined, 'no failure is left recorded');
}

/**
 * The rig of a fault test: the API sandbox (the controller as its own user), Pebble behind a counting proxy,
 * real `kubectl` as the test's independent client, and the controller processes started on it.
 */
export interface FaultRig {
  readonly sandbox: Sandbox;
  readonly pebble: PebbleRig;
  readonly ca: CountingAcmeProxy;
  readonly processes: readonly ControllerProcess[];
  /** The administrator's kubeconfig: what a user's `kubectl` and `kube-lego status` read. */
  readonly kubeconfig: string;
  kubectl(...args: string[]): Promise<string>;
  /** Applies an opted-in Ingress `name` for `hosts`, its Secret `${name}-tls` in `default`. */
  applyIngress(name: string, hosts: readonly string[]): Promise<void>;
  /**
   * Starts a controller process against the proxy (the sandbox's audit names it `CONTROLLER_USER`); `extra`
   * adds or overrides variables (a second replica's LEGO_PORT, leader election).
   */
  startController(extra?: Readonly<Record<string, string>>, user?: string): ControllerProcess;
  /** The Secret `name` in `default`, or undefined when it does not exist. */
  secret(name: string): Promise<SecretJson | undefined>;
  /** Polls `probe` every 200 ms until it returns a value; fails naming `what` with the last log lines. */
  eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  /** Kills every controller process, stops the proxy, Pebble and the sandbox, removes the files. */
  close(): Promise<void>;
}

/**
 * Starts the rig; `bookmarkIntervalMs` is the sandbox's; `users` are further sandbox users a controller may
 * run as (a second replica the sandbox can partition on its own).
 */
export async function startFaultRig(
  options: { readonly bookmarkIntervalMs?: number; readonly users?: readonly string[] } = {},
): Promise<FaultRig> {
  const token = randomBytes(16).toString('hex');
  const extraUsers = options.users ?? [];
  const tokens = new Map(extraUsers.map((user) => [user, randomBytes(16).toString('hex')]));
  const [sandbox, pebble] = await Promise.all([
    startSandbox({
      ...(options.bookmarkIntervalMs === undefined ? {} : { bookmarkIntervalMs: options.bookmarkIntervalMs }),
      users: {
        [token]: { name: CONTROLLER_USER },
        ...Object.fromEntries([...tokens].map(([user, secret]) => [secret, { name: user }])),
      },
    }),
    startPebble({ nonceRejectPercent: 0 }),
  ]);
  const ca = await startCountingAcmeProxy({
    pebbleDirectoryUrl: pebble.directoryUrl,
    pebbleCaPem: pebble.caPem,
  });
  const dir = await mkdtemp(join(tmpdir(), 'kube-lego-faults-'));
  const adminConfig = join(dir, 'admin.kubeconfig');
  const controllerConfig = join(dir, 'kube-lego.kubeconfig');
  const caFile = join(dir, 'proxy-ca.pem');
  await Promise.all([
    sandbox.writeKubeconfig(adminConfig),
    sandbox.writeKubeconfig(controllerConfig, { user: CONTROLLER_USER }),
    writeFile(caFile, ca.caPem),
    ...extraUsers.map((user) => sandbox.writeKubeconfig(join(dir, `${user}.kubeconfig`), { user })),
  ]);
  const processes: ControllerProcess[] = [];
  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', adminConfig, ...args])).stdout;
  let applied = 0;
  const apply = async (yaml: string): Promise<void> => {
    const file = join(dir, `objects-${String(++applied)}.yaml`);
    await writeFile(file, yaml);
    await kubectl('apply', '-f', file);
  };
  await apply('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lego\n');
  return {
    sandbox,
    pebble,
    ca,
    processes,
    kubeconfig: adminConfig,
    kubectl,
    applyIngress: (name, hosts) => apply(ingressManifest({ name, hosts })),
    startController(extra = {}, user = CONTROLLER_USER) {
      const started = startControllerProcess(
        controllerEnv(
          {
            kubeconfig: user === CONTROLLER_USER ? controllerConfig : join(dir, `${user}.kubeconfig`),
            directoryUrl: ca.directoryUrl,
            caFile,
            httpPort: pebble.httpPort,
          },
          extra,
        ),
      );
      processes.push(started);
      return started;
    },
    async secret(name) {
      try {
        return JSON.parse(await kubectl('get', 'secret', name, '-n', 'default', '-o', 'json')) as SecretJson;
      } catch {
        return undefined;
      }
    },
    async eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline)
          assert.fail(
            `timed out after ${String(timeoutMs)} ms waiting for ${what}; last log lines:\n${processes.at(-1)?.lines.slice(-25).join('\n') ?? ''}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async close() {
      await Promise.all(processes.map((p) => p.kill()));
      await ca.close();
      await Promise.all([sandbox.close(), pebble.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
