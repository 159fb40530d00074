import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChalltestClient } from './challtestsrv.js';
import { freeLoopbackPort } from './free-port.js';
import { runProjectScript } from './project-script.js';
import { testHttpRequest } from './https-request.js';
import { startManagedProcess, type ManagedProcess } from './managed-process.js';
import { createThrowawayTls } from '../tls/throwaway-tls.js';
import { KubeLegoError, type Reaction } from '../../src/domain/kube-lego-error.js';

export { ChalltestClient } from './challtestsrv.js';

export interface PebbleProfile {
  readonly description: string;
  readonly validityPeriodSeconds: number;
}

export interface PebbleOptions {
  /** PEBBLE_WFE_NONCEREJECT; unset = Pebble's default (5). */
  readonly nonceRejectPercent?: number;
  /** PEBBLE_AUTHZREUSE; unset = Pebble's default (50). */
  readonly authzReusePercent?: number;
  /**
   * Validity of issued certificates. Pebble 2.10 takes validity from profiles only, so this also sets the
   * validity of a `default` profile (created when `profiles` has none) and of profiles without their own.
   */
  readonly certificateValidityPeriodSeconds?: number;
  /** kid -> base64url HMAC key. */
  readonly eab?: { readonly required: boolean; readonly keys: Readonly<Record<string, string>> };
  /**
   * Profiles advertised in `meta.profiles`. Orders that name no profile get `default`; without a `default`
   * entry Pebble picks one of the others, so tests that depend on validity should configure `default`.
   */
  readonly profiles?: Readonly<Record<string, PebbleProfile>>;
  /** Port Pebble's VA dials for http-01; default: a free loopback port. */
  readonly httpPort?: number;
  /** Retry-After seconds Pebble sends on pending authorizations and orders; unset = none. */
  readonly retryAfter?: { readonly authz: number; readonly order: number };
}

export interface PebbleRig {
  /** `https://localhost:<port>/dir` */
  readonly directoryUrl: string;
  /** Throwaway CA that signed Pebble's HTTPS listener certificate: trust it, never disable verification. */
  readonly caPem: string;
  /** The same CA as a file, for child processes (`NODE_EXTRA_CA_CERTS`). */
  readonly caFile: string;
  /** Where the VA connects for http-01 (every name resolves to 127.0.0.1 through challtestsrv). */
  readonly httpPort: number;
  /** Pebble management API base (https, same CA). */
  readonly managementUrl: string;
  /** The Debian package version, e.g. "2.10.0+ds1-2". */
  readonly version: string;
  readonly challtest: ChalltestClient;
  /** `127.0.0.1:<port>` of challtestsrv's DNS server, the resolver Pebble's VA uses. */
  readonly dnsServer: string;
  /** Root certificate `index` (GET /roots/<n>); the root changes on every start. */
  rootPem(index?: number): Promise<string>;
  intermediatePem(index?: number): Promise<string>;
  /** Makes Pebble answer ARI requests for `certPem` (the leaf) with this window (POST /set-renewal-info/). */
  setRenewalInfo(certPem: string, window: { start: Date; end: Date }, explanationUrl?: string): Promise<void>;
  /** PIDs of the Pebble and challtestsrv processes. */
  readonly pids: readonly number[];
  /** Pebble and challtestsrv output so far, for failure messages. */
  output(): string;
  /** Kills both processes by PID and waits for their exit; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const startupTimeoutMs = 15_000;
const startAttempts = 3;

/** The repository's root: the nearest folder above this module with package.json and scripts/. */
export function projectRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'install-pebble.sh')))
      return dir;
    const parent = join(dir, '..');
    if (parent === dir)
      throw new Error('Cannot find the project root (package.json) above the Pebble test rig');
    dir = parent;
  }
}

interface PebbleInstall {
  readonly pebble: string;
  readonly challtestsrv: string;
  readonly version: string;
}

/** Typed failure of the Pebble install step (`scripts/install-pebble.sh`). */
export class PebbleInstallError extends KubeLegoError {
  override readonly name = 'PebbleInstallError';
  readonly code = 'pebbleInstallFailed';
  /** A development-environment failure: nothing to retry, the message says what to fix. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

/**
 * Makes sure Pebble and pebble-challtestsrv are unpacked in `.tools/pebble`, running the project's install
 * script when they are missing. `onInstall` is told before the script runs (it downloads a Debian package).
 */
export async function ensurePebbleInstalled(
  onInstall: (message: string) => void = () => undefined,
): Promise<void> {
  const root = projectRoot();
  const base = join(root, '.tools', 'pebble', 'usr', 'bin');
  if (existsSync(join(base, 'pebble')) && existsSync(join(base, 'pebble-challtestsrv'))) return;
  onInstall(`Pebble is not installed in ${base}: running "bash scripts/install-pebble.sh"`);
  const output = await runProjectScript(root, 'install-pebble.sh');
  if (output.code !== 0 || !existsSync(join(base, 'pebble'))) {
    throw new PebbleInstallError(
      `Cannot install Pebble with "bash scripts/install-pebble.sh" (exit ${String(output.code)}): ${output.text.trim()}; run it by hand and check network access to the Debian archive`,
    );
  }
}

function findPebble(): PebbleInstall {
  const base = join(projectRoot(), '.tools', 'pebble');
  const pebble = join(base, 'usr', 'bin', 'pebble');
  const challtestsrv = join(base, 'usr', 'bin', 'pebble-challtestsrv');
  if (!existsSync(pebble) || !existsSync(challtestsrv)) {
    throw new Error(`Pebble is not installed in ${base}: run "bash scripts/install-pebble.sh" first`);
  }
  const versionFile = join(base, 'VERSION');
  const version = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : 'unknown';
  return { pebble, challtestsrv, version };
}

function secondsPrecision(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function pebbleProfiles(
  options: PebbleOptions,
): Record<string, { description: string; validityPeriod: number }> {
  const validity = options.certificateValidityPeriodSeconds;
  const profiles: Record<string, { description: string; validityPeriod: number }> = {};
  for (const [name, profile] of Object.entries(options.profiles ?? {})) {
    profiles[name] = { description: profile.description, validityPeriod: profile.validityPeriodSeconds };
  }
  if (validity !== undefined && !('default' in profiles)) {
    profiles.default = { description: 'Default profile of the test rig', validityPeriod: validity };
  }
  return profiles;
}

interface Ports {
  readonly acme: number;
  readonly management: number;
  readonly dns: number;
  readonly challtestManagement: number;
  readonly http: number;
  readonly tls: number;
}

async function choosePorts(options: PebbleOptions): Promise<Ports> {
  const distinct = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const port = await freeLoopbackPort();
      if (!distinct.has(port)) {
        distinct.add(port);
        return port;
      }
    }
  };
  return {
    acme: await next(),
    management: await next(),
    dns: await next(),
    challtestManagement: await next(),
    http: options.httpPort ?? (await next()),
    tls: await next(),
  };
}

/** A test server that did not come up (a port taken, a crash at start); the rigs start again on fresh ports. */
export class StartupError extends KubeLegoError {
  override readonly name = 'StartupError';
  readonly code = 'startupFailed';
  /** A development-environment failure: nothing to retry, the message says what to fix. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

/** Polls `probe` until it returns true; fails when one of `processes` exits or after the start-up timeout. */
export async function waitUntil(
  what: string,
  processes: readonly ManagedProcess[],
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  for (;;) {
    for (const p of processes) {
      const status = p.exitStatus();
      if (status !== undefined) throw new StartupError(`${p.name} exited (${status}) before ${what}`);
    }
    try {
      if (await probe()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new StartupError(`${what} did not happen within ${startupTimeoutMs} ms`);
    await sleep(50);
  }
}

async function startOnce(options: PebbleOptions, install: PebbleInstall, dir: string): Promise<PebbleRig> {
  const tls = await createThrowawayTls();
  const ports = await choosePorts(options);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'ca.pem');
  const configFile = join(dir, 'pebble-config.json');
  await writeFile(certFile, tls.certPem);
  await writeFile(keyFile, tls.keyPem, { mode: 0o600 });
  await writeFile(caFile, tls.caPem);
  const profiles = pebbleProfiles(options);
  const pebbleConfig: Record<string, unknown> = {
    listenAddress: `127.0.0.1:${ports.acme}`,
    managementListenAddress: `127.0.0.1:${ports.management}`,
    certificate: certFile,
    privateKey: keyFile,
    httpPort: ports.http,
    tlsPort: ports.tls,
    ocspResponderURL: '',
    externalAccountBindingRequired: options.eab?.required ?? false,
    ...(options.eab === undefined ? {} : { externalAccountMACKeys: options.eab.keys }),
    ...(options.certificateValidityPeriodSeconds === undefined
      ? {}
      : { certificateValidityPeriod: options.certificateValidityPeriodSeconds }),
    ...(options.retryAfter === undefined ? {} : { retryAfter: options.retryAfter }),
    ...(Object.keys(profiles).length === 0 ? {} : { profiles }),
  };
  await writeFile(configFile, JSON.stringify({ pebble: pebbleConfig }, null, 2));

  const processes: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  const output = (): string => processes.map((p) => `--- ${p.name} (pid ${p.pid})\n${p.output()}`).join('\n');
  try {
    processes.push(
      startManagedProcess({
        name: 'pebble-challtestsrv',
        command: install.challtestsrv,
        args: [
          '-defaultIPv4',
          '127.0.0.1',
          '-defaultIPv6',
          '',
          '-dnsserver',
          `127.0.0.1:${ports.dns}`,
          '-management',
          `127.0.0.1:${ports.challtestManagement}`,
          '-http01',
          '',
          '-https01',
          '',
          '-tlsalpn01',
          '',
          '-doh',
          '',
        ],
      }),
    );
    const env: Record<string, string> = { PEBBLE_VA_NOSLEEP: '1' };
    if (options.nonceRejectPercent !== undefined)
      env.PEBBLE_WFE_NONCEREJECT = String(options.nonceRejectPercent);
    if (options.authzReusePercent !== undefined) env.PEBBLE_AUTHZREUSE = String(options.authzReusePercent);
    processes.push(
      startManagedProcess({
        name: 'pebble',
        command: install.pebble,
        args: ['-config', configFile, '-dnsserver', `127.0.0.1:${ports.dns}`],
        env,
        cwd: dir,
      }),
    );

    const challtest = new ChalltestClient(`http://127.0.0.1:${ports.challtestManagement}`);
    const directoryUrl = `https://localhost:${ports.acme}/dir`;
    const managementUrl = `https://localhost:${ports.management}`;
    await waitUntil('challtestsrv answered on its management port', processes, async () => {
      await challtest.setDefaultIpv4('127.0.0.1');
      return true;
    });
    await waitUntil('Pebble served its directory', processes, async () => {
      const response = await testHttpRequest({ url: directoryUrl, ca: tls.caPem, timeoutMs: 2_000 });
      return response.status === 200;
    });
    await waitUntil('Pebble served its root on the management port', processes, async () => {
      const response = await testHttpRequest({
        url: `${managementUrl}/roots/0`,
        ca: tls.caPem,
        timeoutMs: 2_000,
      });
      return response.status === 200;
    });

    const getPem = async (path: string): Promise<string> => {
      const response = await testHttpRequest({ url: `${managementUrl}${path}`, ca: tls.caPem });
      if (response.status !== 200) {
        throw new Error(`Pebble management ${path} answered HTTP ${response.status}: ${response.body}`);
      }
      return response.body;
    };

    let stopped: Promise<void> | undefined;
    return {
      directoryUrl,
      caPem: tls.caPem,
      caFile,
      httpPort: ports.http,
      managementUrl,
      version: install.version,
      challtest,
      dnsServer: `127.0.0.1:${ports.dns}`,
      rootPem: (index = 0) => getPem(`/roots/${index}`),
      intermediatePem: (index = 0) => getPem(`/intermediates/${index}`),
      setRenewalInfo: async (certPem, window, explanationUrl) => {
        // Pebble stores ARIResponse verbatim and serves it for the certificate's serial; it never parses it.
        const ariResponse = JSON.stringify({
          suggestedWindow: { start: secondsPrecision(window.start), end: secondsPrecision(window.end) },
          ...(explanationUrl === undefined ? {} : { explanationURL: explanationUrl }),
        });
        const response = await testHttpRequest({
          url: `${managementUrl}/set-renewal-info/`,
          method: 'POST',
          ca: tls.caPem,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ Certificate: certPem, ARIResponse: ariResponse }),
        });
        if (response.status !== 200) {
          throw new Error(`Pebble /set-renewal-info/ answered HTTP ${response.status}: ${response.body}`);
        }
      },
      output,
      pids: processes.map((p) => p.pid),
      stop: () => {
        stopped ??= (async () => {
          await stopAll();
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    if (error instanceof StartupError) {
      throw new StartupError(`${error.message}\n${output()}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Starts an isolated Pebble + pebble-challtestsrv pair on free loopback ports with a fresh throwaway CA.
 * Callers must `stop()` it (in `after()`); its processes are also killed when the test process exits.
 */
export async function startPebble(options: PebbleOptions = {}): Promise<PebbleRig> {
  const install = findPebble();
  let lastError: unknown;
  // A port chosen free can be taken before Pebble binds it: start again on fresh ports.
  for (let attempt = 1; attempt <= startAttempts; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'kube-lego-pebble-'));
    try {
      return await startOnce(options, install, dir);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      lastError = error;
      if (!(error instanceof StartupError)) break;
    }
  }
  throw lastError;
}
