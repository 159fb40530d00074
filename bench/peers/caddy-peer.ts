import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BatchOutcome,
  type BatchRequest,
  type IssueOutcome,
  type IssueRequest,
  type Peer,
  type SiteCertificate,
} from '../peer.js';
import { failureSummary, trackChild } from '../timed-command.js';
import { unpackedTool, unpackedToolAvailability } from '../tool-paths.js';

const runTimeoutMs = 300_000;
const pollMs = 10;
const tailBytes = 4096;

/**
 * Caddy's JSON configuration for a server that only manages certificates: the tls app automates the sites
 * with Caddy's ACME issuer (certmagic: one certificate per site, ARI on by default) against the target, the
 * http-01 solver on the port Pebble dials, tls-alpn-01 off (Pebble would dial 443), no admin endpoint.
 */
function caddyConfig(request: {
  readonly target: IssueRequest['target'];
  readonly names: readonly string[];
  readonly stateDir: string;
  readonly email: string;
}): unknown {
  return {
    admin: { disabled: true },
    storage: { module: 'file_system', root: join(request.stateDir, 'data') },
    apps: {
      tls: {
        certificates: { automate: request.names },
        automation: {
          policies: [
            {
              subjects: request.names,
              disable_ocsp_stapling: true,
              issuers: [
                {
                  module: 'acme',
                  ca: request.target.directoryUrl,
                  email: request.email,
                  trusted_roots_pem_files: [request.target.caFile],
                  challenges: {
                    bind_host: '127.0.0.1',
                    http: { alternate_port: request.target.httpPort },
                    'tls-alpn': { disabled: true },
                  },
                },
              ],
            },
          ],
        },
      },
    },
  };
}

/** The full paths of every file under `dir`; a missing folder has none. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

/**
 * certmagic stores a site's certificate, then its key, then its metadata (`<name>.json`) under
 * `certificates/<issuer>/<name>/`: a site is done when its metadata file exists.
 */
async function storedSites(dataDir: string, names: readonly string[]): Promise<Map<string, string>> {
  const wanted = new Set(names);
  const done = new Map<string, string>();
  for (const file of await filesUnder(join(dataDir, 'certificates'))) {
    const base = file.slice(file.lastIndexOf('/') + 1);
    if (!base.endsWith('.json')) continue;
    const name = base.slice(0, -'.json'.length);
    if (wanted.has(name)) done.set(name, file.slice(0, -'.json'.length));
  }
  return done;
}

/**
 * Runs `caddy run` with a configuration for the given sites until every site's certificate is stored, then
 * stops it. The time runs from spawn to the last certificate stored (Caddy is a server: it does not exit).
 */
async function runCaddy(
  binary: string,
  request: { target: IssueRequest['target']; names: readonly string[]; stateDir: string; email: string },
): Promise<{ elapsedMs: number; sites: SiteCertificate[] } | { elapsedMs: number; error: string }> {
  const configFile = join(request.stateDir, 'caddy.json');
  await writeFile(configFile, JSON.stringify(caddyConfig(request)));
  const dataDir = join(request.stateDir, 'data');
  let output = '';
  const started = performance.now();
  const child = spawn(binary, ['run', '--config', configFile], {
    cwd: request.stateDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: request.stateDir,
      XDG_CONFIG_HOME: join(request.stateDir, 'config'),
      XDG_DATA_HOME: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const untrack = child.pid === undefined ? () => undefined : trackChild(child.pid);
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-tailBytes);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = once(child, 'close').catch(() => undefined);
  try {
    for (;;) {
      const done = await storedSites(dataDir, request.names);
      if (done.size === request.names.length) {
        const elapsedMs = performance.now() - started;
        const sites: SiteCertificate[] = [];
        for (const [name, stem] of done) {
          sites.push({
            name,
            bundlePem: await readFile(`${stem}.crt`, 'utf8'),
            keyPem: await readFile(`${stem}.key`, 'utf8'),
          });
        }
        return { elapsedMs, sites };
      }
      const elapsedMs = performance.now() - started;
      if (child.exitCode !== null || child.signalCode !== null)
        return {
          elapsedMs,
          error: `caddy exited ${child.exitCode ?? child.signalCode}: ${failureSummary(output)}`,
        };
      if (elapsedMs > runTimeoutMs)
        return { elapsedMs, error: `caddy timed out after ${runTimeoutMs} ms: ${failureSummary(output)}` };
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
    untrack();
  }
}

/**
 * Caddy, the Go web server, as a user runs it to get certificates: `caddy run` with the sites in its
 * configuration, trusting Pebble's CA through the ACME issuer's `trusted_roots_pem_files`. certmagic makes
 * one certificate per site (a 3-name request gives 3 certificates) and keeps its default ECDSA P-256 keys.
 */
export function caddyPeer(): Peer {
  const tool = unpackedTool('caddy-sid', 'caddy');
  return {
    id: 'caddy-sid',
    name: 'Caddy (Debian sid)',
    kind: 'cli',
    probe: () => unpackedToolAvailability(tool),
    issue: async (request: IssueRequest): Promise<IssueOutcome> => {
      const run = await runCaddy(tool.binary, request);
      if ('error' in run) return { ok: false, elapsedMs: run.elapsedMs, error: run.error };
      const first = run.sites.find((site) => site.name === request.names[0]) ?? run.sites[0];
      if (first === undefined)
        return { ok: false, elapsedMs: run.elapsedMs, error: 'caddy stored no certificate' };
      return {
        ok: true,
        elapsedMs: run.elapsedMs,
        bundlePem: first.bundlePem,
        keyPem: first.keyPem,
        perSite: run.sites,
      };
    },
    // A Caddy user serves many sites from one configuration: one process, certmagic's own concurrency.
    issueMany: async (request: BatchRequest): Promise<BatchOutcome> => {
      const names = request.certificates.flat();
      const run = await runCaddy(tool.binary, { ...request, names });
      const results: IssueOutcome[] = request.certificates.map((certificate) => {
        if ('error' in run) return { ok: false, elapsedMs: run.elapsedMs, error: run.error };
        const sites = run.sites.filter((site) => certificate.includes(site.name));
        const first = sites[0];
        if (first === undefined)
          return { ok: false, elapsedMs: run.elapsedMs, error: 'caddy stored no certificate' };
        return sites.length === 1
          ? { ok: true, elapsedMs: run.elapsedMs, bundlePem: first.bundlePem, keyPem: first.keyPem }
          : {
              ok: true,
              elapsedMs: run.elapsedMs,
              bundlePem: first.bundlePem,
              keyPem: first.keyPem,
              perSite: sites,
            };
      });
      request.onProgress?.(results.length);
      return { elapsedMs: run.elapsedMs, mode: 'one process, all sites', results };
    },
  };
}
