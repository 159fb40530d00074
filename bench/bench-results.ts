import type { CasePhases } from './case1-phases.js';
import type { RequestCounts } from './counting-proxy.js';
import type { EventLoopDelay } from './event-loop-probe.js';
import type { ApiRequestCounts, SteadyFirstPass } from './kube-lego-driver.js';
import type { MachineInfo } from './machine-info.js';
import type { Peer } from './peer.js';
import type { SampleSummary } from './stats.js';

/** A tool as it appears in results. */
export interface ToolInfo {
  readonly id: string;
  readonly name: string;
  readonly kind: Peer['kind'];
  /** Present when the tool is available in this build/machine. */
  readonly version?: string;
  /** Why it could not run, when it could not. */
  readonly unavailableReason?: string;
}

export type RequestCountResult =
  | { readonly counted: true; readonly counts: RequestCounts; readonly timedThroughProxy: boolean }
  | { readonly counted: false; readonly reason: string };

/** Case 1 and case 4: one 3-name certificate, N runs. */
export interface SingleCertificateResult {
  readonly tool: ToolInfo;
  readonly runs: number;
  /** Runs that produced a certificate that passed every check. */
  readonly successes: number;
  /** Wall time of the successful runs. */
  readonly timesMs: readonly number[];
  readonly summary?: SampleSummary;
  /** Distinct failure messages (tool errors and certificate check failures), at most a few. */
  readonly failures: readonly string[];
  readonly requests?: RequestCountResult;
  /** Where the time of each run went, for the controller rows (see `case1-phases.ts`). */
  readonly phases?: CasePhases;
}

/** Case 2: many single-name certificates. */
export interface BatchResult {
  readonly tool: ToolInfo;
  readonly mode: string;
  readonly certificates: number;
  readonly runs: number;
  /** Total time of the runs in which every certificate was valid. */
  readonly totalTimesMs: readonly number[];
  readonly summary?: SampleSummary;
  /** Certificates per second at the median total time. */
  readonly certificatesPerSecond?: number;
  readonly validCertificates: number;
  readonly failures: readonly string[];
  /** CPU milliseconds per certificate of the tool's own process (last run), when measured apart. */
  readonly cpuMsPerCertificate?: number;
  /** How late the tool's event loop ran during the batch (last run), when measured (the controller). */
  readonly eventLoopDelay?: EventLoopDelay;
}

/** Case 3: kube-lego at rest over many Ingresses with valid certificates. */
export interface SteadyStateResult {
  readonly ingressCount: number;
  readonly outcome:
    | ({
        readonly status: 'measured';
        /** Creating the fixture before the controller starts (not what is measured); absent in older reports. */
        readonly seedMs?: number;
        /** The periodic re-check, where this size measured one. */
        readonly recheck?: RecheckResult;
      } & Omit<SteadyFirstPass, 'seedMs' | 'window'>)
    | { readonly status: 'not-available' | 'failed'; readonly reason: string };
}

/** Case 3's periodic re-check at one size. */
export type RecheckResult =
  | {
      readonly status: 'measured';
      readonly wallMs: number;
      readonly cpuSeconds: number;
      readonly cpuMsPerCertificate: number;
      readonly peakRssBytes: number;
      readonly apiRequests: ApiRequestCounts;
      /** False when another measured window (a first pass, a re-check) overlapped this one. */
      readonly alone: boolean;
    }
  | { readonly status: 'failed'; readonly reason: string };

export interface FloorValue {
  readonly toolId: string;
  readonly ms: number;
}

export interface TargetVerdict {
  readonly target: string;
  readonly measured: string;
  readonly verdict: 'met' | 'missed' | 'not available';
}

export interface BenchReport {
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly commit: string;
  readonly versions: Readonly<Record<string, string>>;
  /** NODE_OPTIONS of every controller run, read from the Dockerfile (absent in older reports). */
  readonly controllerNodeOptions?: string;
  readonly parameters: {
    readonly case1Runs: number;
    readonly case2Certificates: number;
    readonly case2Concurrency: number;
    readonly case3IngressCounts: readonly number[];
    /** The case 3 sizes that measured the periodic re-check (absent in older reports). */
    readonly case3RecheckCounts?: readonly number[];
    readonly case4Runs: number;
    readonly case4NonceRejectPercent: number;
  };
  readonly case1: readonly SingleCertificateResult[];
  readonly case2: readonly BatchResult[];
  readonly case3: readonly SteadyStateResult[];
  readonly case4: readonly SingleCertificateResult[];
  readonly floor: {
    readonly case1?: FloorValue;
    readonly case2?: FloorValue;
    readonly case2PerCertificateMs?: number;
  };
  /** kube-lego's times over the floor (and over the fastest peer), where both are measured. */
  readonly ratios: readonly { readonly label: string; readonly value?: number; readonly note: string }[];
  readonly targets: readonly TargetVerdict[];
  /** Cases measured by a later `--update` run, with when: their numbers are not from the run above. */
  readonly updates?: readonly {
    readonly cases: readonly string[];
    readonly startedAt: string;
    readonly commit: string;
  }[];
  /** Tools that should have produced valid certificates in cases 1 and 2 and did not (the smoke-test failure list). */
  readonly problems: readonly string[];
}
