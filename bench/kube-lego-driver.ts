/**
 * The seam between the benchmark and the kube-lego controller. The controller's cases (1 and 2 through
 * Ingresses, 3 steady state) only call this interface; its implementation lives in
 * `bench/controller-driver.ts`, written alongside the controller, which exports
 * `createKubeLegoDriver(): KubeLegoDriver`. Until that module exists the cases report
 * "not available in this build" and never a number. Types only: `load-kube-lego-driver.ts` picks the
 * implementation, so the drivers can import these types without an import cycle.
 */
import type { EventLoopDelay } from './event-loop-probe.js';
import type { AcmeTarget } from './peer.js';

/** One Ingress with one TLS entry, as a user would apply it (annotated `kubernetes.io/tls-acme: "true"`). */
export interface IngressCertificate {
  readonly namespace: string;
  readonly ingressName: string;
  readonly secretName: string;
  readonly hosts: readonly string[];
}

export interface ControllerStartRequest {
  /** The ACME server (Pebble, or the counting proxy in front of it) and the CA file to trust for it. */
  readonly target: AcmeTarget;
  /** Scratch directory for the sandbox kubeconfig, controller logs and anything else. */
  readonly workDir: string;
  readonly email: string;
  /** `LEGO_KEY_TYPE` of the controller; the controller's default (rsa) when absent. */
  readonly keyType?: 'rsa' | 'ecdsa-p256';
  /**
   * Record a `ControllerTrace` of each apply (the controller then logs at debug level, in JSON, for the
   * challenge tokens it serves): case 1's phase breakdown.
   */
  readonly trace?: boolean;
}

/** One API request from the sandbox audit log, on the benchmark's clock (epoch milliseconds). */
export interface TracedApiRequest {
  /** The controller's own sandbox user, or the benchmark applying the Ingresses. */
  readonly by: 'controller' | 'benchmark';
  readonly verb: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  /** When the request arrived at the sandbox (millisecond resolution). */
  readonly atMs: number;
}

/** What happened between an apply and the Secret seen stored, each with when (epoch milliseconds). */
export interface ControllerTrace {
  /** Just before the benchmark sent the Ingresses. */
  readonly appliedAtMs: number;
  /** When the benchmark saw the last Secret hold the CA's certificate (the end of the timed interval). */
  readonly seenAtMs: number;
  readonly api: readonly TracedApiRequest[];
  /** The controller's debug lines for each challenge token it served, timed as they reached the benchmark. */
  readonly tokensServed: readonly { readonly host: string; readonly atMs: number }[];
}

export interface StoredCertificate {
  readonly namespace: string;
  readonly secretName: string;
  /** `tls.crt` (leaf then chain) and `tls.key` of the stored Secret. */
  readonly certificatePem: string;
  readonly keyPem: string;
}

export type ControllerIssueOutcome =
  | {
      readonly ok: true;
      /** From the moment the Ingresses were applied to the moment the last Secret was stored. */
      readonly elapsedMs: number;
      readonly stored: readonly StoredCertificate[];
      /** CPU time (user + system) the controller process spent from the apply to the last Secret, when known. */
      readonly cpuSeconds?: number;
      /** How late the controller's event loop ran from the apply to the last Secret, when measured. */
      readonly eventLoopDelay?: EventLoopDelay;
      /** With `trace` at start. */
      readonly trace?: ControllerTrace;
    }
  | { readonly ok: false; readonly elapsedMs: number; readonly error: string };

/** A controller process running against a sandbox API server, already synced. */
export interface RunningController {
  /** Applies all Ingresses at once and resolves when every Secret is stored, or with an error on timeout. */
  applyAndWait(ingresses: readonly IngressCertificate[], timeoutMs: number): Promise<ControllerIssueOutcome>;
  /** Stops the controller and the sandbox (by PID / close), even after a failure. Idempotent. */
  stop(): Promise<void>;
}

export interface SteadyStateRequest {
  /** An ACME server for the controller's account; no certificate should be ordered in this case. */
  readonly target: AcmeTarget;
  readonly email: string;
  readonly workDir: string;
  /** Annotated Ingresses, each with a Secret already holding a valid certificate for its hosts. */
  readonly ingressCount: number;
  readonly timeoutMs: number;
  /** `LEGO_CHECK_INTERVAL` of the controller (the periodic re-check `recheck()` waits for); default 8h. */
  readonly checkInterval?: string;
}

/** API requests the controller made, from the sandbox audit log. */
export interface ApiRequestCounts {
  readonly total: number;
  /** List operations: first pages only (a paged list of 10,000 objects is one list in 20 requests). */
  readonly lists: number;
  /** Every list request, continuation pages included. */
  readonly listPages: number;
  readonly watches: number;
  readonly gets: number;
  /** create, update, patch, delete. The target is zero. */
  readonly writes: number;
}

/** The first pass over a cluster at rest: from the controller's start until every Ingress was checked. */
export interface SteadyFirstPass {
  /** How long creating the Ingresses and Secrets took (the fixture, before the controller starts). */
  readonly seedMs: number;
  /** From controller process start until every Ingress has been checked. */
  readonly startToAllCheckedMs: number;
  readonly peakRssBytes: number;
  readonly cpuSeconds: number;
  /** The memory limit the controller ran under (a pod's, through a memory cgroup), or why it had none. */
  readonly memoryLimit?: string;
  readonly apiRequests: ApiRequestCounts;
  /** Warnings and errors the controller logged meanwhile, with counts: evidence for a missed target. */
  readonly logged?: readonly string[];
  /** `performance.now()` from the start of the seeding to the end of the pass, to tell whether runs overlapped. */
  readonly window: MeasuredWindow;
}

export interface MeasuredWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/** The periodic re-check (`LEGO_CHECK_INTERVAL` after the start): every certificate looked at again. */
export type RecheckOutcome =
  | {
      readonly ok: true;
      /** From the controller's "Periodically check certificates" line to the last certificate checked. */
      readonly wallMs: number;
      readonly cpuSeconds: number;
      /** VmHWM at the end of the re-check (the whole run's peak). */
      readonly peakRssBytes: number;
      /** Requests from the call of `recheck()` (the idle wait's re-watches included) to a second after the last check. */
      readonly apiRequests: ApiRequestCounts;
      readonly window: MeasuredWindow;
    }
  | { readonly ok: false; readonly error: string };

/** A controller that has made its first pass and keeps running until `stop()`. */
export type SteadyStateRun =
  | {
      readonly ok: true;
      readonly firstPass: SteadyFirstPass;
      /** Waits for the periodic re-check and measures it; call at most once. */
      recheck(): Promise<RecheckOutcome>;
      /** Stops the controller and its sandbox. Idempotent. */
      stop(): Promise<void>;
    }
  | { readonly ok: false; readonly error: string };

export interface KubeLegoDriver {
  /** kube-lego's version and how it runs (e.g. "1.0.0 as a child process against the sandbox"). */
  describe(): Promise<string>;
  start(request: ControllerStartRequest): Promise<RunningController>;
  /** Case 3; a driver without it reports case 3 as not available. */
  steadyState?(request: SteadyStateRequest): Promise<SteadyStateRun>;
}

export type DriverAvailability =
  | { readonly available: true; readonly driver: KubeLegoDriver }
  | { readonly available: false; readonly reason: string };
