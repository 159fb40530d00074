import { parseArgs } from 'node:util';

export const caseIds = ['case1', 'case2', 'case3', 'case4'] as const;
export type CaseId = (typeof caseIds)[number];

export interface BenchOptions {
  readonly mode: 'quick' | 'full';
  readonly case1Runs: number;
  readonly case2Certificates: number;
  readonly case2Concurrency: number;
  readonly case3IngressCounts: readonly number[];
  /** The case 3 sizes whose periodic re-check is measured too (the 30,000 and one below it). */
  readonly case3RecheckCounts: readonly number[];
  /** `LEGO_CHECK_INTERVAL` of those runs: its minimum, so the wait is as short as the controller allows. */
  readonly case3CheckInterval: string;
  readonly case4Runs: number;
  readonly case4NonceRejectPercent: number;
  readonly cases: readonly CaseId[];
  /** Peer ids to run; empty means all. */
  readonly peers: readonly string[];
  /** Whether to rewrite the generated section of docs/benchmarks.md. */
  readonly writeDocs: boolean;
  /** Re-render docs/benchmarks.md from a saved results file instead of running. */
  readonly fromJson?: string;
  /** Run only `cases` and put their results into this saved results file's report (marked as a later run). */
  readonly update?: string;
}

export type OptionsResult =
  { readonly ok: true; readonly options: BenchOptions } | { readonly ok: false; readonly message: string };

export const usage = `Usage: npm run bench -- [--quick] [--runs N] [--certificates N] [--cases case1,case2,case3,case4]
                        [--peers lego-sid,lego-bookworm,certbot,acme-client,kube-lego-floor,kube-lego-acme,kube-lego,kube-lego-rsa] [--no-docs] [--docs]
                        [--ingresses N,N] [--recheck N,N] [--from-json FILE] [--update FILE]
  --quick          smoke sizes (1 run per tool, 3 certificates in case 2, 1,000 Ingresses in case 3); exits
                   non-zero when a tool fails to produce a valid certificate in case 1 or 2
  --runs N         runs per tool in cases 1 and 4 (full: 10)
  --certificates N certificates in case 2 (full: 100)
  --ingresses N,N  case 3 sizes (full: 1000,10000,30000,100000; quick: 1000)
  --recheck N,N    case 3 sizes that also wait 5 minutes for the periodic re-check (full: 10000,30000;
                   quick: none)
  --no-docs        do not rewrite the generated section of docs/benchmarks.md (full mode writes it)
  --docs           rewrite it after a --quick run too (quick runs only write bench/results/ by default)
  --from-json FILE re-render docs/benchmarks.md from a saved bench/results/*.json (no run)
  --update FILE    run only --cases and replace those cases in a saved report (the report says so)`;

function positive(name: string, value: string | undefined, fallback: number): number | string {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0
    ? parsed
    : `--${name} must be a positive integer, got "${value}"`;
}

function list(value: string | undefined): string[] {
  return value === undefined
    ? []
    : value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
}

function sizes(name: string, value: string | undefined, fallback: readonly number[]): number[] | string {
  if (value === undefined) return [...fallback];
  const counts: number[] = [];
  for (const item of list(value)) {
    const count = positive(name, item, 0);
    if (typeof count === 'string') return count;
    counts.push(count);
  }
  return counts;
}

/** Parses the command line; pure apart from reading argv given to it. */
export function parseBenchOptions(argv: readonly string[]): OptionsResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean', default: false },
        runs: { type: 'string' },
        certificates: { type: 'string' },
        cases: { type: 'string' },
        peers: { type: 'string' },
        ingresses: { type: 'string' },
        recheck: { type: 'string' },
        'no-docs': { type: 'boolean', default: false },
        docs: { type: 'boolean', default: false },
        'from-json': { type: 'string' },
        update: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (error) {
    return { ok: false, message: `${error instanceof Error ? error.message : String(error)}\n${usage}` };
  }
  const values = parsed.values;
  if (values.help) return { ok: false, message: usage };
  const quick = values.quick;
  const runs = positive('runs', values.runs, quick ? 1 : 10);
  const certificates = positive('certificates', values.certificates, quick ? 3 : 100);
  if (typeof runs === 'string') return { ok: false, message: runs };
  if (typeof certificates === 'string') return { ok: false, message: certificates };
  const ingressCounts = sizes(
    'ingresses',
    values.ingresses,
    quick ? [1_000] : [1_000, 10_000, 30_000, 100_000],
  );
  if (typeof ingressCounts === 'string') return { ok: false, message: ingressCounts };
  const recheckCounts = sizes('recheck', values.recheck, quick ? [] : [10_000, 30_000]);
  if (typeof recheckCounts === 'string') return { ok: false, message: recheckCounts };
  const notRun = recheckCounts.filter((count) => !ingressCounts.includes(count));
  if (notRun.length > 0) {
    return {
      ok: false,
      message: `--recheck: ${notRun.join(', ')} not among the case 3 sizes ${ingressCounts.join(', ')}`,
    };
  }
  const cases = list(values.cases);
  const unknown = cases.filter((id) => !(caseIds as readonly string[]).includes(id));
  if (unknown.length > 0) {
    return { ok: false, message: `--cases: unknown ${unknown.join(', ')}; accepted: ${caseIds.join(', ')}` };
  }
  return {
    ok: true,
    options: {
      mode: quick ? 'quick' : 'full',
      case1Runs: runs,
      case2Certificates: certificates,
      case2Concurrency: 10,
      case3IngressCounts: ingressCounts,
      case3RecheckCounts: recheckCounts,
      case3CheckInterval: '5m',
      case4Runs: runs,
      case4NonceRejectPercent: 50,
      cases: cases.length === 0 ? caseIds : caseIds.filter((id) => cases.includes(id)),
      peers: list(values.peers),
      // A CI smoke run must not rewrite a committed file: quick runs write docs only when asked to.
      writeDocs: quick ? values.docs && !values['no-docs'] : !values['no-docs'],
      ...(values['from-json'] === undefined ? {} : { fromJson: values['from-json'] }),
      ...(values.update === undefined ? {} : { update: values.update }),
    },
  };
}
