import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DNS01_SETUP_HINT } from '../domain/challenge-choice.js';
import { inspectCertificate } from '../x509/inspect-certificate.js';
import { splitPemBundle } from '../x509/pem-bundle.js';
import type { AcmeClient } from './acme-client.js';
import {
  AcmeOrderError,
  AcmeProblemError,
  AcmeTransportError,
  type AcmeIdentifier,
  type AcmeProblemCode,
  type AcmeSubproblem,
} from './errors.js';
import { phasePollPolicy, pollDelayMs, type PollPhase } from './poll-delay.js';
import type { AcmeAuthorization, AcmeChallenge, AcmeOrder } from './resources.js';
import type { ChallengeSolver, SolverChoice } from './challenge-solver.js';

export type { ChallengeSolver } from './challenge-solver.js';

/** What `obtainCertificate` needs. */
export interface ObtainCertificateOptions {
  readonly identifiers: readonly AcmeIdentifier[];
  /** DER CSR for exactly these identifiers (see `createCsr`), for a new order. */
  readonly csrDer: Uint8Array;
  /**
   * The CSR of the key persisted with `existingOrderUrl` (before that order was finalized). With it a
   * resumed order that is already `processing` or `valid` is completed: its certificate is for that key.
   * Without it such an order cannot be used (its key is gone) and a new one is opened.
   */
  readonly persistedCsrDer?: Uint8Array | undefined;
  /**
   * Called just before finalize with the CSR the order is finalized with (`fresh`: `csrDer`,
   * `persisted`: `persistedCsrDer`), so the caller can persist a fresh key first: a crash or a failed
   * write after finalize then never throws the certificate away.
   */
  readonly beforeFinalize?: ((csr: CsrChoice) => Promise<void>) | undefined;
  /** One solver for every authorization, or the choice of a solver per authorization. */
  readonly solver: ChallengeSolver | SolverChoice;
  /** Profile name from the directory's `meta.profiles`. */
  readonly profile?: string | undefined;
  /**
   * ARI CertID of the certificate being renewed. When newOrder is refused with a problem that `replaces`
   * can cause (`REPLACES_REFUSALS`), the order is placed once more without it, in the same call.
   */
  readonly replaces?: string | undefined;
  /** Called once when the CA refused `replaces` and the order is placed again without it. */
  readonly onReplacesRefused?: ((refusal: AcmeProblemError) => void) | undefined;
  /**
   * An order URL persisted by an earlier attempt, resumed for the same identifiers while it is `pending` or
   * `ready`, or `processing`/`valid` when `persistedCsrDer` is given.
   */
  readonly existingOrderUrl?: string | undefined;
  /**
   * Called once per name as soon as its authorization is known to be valid: reused ones at once, the others
   * when the order leaves `pending` (kube-lego's `authorization successful` line).
   */
  readonly onAuthorized?: ((name: string) => void) | undefined;
  /** Called with the order URL as soon as it is known, so the caller can persist it and resume after a restart. */
  readonly onOrder?: ((orderUrl: string) => void | Promise<void>) | undefined;
  /** Issuer common name of the preferred chain's top certificate (e.g. `ISRG Root X1`); the default chain otherwise. */
  readonly preferredChain?: string | undefined;
  /** First polling delay when the server sends no Retry-After; it doubles up to `pollIntervalMs`. @default 100 */
  readonly firstPollDelayMs?: number | undefined;
  /** First delay after the solver saw the CA fetch every challenge (`ChallengeSolver.fetched`), doubling. @default 5 */
  readonly fetchedPollDelayMs?: number | undefined;
  /** First delay after finalize, doubling up to `pollIntervalMs`. @default 10 */
  readonly processingPollDelayMs?: number | undefined;
  /** Longest delay between polls when the server sends no Retry-After. @default 1000 */
  readonly pollIntervalMs?: number | undefined;
  /** Upper bound of one polling delay, even if the server's Retry-After asks for more. @default 30000 */
  readonly maxPollDelayMs?: number | undefined;
  /** Polls per waiting phase (validation, then issuance) before giving up with `pollLimitReached`. @default 60 */
  readonly maxPolls?: number | undefined;
  /** Reports a failed `solver.cleanup` (the issuance itself is not failed by it). */
  readonly onCleanupError?: ((error: unknown, authz: AcmeAuthorization) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** One certificate chain offered by the CA. */
export interface CertificateChain {
  readonly pem: string;
  /** Issuer common name of the chain's top certificate. */
  readonly topIssuerCn: string | undefined;
}

/** Which CSR, and so which key, an order is finalized with. */
export type CsrChoice = 'fresh' | 'persisted';

/** The issued certificate. */
export interface ObtainedCertificate {
  /** The key the certificate is for: the fresh one or the one persisted with the resumed order. */
  readonly csr: CsrChoice;
  /** Leaf first, then the chain: the content of `tls.crt`. */
  readonly certificatePem: string;
  readonly orderUrl: string;
  /** Every chain examined, when `preferredChain` was given. */
  readonly chains?: readonly CertificateChain[];
}

interface Presented {
  readonly solver: ChallengeSolver;
  readonly authz: AcmeAuthorization;
  readonly challenge: AcmeChallenge;
  readonly keyAuthorization: string;
}

interface Run {
  readonly client: AcmeClient;
  readonly options: ObtainCertificateOptions;
}

/** Identifiers for names: IP addresses become `ip` identifiers (RFC 8738), everything else `dns`. */
export function toIdentifiers(names: readonly string[]): AcmeIdentifier[] {
  return [...new Set(names)].map((value) => ({ type: isIP(value) === 0 ? 'dns' : 'ip', value }));
}

/**
 * Runs one issuance on an account the client already knows:
 *
 * ```
 *   resume or newOrder ──▶ pending ──present+respond──▶ (poll) ──▶ ready ──finalize──▶ processing ──(poll)──▶ valid ──▶ download
 *                             │                            │
 *                             └── valid authorizations are skipped; an invalid one is deactivated and reported
 *
 * A resumed order that is `processing` or `valid` is polled and downloaded when the key it was finalized
 * with was persisted (`persistedCsrDer`, saved through `beforeFinalize`).
 * ```
 *
 * Polling is explicit and bounded (`pollIntervalMs`, `Retry-After`, `maxPolls`, `signal`). Presented challenges
 * are always cleaned up. Rate limits, 5xx and validation failures come back as typed errors for the caller to
 * schedule; a refused `replaces` is handled here by ordering again without it.
 *
 * @example const { certificatePem } = await obtainCertificate(client, { identifiers, csrDer: csr.der, solver })
 */
export async function obtainCertificate(
  client: AcmeClient,
  options: ObtainCertificateOptions,
): Promise<ObtainedCertificate> {
  const run: Run = { client, options };
  const { order: opened, resumed } = await resumeOrCreateOrder(run);
  let order = opened;
  // A resumed order goes on with the key persisted for it, when there is one; a new order with the fresh key.
  const csr: CsrChoice = resumed && options.persistedCsrDer !== undefined ? 'persisted' : 'fresh';
  await options.onOrder?.(order.url);
  let cleanedUp = Promise.resolve();
  if (order.status === 'pending') ({ order, cleanedUp } = await authorize(run, order));
  else if (order.status === 'ready') for (const id of order.identifiers) options.onAuthorized?.(id.value);
  try {
    if (order.status === 'ready') {
      await options.beforeFinalize?.(csr);
      const csrDer = csr === 'persisted' ? (options.persistedCsrDer ?? options.csrDer) : options.csrDer;
      order = await client.finalizeOrder(order, csrDer, options.signal);
    }
    order = await pollWhile(run, order, 'processing');
    if (order.status !== 'valid' || order.certificate === undefined) throw orderFailure(order);
    return { ...(await download(run, order.certificate, order.url)), csr };
  } finally {
    await cleanedUp;
  }
}

async function resumeOrCreateOrder(run: Run): Promise<{ order: AcmeOrder; resumed: boolean }> {
  const { client, options } = run;
  if (options.existingOrderUrl !== undefined) {
    try {
      const existing = await client.getOrder(options.existingOrderUrl, options.signal);
      // A finalized order is of use only with the key it was finalized with.
      const finalized = existing.status === 'processing' || existing.status === 'valid';
      const usable =
        existing.status === 'pending' ||
        existing.status === 'ready' ||
        (finalized && options.persistedCsrDer !== undefined);
      if (usable && sameIdentifiers(existing.identifiers, options.identifiers))
        return { order: existing, resumed: true };
    } catch (err) {
      // A problem document means the order is gone or not ours: start over. Network trouble is the caller's.
      if (!(err instanceof AcmeProblemError)) throw err;
    }
  }
  const request = { identifiers: options.identifiers, profile: options.profile, replaces: options.replaces };
  try {
    return { order: await client.newOrder(request, options.signal), resumed: false };
  } catch (err) {
    // `replaces` is only a hint (RFC 9773 §5): the renewal is wanted with or without it, so a refusal the
    // field can cause is answered by ordering once more without it. A second failure is the one reported.
    if (options.replaces !== undefined && isReplacesRefusal(err)) {
      options.onReplacesRefused?.(err);
      return {
        order: await client.newOrder({ ...request, replaces: undefined }, options.signal),
        resumed: false,
      };
    }
    throw err;
  }
}

/**
 * The newOrder problems that `replaces` can cause, by type (never by message text):
 * - `alreadyReplaced`: the certificate already has a finished replacement (an earlier attempt of ours);
 * - `malformed`: the CertID names no certificate of this CA (another CA's certificate: Pebble and Boulder
 *   answer "parsing ARI CertID failed ... no known issuer");
 * - `unauthorized`: another account ordered the certificate (the account Secret was lost or replaced);
 * - `conflict`: Boulder's answer when another replacement order for it is in progress.
 * `malformed` and `unauthorized` have other causes too; the retry without `replaces` then fails the same
 * way and that failure is reported, at the cost of one extra request.
 */
const REPLACES_REFUSALS: ReadonlySet<AcmeProblemCode> = new Set<AcmeProblemCode>([
  'alreadyReplaced',
  'malformed',
  'unauthorized',
  'conflict',
]);

function isReplacesRefusal(err: unknown): err is AcmeProblemError {
  return err instanceof AcmeProblemError && REPLACES_REFUSALS.has(err.code);
}

/**
 * Presents, answers and polls every authorization of a pending order. After a success the challenges are
 * cleaned up while the caller finalizes (`cleanedUp`, which never rejects: the routing writes are off the
 * critical path); after a failure they are cleaned up before the error is thrown.
 */
async function authorize(
  run: Run,
  order: AcmeOrder,
): Promise<{ order: AcmeOrder; cleanedUp: Promise<void> }> {
  const presented: Presented[] = [];
  const tried: AcmeAuthorization[] = [];
  let succeeded = false;
  try {
    // Each authorization is fetched, presented and answered on its own, so the requests pipeline on the
    // nonces the previous responses bring (no extra newNonce). allSettled: every present() must be over
    // before cleanup runs, even when one failed.
    const outcomes = await Promise.allSettled(
      order.authorizations.map((url) =>
        prepareAuthorization(run, { url, orderUrl: order.url, presented, tried }),
      ),
    );
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    // One order poll answers for every authorization: it leaves `pending` when all are valid or one failed.
    const polled = await pollWhile(run, order, 'pending', allFetched(presented));
    if (polled.status === 'invalid') throw await validationFailure(run, polled, tried);
    for (const authz of tried) run.options.onAuthorized?.(nameOf(authz));
    succeeded = true;
    return { order: polled, cleanedUp: cleanup(run, presented) };
  } finally {
    if (!succeeded) await cleanup(run, presented);
  }
}

async function prepareAuthorization(
  run: Run,
  target: { url: string; orderUrl: string; presented: Presented[]; tried: AcmeAuthorization[] },
): Promise<void> {
  const { client, options } = run;
  const authz = await client.getAuthorization(target.url, options.signal);
  if (authz.status === 'valid') {
    options.onAuthorized?.(nameOf(authz)); // reused: nothing to prove
    return;
  }
  if (authz.status !== 'pending') {
    throw new AcmeOrderError(
      'orderInvalid',
      `Cannot complete order ${target.orderUrl}: the authorization for "${authz.identifier.value}" is ${authz.status}`,
      target.orderUrl,
    );
  }
  const solver = typeof options.solver === 'function' ? options.solver(authz) : options.solver;
  const challenge = pickChallenge(authz, solver.type, target.orderUrl);
  const keyAuthorization = client.keyAuthorization(challenge.token ?? '');
  target.tried.push(authz);
  target.presented.push({ solver, authz, challenge, keyAuthorization });
  await solver.present(authz, challenge, keyAuthorization);
  await solver.ready?.(authz, challenge, keyAuthorization);
  if (challenge.status === 'pending') await client.respondToChallenge(challenge.url, options.signal);
}

/** The name an authorization is for, as the order lists it (`*.example.com` for a wildcard). */
function nameOf(authz: AcmeAuthorization): string {
  return authz.wildcard ? `*.${authz.identifier.value}` : authz.identifier.value;
}

function pickChallenge(
  authz: AcmeAuthorization,
  type: ChallengeSolver['type'],
  orderUrl: string,
): AcmeChallenge {
  const challenge = authz.challenges.find((c) => c.type === type && c.token !== undefined);
  if (challenge !== undefined) return challenge;
  const name = nameOf(authz);
  const offered = authz.challenges.map((c) => c.type).join(', ');
  const why =
    authz.wildcard && type !== 'dns-01'
      ? `wildcard names need the dns-01 challenge, which is not configured: ${DNS01_SETUP_HINT}`
      : `the CA offers ${offered === '' ? 'no challenges' : offered}, this solver uses ${type}`;
  throw new AcmeOrderError(
    'challengeUnavailable',
    `Cannot issue certificate for "${name}": ${why}`,
    orderUrl,
  );
}

/** Settles when the CA has fetched every presented challenge; `undefined` when the solver cannot tell. */
function allFetched(presented: readonly Presented[]): Promise<void> | undefined {
  if (presented.length === 0 || presented.some(({ solver }) => solver.fetched === undefined))
    return undefined;
  const fetches = presented.map(
    ({ solver, authz, challenge }) => solver.fetched?.(authz, challenge) ?? Promise.resolve(),
  );
  return Promise.all(fetches).then(() => undefined);
}

/**
 * Polls the order while it is in `status`, on the schedule of `phasePollPolicy`. `fetched` (validation only)
 * cuts the current wait short: once the CA has fetched every token the next poll comes `fetchedPollDelayMs`
 * later and the delays double from there. A Retry-After is never cut short: the server named its time.
 */
async function pollWhile(
  run: Run,
  start: AcmeOrder,
  status: 'pending' | 'processing',
  fetched?: Promise<void>,
): Promise<AcmeOrder> {
  const { client, options } = run;
  const maxPolls = options.maxPolls ?? 60;
  let order = start;
  let phase: PollPhase = status === 'pending' ? 'validation' : 'processing';
  let wake = fetched;
  for (let polls = 0, inPhase = 0; order.status === status; polls++, inPhase++) {
    if (polls >= maxPolls) {
      throw new AcmeOrderError(
        'pollLimitReached',
        `Cannot complete order ${order.url}: it is still ${status} after ${maxPolls} polls; resume it later`,
        order.url,
      );
    }
    const delayMs = pollDelayMs(phasePollPolicy(options, phase), order.retryAfterMs, inPhase);
    const woken = await pause(run, order.url, delayMs, order.retryAfterMs === undefined ? wake : undefined);
    if (woken) {
      wake = undefined;
      phase = 'fetched';
      inPhase = 0;
      await pause(run, order.url, pollDelayMs(phasePollPolicy(options, phase), undefined, 0));
    }
    order = await client.getOrder(order.url, options.signal);
  }
  return order;
}

/** Sleeps `ms`, or until `wake` settles if it does first: then resolves `true`. Aborts with the run's signal. */
async function pause(run: Run, orderUrl: string, ms: number, wake?: Promise<void>): Promise<boolean> {
  const { signal } = run.options;
  // Aborted only by `wake`: an abort of the run's own signal is told apart below.
  const timer = new AbortController();
  void wake?.then(
    () => {
      timer.abort();
    },
    () => undefined,
  );
  try {
    await sleep(ms, undefined, {
      signal: signal === undefined ? timer.signal : AbortSignal.any([signal, timer.signal]),
    });
    return false;
  } catch (err) {
    if (timer.signal.aborted && signal?.aborted !== true) return true;
    throw new AcmeTransportError({
      code: 'aborted',
      message: `Polling order ${orderUrl} was aborted`,
      request: { method: 'POST', url: orderUrl },
      cause: err,
    });
  }
}

/**
 * Builds the typed error for a failed validation: the failed challenge's problem, with subproblems that name
 * their identifiers (added when the CA's problem has none). Failed or still-pending authorizations are
 * deactivated so they are not counted against the account as live (best effort).
 */
async function validationFailure(
  run: Run,
  order: AcmeOrder,
  tried: readonly AcmeAuthorization[],
): Promise<Error> {
  const { client, options } = run;
  const now = await Promise.all(tried.map((authz) => client.getAuthorization(authz.url, options.signal)));
  await Promise.all(
    now
      .filter((authz) => authz.status === 'invalid' || authz.status === 'pending')
      .map((authz) => client.deactivateAuthorization(authz.url, options.signal).catch(() => undefined)),
  );
  const failures = now.flatMap((authz) =>
    authz.challenges.flatMap((challenge) =>
      challenge.status === 'invalid' && challenge.error !== undefined
        ? [{ authz, challenge, problem: challenge.error }]
        : [],
    ),
  );
  const first = failures[0];
  if (first === undefined) return orderFailure(order);
  const subproblems: AcmeSubproblem[] = failures.flatMap(({ authz, problem }) =>
    problem.subproblems.length > 0
      ? problem.subproblems.map((sub) => ({ ...sub, identifier: sub.identifier ?? authz.identifier }))
      : [{ type: problem.type, code: problem.code, detail: problem.detail, identifier: authz.identifier }],
  );
  return new AcmeProblemError({
    type: first.problem.type,
    detail: first.problem.detail,
    status: first.problem.status ?? 403,
    subproblems,
    request: { method: 'POST', url: first.challenge.url },
  });
}

function orderFailure(order: AcmeOrder): Error {
  const problem = order.error;
  if (problem === undefined) {
    return new AcmeOrderError(
      'orderInvalid',
      `Cannot complete order ${order.url}: it is ${order.status}`,
      order.url,
    );
  }
  return new AcmeProblemError({
    type: problem.type,
    detail: problem.detail,
    status: problem.status ?? 403,
    subproblems: problem.subproblems,
    request: { method: 'POST', url: order.url },
  });
}

async function cleanup(run: Run, presented: readonly Presented[]): Promise<void> {
  await Promise.all(
    presented.map(async ({ solver, authz, challenge, keyAuthorization }) => {
      try {
        await solver.cleanup(authz, challenge, keyAuthorization);
      } catch (err) {
        run.options.onCleanupError?.(err, authz);
      }
    }),
  );
}

async function download(
  run: Run,
  certificateUrl: string,
  orderUrl: string,
): Promise<Omit<ObtainedCertificate, 'csr'>> {
  const { client, options } = run;
  const first = await client.downloadCertificate(certificateUrl, options.signal);
  const preferred = options.preferredChain;
  if (preferred === undefined) return { certificatePem: first.pem, orderUrl };
  const chains: CertificateChain[] = [{ pem: first.pem, topIssuerCn: topIssuerCn(first.pem) }];
  for (const url of first.alternateUrls) {
    if (chains.some((chain) => chain.topIssuerCn === preferred)) break;
    const alternate = await client.downloadCertificate(url, options.signal);
    chains.push({ pem: alternate.pem, topIssuerCn: topIssuerCn(alternate.pem) });
  }
  const match = chains.find((chain) => chain.topIssuerCn === preferred) ?? chains[0] ?? { pem: first.pem };
  return { certificatePem: match.pem, orderUrl, chains };
}

function topIssuerCn(pem: string): string | undefined {
  const top = splitPemBundle(pem).at(-1);
  return top === undefined ? undefined : inspectCertificate(top).issuerCn;
}

function sameIdentifiers(a: readonly AcmeIdentifier[], b: readonly AcmeIdentifier[]): boolean {
  const key = (list: readonly AcmeIdentifier[]): string =>
    list
      .map((id) => `${id.type}:${id.value.toLowerCase()}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}
