import type { IngressView, SecretSnapshot } from '../../src/domain/types.js';
import type { IssuedMaterial, IssueRequest } from '../../src/ports/issuer.js';
import type {
  SecretLookup,
  SecretWrite,
  SecretWriteResult,
  StoredSecret,
} from '../../src/ports/secret-access.js';
import { DesiredCache } from '../../src/reconcile/desired-index.js';
import { Reconciler, type ReconcilerSettings } from '../../src/reconcile/reconciler.js';
import { Semaphore } from '../../src/runtime/semaphore.js';
import { DAY_MS, NOW_MS, planPolicy } from '../support/builders.js';
import { recordingLog, type LogLine } from './recording-log.js';

/** What the rig's issuer answers by default: a certificate `CERT` with key `KEY`, valid 90 days from NOW_MS. */
export function issuedMaterial(overrides: Partial<IssuedMaterial> = {}): IssuedMaterial {
  return {
    certificatePem: 'CERT',
    privateKeyPem: 'KEY',
    orderUrl: 'https://ca.example/order/1',
    validity: { notBeforeMs: NOW_MS, notAfterMs: NOW_MS + 90 * DAY_MS },
    accountUrl: 'https://ca.example/account/1',
    certId: undefined,
    ...overrides,
  };
}

/** A stored Secret as the API server would hold a snapshot: `tls.crt` and `tls.key` of placeholder bytes. */
function storedOf(snapshot: SecretSnapshot): StoredSecret {
  return {
    snapshot,
    type: snapshot.type,
    certificatePem: 'PEM',
    data: { 'tls.crt': 'UEVN', 'tls.key': 'S0VZ' },
  };
}

/** What a write leaves in the store when the rig keeps writes: its data and annotations, no certificate. */
function storedWrite(write: SecretWrite): StoredSecret {
  return {
    snapshot: {
      namespace: write.namespace,
      name: write.name,
      type: write.type,
      labels: write.labels,
      annotations: write.annotations,
      dataKeys: Object.keys(write.data),
      certificate: { state: 'invalid', problem: 'not a certificate (unit test)' },
    },
    type: write.type,
    certificatePem: undefined,
    data: write.data,
  };
}

/** An Event the reconciler recorded, with how many orders had been asked of the issuer by then. */
export interface RecordedEvent {
  readonly reason: string;
  readonly message: string;
  readonly issuedBefore: number;
}

/** How the rig's fakes behave; every field has a default. */
export interface ReconcilerRigOptions {
  /** The Ingresses the desired state is computed from (more can be added with `change`). */
  readonly ingresses?: readonly IngressView[];
  /** Secrets in the store before the first reconcile. */
  readonly stored?: readonly SecretSnapshot[];
  /** Whether a successful write replaces what the store holds (as the API server does); default false. */
  readonly keepWrites?: boolean;
  /** A thrown error for a write (its 1-based attempt number given), or `undefined` to accept it. */
  readonly failWrite?: (write: SecretWrite, attempt: number) => Error | undefined;
  /** The issuer; by default it answers `issuedMaterial()` at once. */
  readonly issue?: (request: IssueRequest) => Promise<IssuedMaterial>;
  /** Called before each Secret read with the number of reads so far (to change the Secret between reads). */
  readonly beforeLookup?: (reads: number, put: (snapshot: SecretSnapshot) => void) => void;
  /** Reconciler settings beside the plan policy and a 60 s issuance timeout. */
  readonly settings?: Partial<ReconcilerSettings>;
}

/**
 * The Reconciler over fakes of its own ports: the desired state computed for real from Ingresses, an
 * in-memory Secret store, an issuer that answers as told, one order slot, a recording log, a fixed clock.
 */
export function reconcilerRig(options: ReconcilerRigOptions = {}) {
  const ingresses: IngressView[] = [...(options.ingresses ?? [])];
  const lines: LogLine[] = [];
  const writes: SecretWrite[] = [];
  const issued: IssueRequest[] = [];
  const events: RecordedEvent[] = [];
  const stored = new Map<string, StoredSecret>(
    (options.stored ?? []).map((snapshot) => [`${snapshot.namespace}/${snapshot.name}`, storedOf(snapshot)]),
  );
  let reads = 0;
  const desired = new DesiredCache(planPolicy(), () => ingresses);
  const orders = new Semaphore(1);
  const shutdown = new AbortController();
  const reconciler = new Reconciler({
    desired,
    secrets: {
      lookup: (namespace, name): Promise<SecretLookup> => {
        options.beforeLookup?.(reads, (snapshot) => {
          stored.set(`${snapshot.namespace}/${snapshot.name}`, storedOf(snapshot));
        });
        reads += 1;
        const found = stored.get(`${namespace}/${name}`);
        return Promise.resolve(
          found === undefined ? { kind: 'absent' } : { kind: 'found', secret: found, managedCache: true },
        );
      },
      invalidate: () => undefined,
      write: (write): Promise<SecretWriteResult> => {
        writes.push(write);
        const error = options.failWrite?.(write, writes.length);
        if (error !== undefined) return Promise.reject(error);
        if (options.keepWrites === true) stored.set(`${write.namespace}/${write.name}`, storedWrite(write));
        return Promise.resolve({ kind: 'written' });
      },
    },
    access: { allowed: () => Promise.resolve(true) },
    issuer: {
      issue: (request): Promise<IssuedMaterial> => {
        issued.push(request);
        return options.issue === undefined ? Promise.resolve(issuedMaterial()) : options.issue(request);
      },
    },
    temporary: {
      create: () => Promise.resolve({ certificatePem: 'TEMPORARY CERT', privateKeyPem: 'TEMPORARY KEY' }),
    },
    events: {
      record: (event): Promise<void> => {
        events.push({ reason: event.reason, message: event.message, issuedBefore: issued.length });
        return Promise.resolve();
      },
    },
    queue: { add: () => undefined, addAfter: () => undefined },
    orders,
    settings: { policy: planPolicy(), issuanceTimeoutMs: 60_000, ...options.settings },
    log: recordingLog(lines),
    shutdown: shutdown.signal,
    nowMs: () => NOW_MS,
    random: () => 0.5,
  });
  /** Adds Ingresses to the desired state. */
  const change = (...views: IngressView[]): void => {
    ingresses.push(...views);
    desired.invalidate();
  };
  const settled = (): Promise<unknown> => Promise.allSettled(reconciler.inFlight());
  /** One reconcile of `key` and everything it started. */
  const settle = async (key = 'default/web-tls'): Promise<void> => {
    await reconciler.reconcile(key);
    await settled();
  };
  return { reconciler, orders, change, settled, settle, lines, writes, issued, events, stored, shutdown };
}
