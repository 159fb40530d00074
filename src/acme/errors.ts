/**
 * The typed errors of the ACME client. Callers branch on `code` (and `classifyAcmeError`), never on the
 * message text. Messages never contain key material or signed request bodies.
 */
import { KubeLegoError, rateLimitReaction, type Reaction } from '../domain/kube-lego-error.js';

/**
 * The ACME problem types we know (RFC 8555 §6.7, RFC 9773 `alreadyReplaced`, the profiles draft
 * `invalidProfile`, and `conflict`, which Boulder answers with 409 when a replacement order is already open).
 */
export const ACME_PROBLEM_CODES = [
  'accountDoesNotExist',
  'alreadyReplaced',
  'alreadyRevoked',
  'badCSR',
  'badNonce',
  'badPublicKey',
  'badRevocationReason',
  'badSignatureAlgorithm',
  'caa',
  'compound',
  'conflict',
  'connection',
  'dns',
  'externalAccountRequired',
  'incorrectResponse',
  'invalidContact',
  'invalidProfile',
  'malformed',
  'orderNotReady',
  'rateLimited',
  'rejectedIdentifier',
  'serverInternal',
  'tls',
  'unauthorized',
  'unsupportedContact',
  'unsupportedIdentifier',
  'userActionRequired',
] as const;

/** A known ACME problem type, or `unknown` for any other `type` (a CA extension or a non-ACME problem). */
export type AcmeProblemCode = (typeof ACME_PROBLEM_CODES)[number] | 'unknown';

/** The URN prefix of every ACME problem type (RFC 8555 §6.7). */
export const ACME_ERROR_URN_PREFIX = 'urn:ietf:params:acme:error:';

const knownCodes: ReadonlySet<string> = new Set(ACME_PROBLEM_CODES);

/** Maps a problem `type` URN to its stable code; unrecognised types map to `unknown`. */
export function problemCodeOf(type: string): AcmeProblemCode {
  if (!type.startsWith(ACME_ERROR_URN_PREFIX)) return 'unknown';
  const name = type.slice(ACME_ERROR_URN_PREFIX.length);
  return knownCodes.has(name) ? (name as AcmeProblemCode) : 'unknown';
}

/** An ACME identifier (RFC 8555 §7.1.3; `ip` from RFC 8738). */
export interface AcmeIdentifier {
  readonly type: 'dns' | 'ip';
  readonly value: string;
}

/** One subproblem of a compound problem (RFC 8555 §6.7.1), naming the identifier it is about when the CA says. */
export interface AcmeSubproblem {
  readonly type: string;
  readonly code: AcmeProblemCode;
  readonly detail: string;
  readonly identifier?: AcmeIdentifier;
}

/** The request an error came from (method and URL only: never the signed body). */
export interface AcmeRequestRef {
  readonly method: string;
  readonly url: string;
}

/** Fields of an RFC 7807 problem document as the ACME server sent it. */
export interface AcmeProblemInit {
  readonly type: string;
  readonly detail: string;
  readonly status: number;
  readonly subproblems: readonly AcmeSubproblem[];
  readonly request: AcmeRequestRef;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * How the controller reacts to an ACME failure: `terminal` (the input or configuration must change first),
 * `transient` (retry with backoff), `rateLimited` (retry when the server said: `retryAfterMs` on the error)
 * or `unavailable` (the CA could not be reached or said it is down: wait for it, its Retry-After when it
 * sent one, and count no failure: a 60 s outage must not push certificates into the long failure tiers).
 */
export type AcmeErrorClass = 'terminal' | 'transient' | 'rateLimited' | 'unavailable';

/** HTTP statuses that say the CA (or the proxy in front of it) is unavailable, not that the request failed. */
const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

// Validation failures (connection, dns, incorrectResponse, unauthorized, caa, tls) are transient: they are
// usually DNS or an ingress that is not routed yet, and heal without a change to the Ingress. The backoff
// keeps them within Let's Encrypt's failed-validation limit.
const TRANSIENT_PROBLEMS: ReadonlySet<AcmeProblemCode> = new Set<AcmeProblemCode>([
  'badNonce',
  'serverInternal',
  'connection',
  'dns',
  'tls',
  'incorrectResponse',
  'unauthorized',
  'caa',
  'orderNotReady',
  'compound',
  // Another order for the same replacement is open: it finishes or expires on its own.
  'conflict',
]);

/** The problems that say a challenge failed (RFC 8555 §8), rather than the order or the request. */
const VALIDATION_PROBLEMS: ReadonlySet<AcmeProblemCode> = new Set<AcmeProblemCode>([
  'connection',
  'dns',
  'incorrectResponse',
  'unauthorized',
  'caa',
  'tls',
  'compound',
]);

/** The reaction to an ACME failure of class `errorClass`; `reason` is recorded unless it is a rate limit. */
function acmeReaction(
  errorClass: AcmeErrorClass,
  reason: 'ChallengeFailed' | 'OrderFailed' | 'OrderRefused' | 'Unknown',
  retryAfterMs: number | undefined,
): Reaction {
  if (errorClass === 'rateLimited') return rateLimitReaction('RateLimited', retryAfterMs);
  if (errorClass === 'unavailable') return rateLimitReaction('CaUnavailable', retryAfterMs);
  return { kind: errorClass === 'terminal' ? 'giveUp' : 'backOff', reason };
}

/** An ACME server answered with a problem document (RFC 8555 §6.7). */
export class AcmeProblemError extends KubeLegoError {
  override readonly name: string = 'AcmeProblemError';
  /** Stable code derived from `type`. */
  readonly code: AcmeProblemCode;
  /** The full problem type URN, e.g. `urn:ietf:params:acme:error:rateLimited`. */
  readonly type: string;
  readonly detail: string;
  /** HTTP status of the response (the problem's own `status` when the response had none). */
  readonly status: number;
  readonly subproblems: readonly AcmeSubproblem[];
  /** Parsed `Retry-After` of the response, when it had one. */
  readonly retryAfterMs: number | undefined;
  readonly request: AcmeRequestRef;

  constructor(init: AcmeProblemInit) {
    const code = problemCodeOf(init.type);
    const about = init.subproblems
      .map((sub) => (sub.identifier ? `${sub.identifier.value}: ${sub.detail}` : sub.detail))
      .join('; ');
    super(
      `ACME server refused ${init.request.method} ${init.request.url} with ${code} (${init.status}): ${init.detail}` +
        (about === '' ? '' : ` [${about}]`),
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.code = code;
    this.type = init.type;
    this.detail = init.detail;
    this.status = init.status;
    this.subproblems = init.subproblems;
    this.retryAfterMs = init.retryAfterMs;
    this.request = init.request;
  }

  /** How the controller reacts to this problem. */
  get errorClass(): AcmeErrorClass {
    if (this.code === 'rateLimited' || this.status === 429) return 'rateLimited';
    // A 503 (with or without Retry-After) says the CA is down or overloaded, not that this account asked
    // too much: it is waited for, never labelled a rate limit.
    if (UNAVAILABLE_STATUSES.has(this.status)) return 'unavailable';
    if (TRANSIENT_PROBLEMS.has(this.code)) return 'transient';
    if (this.code === 'unknown' && this.status >= 500) return 'transient';
    return 'terminal';
  }

  override get reaction(): Reaction {
    const reason = VALIDATION_PROBLEMS.has(this.code) ? 'ChallengeFailed' : 'OrderFailed';
    return acmeReaction(this.errorClass, reason, this.retryAfterMs);
  }
}

/** Why a request never produced a usable ACME response. */
export type AcmeTransportErrorCode =
  'timeout' | 'aborted' | 'network' | 'tls' | 'httpStatus' | 'invalidResponse';

/** Options of an `AcmeTransportError`. */
export interface AcmeTransportErrorInit {
  readonly code: AcmeTransportErrorCode;
  readonly message: string;
  readonly request: AcmeRequestRef;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * A network, TLS, timeout or abort failure, an HTTP error without a problem document (a proxy's 502 page),
 * or a response that is not what RFC 8555 says it must be.
 */
export class AcmeTransportError extends KubeLegoError {
  override readonly name = 'AcmeTransportError';
  readonly code: AcmeTransportErrorCode;
  readonly request: AcmeRequestRef;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: AcmeTransportErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.request = init.request;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
  }

  /**
   * How the controller reacts to this failure: a refused or reset connection or a request timeout means
   * the CA is unavailable, as do 502/503/504; any other HTTP status says; the rest is transient.
   */
  get errorClass(): AcmeErrorClass {
    if (this.code === 'network' || this.code === 'timeout') return 'unavailable';
    if (this.code !== 'httpStatus') return 'transient';
    const status = this.status ?? 0;
    if (status === 429) return 'rateLimited';
    if (UNAVAILABLE_STATUSES.has(status)) return 'unavailable';
    return status >= 500 || status === 408 ? 'transient' : 'terminal';
  }

  override get reaction(): Reaction {
    return acmeReaction(this.errorClass, 'OrderFailed', this.retryAfterMs);
  }
}

/** Why the client refused to do what it was asked before talking to the server. */
export type AcmeUsageErrorCode =
  'accountRequired' | 'unsupportedByServer' | 'invalidArgument' | 'keyUnsupported';

/** A call the client cannot make: no account yet, a feature the directory does not offer, a bad argument or key. */
export class AcmeUsageError extends KubeLegoError {
  override readonly name = 'AcmeUsageError';
  readonly code: AcmeUsageErrorCode;

  constructor(code: AcmeUsageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** A call the client cannot make is terminal: retrying the same call fails the same way. */
  get errorClass(): AcmeErrorClass {
    return 'terminal';
  }

  override get reaction(): Reaction {
    return acmeReaction(this.errorClass, 'Unknown', undefined);
  }
}

/** Why `obtainCertificate` gave up on an order without a problem document to show for it. */
export type AcmeOrderErrorCode = 'challengeUnavailable' | 'pollLimitReached' | 'orderInvalid';

/** An order that could not be completed: no usable challenge, polling exhausted, or an order the CA invalidated. */
export class AcmeOrderError extends KubeLegoError {
  override readonly name = 'AcmeOrderError';
  readonly code: AcmeOrderErrorCode;
  readonly orderUrl: string | undefined;

  constructor(code: AcmeOrderErrorCode, message: string, orderUrl?: string) {
    super(message);
    this.code = code;
    this.orderUrl = orderUrl;
  }

  /** No usable challenge is terminal (the CA offers none kube-lego can answer); the rest is transient. */
  get errorClass(): AcmeErrorClass {
    return this.code === 'challengeUnavailable' ? 'terminal' : 'transient';
  }

  override get reaction(): Reaction {
    return acmeReaction(
      this.errorClass,
      this.code === 'orderInvalid' ? 'ChallengeFailed' : 'OrderFailed',
      undefined,
    );
  }
}

/**
 * The CA refused to open the order (newOrder answered with a problem): nothing was validated, so this is
 * never a challenge failure. Still an `AcmeProblemError` with the server's `code`, `status` and
 * `Retry-After`, so rate limits are classified as before; the original is the `cause`.
 */
export class AcmeOrderRefusedError extends AcmeProblemError {
  override readonly name: string = 'AcmeOrderRefusedError';

  constructor(problem: AcmeProblemError) {
    super({
      type: problem.type,
      detail: problem.detail,
      status: problem.status,
      subproblems: problem.subproblems,
      request: problem.request,
      ...(problem.retryAfterMs === undefined ? {} : { retryAfterMs: problem.retryAfterMs }),
      cause: problem,
    });
  }

  /** Rate limits as for any problem; anything else is `OrderRefused`, never a challenge failure. */
  override get reaction(): Reaction {
    return acmeReaction(this.errorClass, 'OrderRefused', this.retryAfterMs);
  }
}
