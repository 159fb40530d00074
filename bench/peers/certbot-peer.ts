import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  issueSequentially,
  type BatchRequest,
  type IssueOutcome,
  type IssueRequest,
  type Peer,
  type PeerAvailability,
} from '../peer.js';
import { failureSummary, runTimedCommand } from '../timed-command.js';
import { unpackedTool } from '../tool-paths.js';

const runTimeoutMs = 300_000;

/**
 * certbot (Debian's package) as a user runs it: `certonly --standalone` on the port Pebble dials, its
 * config/work/logs directories in the state directory, trusting Pebble's CA through REQUESTS_CA_BUNDLE.
 * bookworm's (2.1) is installed system-wide; sid's (5.x) is unpacked with sid's Python and libraries and
 * started by the launcher scripts/install-peers.sh writes beside them.
 */
export function certbotPeer(options: { readonly suite: 'sid' | 'bookworm' }): Peer {
  const certbotBinary =
    options.suite === 'sid' ? unpackedTool('certbot-sid', 'certbot', 'bin').binary : '/usr/bin/certbot';
  const peer: Peer = {
    id: options.suite === 'sid' ? 'certbot-sid' : 'certbot',
    name: `certbot (Debian ${options.suite})`,
    kind: 'cli',
    probe: () => certbotVersion(certbotBinary),
    issue: async (request: IssueRequest): Promise<IssueOutcome> => {
      const lineage = request.names[0] ?? 'certificate';
      const config = join(request.stateDir, 'config');
      const args = [
        'certonly',
        '--standalone',
        '--http-01-address',
        '127.0.0.1',
        '--http-01-port',
        String(request.target.httpPort),
        '--server',
        request.target.directoryUrl,
        '--config-dir',
        config,
        '--work-dir',
        join(request.stateDir, 'work'),
        '--logs-dir',
        join(request.stateDir, 'logs'),
        '--agree-tos',
        '-m',
        request.email,
        '--no-eff-email',
        '--non-interactive',
        '--cert-name',
        lineage,
        ...request.names.flatMap((name) => ['-d', name]),
      ];
      const result = await runTimedCommand({
        command: certbotBinary,
        args,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: request.stateDir,
          REQUESTS_CA_BUNDLE: request.target.caFile,
        },
        cwd: request.stateDir,
        timeoutMs: runTimeoutMs,
      });
      if (result.exitCode !== 0) {
        const why = result.timedOut
          ? `timed out after ${runTimeoutMs} ms`
          : `exit ${result.exitCode ?? result.signal}`;
        return {
          ok: false,
          elapsedMs: result.elapsedMs,
          error: `certbot ${why}: ${failureSummary(result.outputTail)}`,
        };
      }
      try {
        const live = join(config, 'live', lineage);
        const bundlePem = await readFile(join(live, 'fullchain.pem'), 'utf8');
        const keyPem = await readFile(join(live, 'privkey.pem'), 'utf8');
        return { ok: true, elapsedMs: result.elapsedMs, bundlePem, keyPem };
      } catch {
        return {
          ok: false,
          elapsedMs: result.elapsedMs,
          error: `certbot exited 0 but wrote no live/${lineage}`,
        };
      }
    },
    issueMany: (request: BatchRequest) => issueSequentially(peer, request),
  };
  return peer;
}

/** Runs `certbot --version`: the launcher of the unpacked tree can be present yet fail to start. */
async function certbotVersion(binary: string): Promise<PeerAvailability> {
  try {
    const { stdout, stderr } = await promisify(execFile)(binary, ['--version'], { timeout: 30_000 });
    const version = /certbot\s+(\S+)/.exec(`${stdout} ${stderr}`)?.[1];
    return version === undefined
      ? { available: false, reason: `${binary} --version printed no version` }
      : { available: true, version: `${version}${knownCertbotFlaw(version)}` };
  } catch {
    return { available: false, reason: `${binary} is missing: run scripts/install-peers.sh` };
  }
}

/**
 * A note for the version column when the version has a flaw the benchmark runs into. certbot retries a
 * `badNonce` once; before 2.2, on Python 3.11 and later, an ACME error that then propagates (the second
 * `badNonce` of case 4) ends it with `AttributeError: can't set attribute` instead of the server's message
 * (certbot issue 9539, fixed in 2.2.0).
 */
export function knownCertbotFlaw(version: string): string {
  return /^(0|1|2\.[01])\./.test(version) ? ', crashes on badNonce (certbot#9539)' : '';
}
