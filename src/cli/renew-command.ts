import type { CertificateInventory, InventorySecret } from '../adapters/kube/certificate-inventory.js';
import {
  formatTime,
  isManagedSecret,
  parseIssuanceRecord,
  toWholeSecondsMs,
} from '../domain/secret-annotations.js';
import { secretKey, type SecretKey } from '../domain/types.js';
import { certificateReport } from './certificate-report.js';
import type { ClusterFlags } from './cluster-connection.js';
import { runWithCluster, type CommandIo } from './command-context.js';
import { secretTarget } from './secret-target.js';

export interface RenewOptions extends ClusterFlags {
  /** `NAMESPACE/SECRET`; absent with `all`. */
  readonly target?: string;
  /** Every certificate kube-lego manages in the namespace. */
  readonly all: boolean;
  /** Return once the request is set, without waiting for its outcome. */
  readonly wait: boolean;
  readonly timeoutMs: number;
  /** How often the Secret is read while waiting. @default 1000 */
  readonly pollIntervalMs?: number;
}

interface Target {
  readonly namespace: string;
  readonly name: string;
  readonly before: InventorySecret;
}

/** How a renewal request ended. */
type Outcome =
  | { readonly kind: 'renewed'; readonly secret: InventorySecret }
  | { readonly kind: 'failed'; readonly secret: InventorySecret }
  | { readonly kind: 'withdrawn' }
  | { readonly kind: 'timedOut'; readonly progress: string };

/** The certificate from the CA in the Secret (a temporary self-signed one does not count), as a serial. */
function caSerial(secret: InventorySecret | undefined): string | undefined {
  const cert = secret?.snapshot.certificate;
  return cert?.state === 'parsed' && !cert.info.selfSigned ? secret?.serialHex : undefined;
}

/** What the controller is doing about the request, from the Secret's record: the progress line. */
function progressOf(secret: InventorySecret | undefined, requestedMs: number): string {
  if (secret === undefined) return 'the secret is gone';
  const { record } = parseIssuanceRecord(secret.snapshot.annotations);
  if (record.renewRequestedMs === undefined) return 'request served';
  if (record.retryNotBeforeMs !== undefined && record.retryNotBeforeMs > requestedMs) {
    return record.lastFailureReason === 'RateLimited'
      ? `rate-limited by the CA until ${formatTime(record.retryNotBeforeMs)}`
      : `waiting for the CA until ${formatTime(record.retryNotBeforeMs)}`;
  }
  if (record.orderUrl !== undefined) return `order in flight (${record.orderUrl})`;
  return 'requested, waiting for kube-lego to pick it up';
}

/**
 * The outcome once the controller has served the request: it removes `kube-lego/renew-requested` in the
 * same write that stores the new certificate or records the failure.
 */
function outcomeOf(
  target: Target,
  now: InventorySecret | undefined,
  requestedMs: number,
): Outcome | undefined {
  if (now === undefined) return { kind: 'withdrawn' };
  const { record } = parseIssuanceRecord(now.snapshot.annotations);
  if (record.renewRequestedMs !== undefined && record.renewRequestedMs >= requestedMs) return undefined;
  const serial = caSerial(now);
  if (serial !== undefined && serial !== caSerial(target.before)) return { kind: 'renewed', secret: now };
  if (record.lastFailureMs !== undefined && record.lastFailureMs >= requestedMs)
    return { kind: 'failed', secret: now };
  return { kind: 'withdrawn' };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(
  inventory: CertificateInventory,
  targets: readonly Target[],
  options: {
    readonly requestedMs: number;
    readonly timeoutMs: number;
    readonly pollIntervalMs: number;
    readonly io: CommandIo;
  },
): Promise<Map<Target, Outcome>> {
  const { io, requestedMs } = options;
  const outcomes = new Map<Target, Outcome>();
  const progress = new Map<Target, string>();
  const startMs = io.nowMs();
  let shown = '';
  const show = (line: string, elapsedS: number): void => {
    // On a terminal the line is rewritten in place; in a log, it is printed when it changes.
    if (io.err.isTTY === true) io.err.write(`\r\u001b[K${line} (${elapsedS}s)`);
    else if (line !== shown) io.err.write(`${line}\n`);
    shown = line;
  };
  // Shown before the first read, so even an answer that comes at once leaves a line saying what was waited for.
  show(
    targets.length === 1 && targets[0] !== undefined
      ? `waiting for ${targets[0].namespace}/${targets[0].name}: requested`
      : `waiting for ${targets.length} certificates`,
    0,
  );
  for (;;) {
    for (const target of targets) {
      if (outcomes.has(target)) continue;
      const now = await inventory.secret(target.namespace, target.name);
      const outcome = outcomeOf(target, now, requestedMs);
      if (outcome !== undefined) outcomes.set(target, outcome);
      else progress.set(target, progressOf(now, requestedMs));
    }
    const open = targets.filter((t) => !outcomes.has(t));
    const elapsedS = Math.round((io.nowMs() - startMs) / 1000);
    if (open.length === 0) break;
    if (io.nowMs() - startMs >= options.timeoutMs) {
      for (const target of open)
        outcomes.set(target, { kind: 'timedOut', progress: progress.get(target) ?? 'no answer' });
      break;
    }
    const line =
      open.length === 1 && open[0] !== undefined
        ? `waiting for ${open[0].namespace}/${open[0].name}: ${progress.get(open[0]) ?? ''}`
        : `waiting for ${open.length} of ${targets.length} certificates`;
    show(line, elapsedS);
    await sleep(options.pollIntervalMs);
  }
  if (io.err.isTTY === true) io.err.write('\r\u001b[K');
  return outcomes;
}

function outcomeLine(target: Target, outcome: Outcome): string {
  const key = `${target.namespace}/${target.name}`;
  switch (outcome.kind) {
    case 'renewed': {
      const cert = outcome.secret.snapshot.certificate;
      const until = cert.state === 'parsed' ? `, valid until ${formatTime(cert.info.notAfterMs)}` : '';
      const was = caSerial(target.before);
      return `Renewed ${key}: new certificate serial ${outcome.secret.serialHex ?? '?'}${until}${was === undefined ? '' : ` (was serial ${was})`}`;
    }
    case 'failed': {
      const { record } = parseIssuanceRecord(outcome.secret.snapshot.annotations);
      const retry =
        record.retryNotBeforeMs === undefined
          ? ''
          : `; kube-lego makes no new attempt before ${formatTime(record.retryNotBeforeMs)}`;
      return `Cannot renew ${key}: the attempt failed (${record.lastFailureReason ?? 'Unknown'}) at ${formatTime(record.lastFailureMs ?? 0)}${retry}; run kube-lego explain ${key} for the Events`;
    }
    case 'withdrawn':
      return `Cannot renew ${key}: the renewal request was removed (or the secret deleted) before kube-lego served it`;
    case 'timedOut':
      return `Cannot renew ${key} in time: still ${outcome.progress}; the request stays on the secret and kube-lego serves it later`;
  }
}

/**
 * `kube-lego renew`: sets `kube-lego/renew-requested` on the Secret(s), then (unless `--no-wait`) waits with a
 * progress line until the controller has stored a new certificate or recorded a failure, and prints the
 * outcome. Exit code 0 only when every certificate was renewed (or, with `--no-wait`, requested).
 */
export function renewCommand(options: RenewOptions, io: CommandIo): Promise<number> {
  return runWithCluster(options, io, async ({ cluster, policy }) => {
    const { inventory } = cluster;
    const nowMs = io.nowMs();
    const named = options.target === undefined ? undefined : secretTarget(options.target, cluster.namespace);
    const report = await certificateReport(inventory, {
      namespace: named?.namespace ?? cluster.namespace,
      policy,
      nowMs,
    });
    const keys: readonly SecretKey[] =
      named === undefined
        ? report.plan.entries.map((e) => e.desired.key)
        : [secretKey(named.namespace, named.name)];
    const targets: Target[] = [];
    for (const key of keys) {
      const slash = key.indexOf('/');
      const namespace = key.slice(0, slash);
      const name = key.slice(slash + 1);
      const wanted = report.plan.entries.some((e) => e.desired.key === key);
      const before = report.secrets.get(key);
      const managed =
        before !== undefined &&
        isManagedSecret(before.snapshot.labels, before.snapshot.annotations, policy.annotationKey);
      if (!wanted || before === undefined || !managed) {
        if (options.all) continue;
        io.err.write(
          `error: cannot renew ${key}: ${!wanted ? `no Ingress in namespace "${namespace}" asks kube-lego for it` : before === undefined ? 'the secret does not exist yet (kube-lego is issuing its first certificate)' : 'kube-lego does not manage this secret'}\n`,
        );
        return 1;
      }
      targets.push({ namespace, name, before });
    }
    if (targets.length === 0) {
      io.err.write(`error: kube-lego manages no certificate in namespace "${cluster.namespace}"\n`);
      return 1;
    }
    // Whole seconds, as the annotation stores it: the controller serves a request whose time has come.
    const requestedMs = toWholeSecondsMs(nowMs);
    for (const target of targets) await inventory.requestRenewal(target.namespace, target.name, requestedMs);
    if (!options.wait) {
      for (const target of targets)
        io.out.write(
          `Requested renewal of ${target.namespace}/${target.name} at ${formatTime(requestedMs)}\n`,
        );
      return 0;
    }
    const outcomes = await waitFor(inventory, targets, {
      requestedMs,
      timeoutMs: options.timeoutMs,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      io,
    });
    let failed = false;
    for (const target of targets) {
      const outcome = outcomes.get(target) ?? { kind: 'withdrawn' };
      if (outcome.kind !== 'renewed') failed = true;
      io.out.write(`${outcomeLine(target, outcome)}\n`);
    }
    return failed ? 1 : 0;
  });
}
