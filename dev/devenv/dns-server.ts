import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-port.js';
import { startManagedProcess, type ManagedProcess } from './managed-process.js';
import { projectRoot, StartupError, waitUntil } from './pebble.js';
import { runProjectScript } from './project-script.js';
import { KubeLegoError, type Reaction } from '../../src/domain/kube-lego-error.js';
import type { TsigAlgorithm } from '../../src/dns/tsig.js';

/** A TSIG key of the rig, as the server's configuration holds it (the secret is a throwaway). */
export interface DnsRigKey {
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  readonly secretBase64: string;
}

/** A zone of the rig: its apex and its zone-file lines after `$ORIGIN <name>.` and `$TTL 60`. */
export interface DnsZoneSpec {
  readonly name: string;
  readonly records: readonly string[];
}

export interface DnsServerOptions {
  /** The zones to serve; default `defaultTestZones`. */
  readonly zones?: readonly DnsZoneSpec[];
}

/**
 * `example.test`: every name resolves to 127.0.0.1, two NS names for the one server, and
 * `_acme-challenge.delegated.example.test` delegated by CNAME into `acme-delegate.test`, a second zone the keys
 * may update too.
 */
export const defaultTestZones: readonly DnsZoneSpec[] = [
  {
    name: 'example.test',
    records: [
      '@ SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60',
      '@ NS ns1',
      '@ NS ns2',
      'ns1 A 127.0.0.1',
      'ns2 A 127.0.0.1',
      '@ A 127.0.0.1',
      '* A 127.0.0.1',
      '_acme-challenge.delegated CNAME delegated.acme-delegate.test.',
    ],
  },
  {
    name: 'acme-delegate.test',
    records: [
      '@ SOA ns1.acme-delegate.test. hostmaster.acme-delegate.test. 1 3600 600 86400 60',
      '@ NS ns1',
      'ns1 A 127.0.0.1',
    ],
  },
];

export interface DnsServerRig {
  readonly host: string;
  /** UDP and TCP port on `host`. */
  readonly port: number;
  /** `127.0.0.1:<port>`, e.g. for Pebble's `-dnsserver`. */
  readonly address: string;
  readonly zones: readonly string[];
  /** Keys allowed to update every zone. */
  readonly keys: { readonly sha256: DnsRigKey; readonly sha512: DnsRigKey };
  /** A key the server knows but no ACL lets update anything. */
  readonly unauthorizedKey: DnsRigKey;
  /** The Knot package version, e.g. "3.2.6-1". */
  readonly version: string;
  readonly pid: number;
  /** Runs `kdig` (an independent client) for `type` records at `name`; the answer's RDATA in presentation form. */
  dig(name: string, type: string, options?: { readonly tcp?: boolean }): Promise<string[]>;
  /** Runs `knsupdate` signing with `key`; `script` holds its commands, `server` and `send` included. */
  knsupdate(script: string, key: DnsRigKey): Promise<{ readonly code: number; readonly output: string }>;
  /** knotd's log so far, for failure messages. */
  output(): string;
  /** Stops knotd by PID and waits for its exit; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

interface KnotInstall {
  readonly knotd: string;
  readonly knotc: string;
  readonly kdig: string;
  readonly knsupdate: string;
  readonly libraryPath: string;
  readonly version: string;
}

const startAttempts = 3;
const toolTimeoutMs = 10_000;

/** Typed failure of the Knot DNS install step (`scripts/install-dns.sh`). */
export class DnsServerInstallError extends KubeLegoError {
  override readonly name = 'DnsServerInstallError';
  readonly code = 'dnsServerInstallFailed';
  /** A development-environment failure: nothing to retry, the message says what to fix. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

function knotBase(): string {
  return join(projectRoot(), '.tools', 'knot');
}

/**
 * Makes sure Knot DNS is unpacked in `.tools/knot`, running the project's install script when it is missing.
 * `onInstall` is told before the script runs (it downloads Debian packages).
 */
export async function ensureDnsServerInstalled(
  onInstall: (message: string) => void = () => undefined,
): Promise<void> {
  const knotd = join(knotBase(), 'usr', 'sbin', 'knotd');
  if (existsSync(knotd)) return;
  onInstall(`Knot DNS is not installed in ${knotBase()}: running "bash scripts/install-dns.sh"`);
  const output = await runProjectScript(projectRoot(), 'install-dns.sh');
  if (output.code !== 0 || !existsSync(knotd)) {
    throw new DnsServerInstallError(
      `Cannot install Knot DNS with "bash scripts/install-dns.sh" (exit ${String(output.code)}): ${output.text.trim()}; run it by hand and check network access to the Debian archive`,
    );
  }
}

function findKnot(): KnotInstall {
  const base = knotBase();
  const knotd = join(base, 'usr', 'sbin', 'knotd');
  if (!existsSync(knotd)) {
    throw new Error(`Knot DNS is not installed in ${base}: run "bash scripts/install-dns.sh" first`);
  }
  const libRoot = join(base, 'usr', 'lib');
  // The multiarch folder (x86_64-linux-gnu, aarch64-linux-gnu, ...) the Debian packages put libknot in.
  const triplet = readdirSync(libRoot).find((entry) => entry.endsWith('-linux-gnu')) ?? '';
  const versionFile = join(base, 'VERSION');
  return {
    knotd,
    knotc: join(base, 'usr', 'sbin', 'knotc'),
    kdig: join(base, 'usr', 'bin', 'kdig'),
    knsupdate: join(base, 'usr', 'bin', 'knsupdate'),
    libraryPath: join(libRoot, triplet),
    version: existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : 'unknown',
  };
}

function runTool(
  install: KnotInstall,
  command: string,
  args: readonly string[],
  input?: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      [...args],
      { env: { LD_LIBRARY_PATH: install.libraryPath, PATH: '/usr/bin:/bin' }, timeout: toolTimeoutMs },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

function runKnsupdate(
  install: KnotInstall,
  script: string,
  key: DnsRigKey,
): Promise<{ code: number; output: string }> {
  return runTool(
    install,
    install.knsupdate,
    ['-y', `${key.algorithm}:${key.name}:${key.secretBase64}`],
    script,
  );
}

/**
 * Runs Knot's `knsupdate` signing with `key`, without a rig: `script` holds its commands, `server` and `send`
 * included (a reference signer for tests that capture what it sends).
 */
export function knsupdate(script: string, key: DnsRigKey): Promise<{ code: number; output: string }> {
  return runKnsupdate(findKnot(), script, key);
}

function newKey(name: string, algorithm: TsigAlgorithm): DnsRigKey {
  return {
    name,
    algorithm,
    secretBase64: randomBytes(algorithm === 'hmac-sha512' ? 64 : 32).toString('base64'),
  };
}

function knotConfig(
  dir: string,
  port: number,
  zones: readonly DnsZoneSpec[],
  keys: readonly DnsRigKey[],
  updaters: readonly DnsRigKey[],
): string {
  const quoted = (path: string): string => JSON.stringify(path);
  return [
    'server:',
    `    rundir: ${quoted(dir)}`,
    `    pidfile: ${quoted(join(dir, 'knot.pid'))}`,
    `    listen: 127.0.0.1@${port}`,
    'database:',
    `    storage: ${quoted(join(dir, 'db'))}`,
    'control:',
    `    listen: ${quoted(join(dir, 'knot.sock'))}`,
    'log:',
    '  - target: stderr',
    '    any: info',
    'key:',
    ...keys.flatMap((key) => [
      `  - id: ${key.name}`,
      `    algorithm: ${key.algorithm}`,
      `    secret: ${key.secretBase64}`,
    ]),
    'acl:',
    '  - id: update',
    `    key: [${updaters.map((key) => key.name).join(', ')}]`,
    '    action: update',
    'template:',
    '  - id: default',
    `    storage: ${quoted(join(dir, 'zones'))}`,
    '    file: "%s.zone"',
    // Updates live in the journal only: the zone files stay as written, the temp dir goes at stop().
    '    zonefile-sync: -1',
    '    journal-content: changes',
    'zone:',
    ...zones.flatMap((zone) => [`  - domain: ${zone.name}`, '    acl: update']),
    '',
  ].join('\n');
}

async function startOnce(
  install: KnotInstall,
  zones: readonly DnsZoneSpec[],
  dir: string,
): Promise<DnsServerRig> {
  const port = await freeLoopbackPort();
  const keys = {
    sha256: newKey('kube-lego-sha256', 'hmac-sha256'),
    sha512: newKey('kube-lego-sha512', 'hmac-sha512'),
  };
  const unauthorizedKey = newKey('kube-lego-read-only', 'hmac-sha256');
  await mkdir(join(dir, 'zones'), { recursive: true });
  await mkdir(join(dir, 'db'), { recursive: true });
  for (const zone of zones) {
    await writeFile(
      join(dir, 'zones', `${zone.name}.zone`),
      [`$ORIGIN ${zone.name}.`, '$TTL 60', ...zone.records, ''].join('\n'),
    );
  }
  const configFile = join(dir, 'knot.conf');
  await writeFile(
    configFile,
    knotConfig(dir, port, zones, [keys.sha256, keys.sha512, unauthorizedKey], [keys.sha256, keys.sha512]),
    {
      mode: 0o600,
    },
  );

  const knotd: ManagedProcess = startManagedProcess({
    name: 'knotd',
    command: install.knotd,
    args: ['-c', configFile],
    env: { LD_LIBRARY_PATH: install.libraryPath },
    cwd: dir,
  });
  const dig = async (
    name: string,
    type: string,
    options: { readonly tcp?: boolean } = {},
  ): Promise<string[]> => {
    const args = [
      '@127.0.0.1',
      '-p',
      String(port),
      type,
      name,
      '+short',
      '+norecurse',
      '+time=2',
      '+retry=1',
      ...(options.tcp === true ? ['+tcp'] : []),
    ];
    const result = await runTool(install, install.kdig, args);
    if (result.code !== 0)
      throw new Error(`kdig ${args.join(' ')} failed (exit ${result.code}): ${result.output}`);
    return result.output.split('\n').filter((line) => line !== '');
  };
  try {
    // knotd binds its sockets before it logs this; a kdig sent earlier waits out its own retry timer.
    await waitUntil('knotd started', [knotd], () =>
      Promise.resolve(knotd.output().includes('server started')),
    );
    for (const zone of zones) {
      await waitUntil(`knotd served the SOA of ${zone.name} over UDP and TCP`, [knotd], async () => {
        const udp = await dig(zone.name, 'SOA');
        const tcp = await dig(zone.name, 'SOA', { tcp: true });
        return udp.length === 1 && tcp.length === 1;
      });
    }
  } catch (error) {
    await knotd.stop();
    if (error instanceof StartupError) {
      throw new StartupError(`${error.message}\n--- knotd (pid ${knotd.pid})\n${knotd.output()}`, {
        cause: error,
      });
    }
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    zones: zones.map((zone) => zone.name),
    keys,
    unauthorizedKey,
    version: install.version,
    pid: knotd.pid,
    dig,
    knsupdate: (script, key) => runKnsupdate(install, script, key),
    output: () => knotd.output(),
    stop: () => {
      stopped ??= (async () => {
        await knotd.stop();
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/**
 * Starts Knot DNS (`knotd` from `.tools/knot`, see scripts/install-dns.sh) on a free loopback port, UDP and TCP,
 * with a throwaway configuration: fresh TSIG keys, the given zones, dynamic updates allowed to the keys.
 * Callers must `stop()` it; knotd is also killed when the test process exits.
 */
export async function startDnsServer(options: DnsServerOptions = {}): Promise<DnsServerRig> {
  const install = findKnot();
  const zones = options.zones ?? defaultTestZones;
  let lastError: unknown;
  // A port chosen free can be taken before knotd binds it: start again on a fresh port.
  for (let attempt = 1; attempt <= startAttempts; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'kube-lego-knot-'));
    try {
      return await startOnce(install, zones, dir);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      lastError = error;
      if (!(error instanceof StartupError)) break;
    }
  }
  throw lastError;
}
