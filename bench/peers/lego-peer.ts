import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  issueSequentially,
  type BatchRequest,
  type IssueOutcome,
  type IssueRequest,
  type Peer,
} from '../peer.js';
import { failureSummary, runTimedCommand } from '../timed-command.js';
import { unpackedTool, unpackedToolAvailability } from '../tool-paths.js';

const runTimeoutMs = 300_000;

/**
 * lego, the Go CLI, as a user runs it: `lego ... --http --http.port 127.0.0.1:<port> run`, trusting Pebble's
 * CA through LEGO_CA_CERTIFICATES. Its default key type (ec256) is kept.
 */
export function legoPeer(options: { readonly suite: 'sid' | 'bookworm' }): Peer {
  const tool = unpackedTool(`lego-${options.suite}`, 'lego');
  const peer: Peer = {
    id: `lego-${options.suite}`,
    name: `lego (Debian ${options.suite})`,
    kind: 'cli',
    probe: () => unpackedToolAvailability(tool),
    issue: async (request: IssueRequest): Promise<IssueOutcome> => {
      const first = request.names[0] ?? '';
      const args = [
        '--server',
        request.target.directoryUrl,
        '--accept-tos',
        '--email',
        request.email,
        '--path',
        request.stateDir,
        '--http',
        '--http.port',
        `127.0.0.1:${request.target.httpPort}`,
        ...request.names.flatMap((name) => ['--domains', name]),
        'run',
      ];
      const result = await runTimedCommand({
        command: tool.binary,
        args,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: request.stateDir,
          LEGO_CA_CERTIFICATES: request.target.caFile,
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
          error: `lego ${why}: ${failureSummary(result.outputTail)}`,
        };
      }
      const certificates = join(request.stateDir, 'certificates');
      try {
        // lego names files after the first domain; the .crt is the leaf followed by the issuer (bundle).
        const bundlePem = await readFile(join(certificates, `${first}.crt`), 'utf8');
        const keyPem = await readFile(join(certificates, `${first}.key`), 'utf8');
        return { ok: true, elapsedMs: result.elapsedMs, bundlePem, keyPem };
      } catch {
        return {
          ok: false,
          elapsedMs: result.elapsedMs,
          error: `lego exited 0 but wrote no ${first}.crt/.key`,
        };
      }
    },
    issueMany: (request: BatchRequest) => issueSequentially(peer, request),
  };
  return peer;
}
