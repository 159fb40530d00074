/**
 * The typed errors of the ACME client. Callers branch on `code` (and `classifyAcmeError`), never on the
 * message text. Messages never contain key material or signed request bodies.
 */

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

/** An ACME server answered with a problem document (RFC 8555 §6.7). */
export class AcmeProblemError extends Error {
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
export class AcmeTransportError extends Error {
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
}

/** Why the client refused to do what it was asked before talking to the server. */
export type AcmeUsageErrorCode =
  'accountRequired' | 'unsupportedByServer' | 'invalidArgument' | 'keyUnsupported';

/** A call the client cannot make: no account yet, a feature the directory does not offer, a bad argument or key. */
export class AcmeUsageError extends Error {
  override readonly name = 'AcmeUsageError';
  readonly code: AcmeUsageErrorCode;

  constructor(code: AcmeUsageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Why `obtainCertificate` gave up on an order without a problem document to show for it. */
export type AcmeOrderErrorCode = 'challengeUnavailable' | 'pollLimitReached' | 'orderInvalid';

/** An order that could not be completed: no usable challenge, polling exhausted, or an order the CA invalidated. */
export class AcmeOrderError extends Error {
  override readonly name = 'AcmeOrderError';
  readonly code: AcmeOrderErrorCode;
  readonly orderUrl: string | undefined;

  constructor(code: AcmeOrderErrorCode, message: string, orderUrl?: string) {
    super(message);
    this.code = code;
    this.orderUrl = orderUrl;
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
}
