import type { EventLoopDelay } from './event-loop-probe.js';
import type { ControllerTrace } from './kube-lego-driver.js';

/**
 * The interface every benchmarked ACME client implements: the CLIs (lego, certbot), the libraries
 * in-process (acme-client, kube-lego's own client). Cases only talk to this interface, so a new peer is one
 * module and one line in the peer list.
 */

/** The ACME server a peer talks to (Pebble, or the counting proxy in front of it). */
export interface AcmeTarget {
  readonly directoryUrl: string;
  /** The CA that signed the server's HTTPS certificate, as PEM and as a file for child processes. */
  readonly caPem: string;
  readonly caFile: string;
  /** The port Pebble's VA dials for http-01; the peer serves its challenges there. */
  readonly httpPort: number;
}

export interface IssueRequest {
  readonly target: AcmeTarget;
  /** The names of one certificate. */
  readonly names: readonly string[];
  /** The tool's state directory (account, certificates). A fresh one means a first-time user. */
  readonly stateDir: string;
  readonly email: string;
}

export type IssueOutcome =
  | {
      readonly ok: true;
      readonly elapsedMs: number;
      /** Leaf first, then the chain the tool stored or returned. */
      readonly bundlePem: string;
      /** The certificate's key when the tool stores it where we can read it. */
      readonly keyPem?: string;
      /**
       * For a tool that makes one certificate per name instead of one for all (Caddy: one per site): every
       * one of them, each checked against its own name; `bundlePem` and `keyPem` are then the first's.
       */
      readonly perSite?: readonly SiteCertificate[];
      /** The controller's timeline of this issuance, for case 1's phase breakdown. */
      readonly trace?: ControllerTrace;
    }
  | { readonly ok: false; readonly elapsedMs: number; readonly error: string };

/** The certificate a one-certificate-per-site tool made for one name. */
export interface SiteCertificate {
  readonly name: string;
  readonly bundlePem: string;
  readonly keyPem: string;
}

export interface BatchRequest {
  readonly target: AcmeTarget;
  /** One entry per certificate. */
  readonly certificates: readonly (readonly string[])[];
  /** Shared by the whole batch: a user scripting many runs keeps one account. */
  readonly stateDir: string;
  readonly email: string;
  /** In-flight certificates for peers that can run concurrently; CLIs run one after another. */
  readonly concurrency: number;
  /** Called after each certificate of a long sequential batch, for progress output. */
  readonly onProgress?: (done: number) => void;
}

export interface BatchOutcome {
  readonly elapsedMs: number;
  /** How the batch ran, e.g. "sequential" or "concurrency 10". */
  readonly mode: string;
  readonly results: readonly IssueOutcome[];
  /** CPU seconds the tool's own process spent on the batch, when it runs apart (the controller). */
  readonly cpuSeconds?: number;
  /** How late the tool's event loop ran during the batch, when measured (the controller). */
  readonly eventLoopDelay?: EventLoopDelay;
}

export type PeerAvailability =
  | { readonly available: true; readonly version: string }
  | { readonly available: false; readonly reason: string };

export interface Peer {
  /** Stable id used in JSON results, e.g. "lego-sid". */
  readonly id: string;
  /** Display name without version, e.g. "lego (Debian sid)". */
  readonly name: string;
  /**
   * "cli": wall time includes process start; "in-process": a library call in the benchmark process;
   * "controller": kube-lego running against the sandbox, timed from Ingress apply to Secret stored.
   */
  readonly kind: 'cli' | 'in-process' | 'controller';
  probe(): Promise<PeerAvailability>;
  /** Obtains one certificate, timing the whole issuance. */
  issue(request: IssueRequest): Promise<IssueOutcome>;
  /** Obtains many certificates the way this tool's users would. */
  issueMany(request: BatchRequest): Promise<BatchOutcome>;
  /** Frees what the peer keeps between calls (a running controller); called at the end of each case. */
  release?(): Promise<void>;
}

/** Runs a batch one certificate after another with the same state directory, as a shell loop would. */
export async function issueSequentially(peer: Peer, request: BatchRequest): Promise<BatchOutcome> {
  const results: IssueOutcome[] = [];
  const started = performance.now();
  for (const names of request.certificates) {
    results.push(
      await peer.issue({ target: request.target, names, stateDir: request.stateDir, email: request.email }),
    );
    request.onProgress?.(results.length);
  }
  return { elapsedMs: performance.now() - started, mode: 'sequential', results };
}

/** Runs `work` over `items` with at most `concurrency` in flight, keeping results in input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      const item = items[index];
      if (item !== undefined) results[index] = await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

/** Issues every certificate of the batch at its concurrency; the time counts from `startedMs`. */
export async function concurrentBatch(
  request: BatchRequest,
  startedMs: number,
  issue: (names: readonly string[]) => Promise<IssueOutcome>,
): Promise<BatchOutcome> {
  const results = await mapWithConcurrency(request.certificates, request.concurrency, issue);
  return { elapsedMs: performance.now() - startedMs, mode: `concurrency ${request.concurrency}`, results };
}

/** The message of an unknown thrown value, without stack or key material. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
