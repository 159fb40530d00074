import { KubeLegoError, rateLimitReaction, type Reaction } from '../../domain/kube-lego-error.js';
import { parseRetryAfter } from '../../net/retry-after.js';
/** Stable codes for every way a Kubernetes API call can fail; callers branch on these, never on text. */
export type KubeErrorCode =
  | 'badRequest'
  | 'unauthorized'
  | 'forbidden'
  | 'notFound'
  | 'conflict'
  | 'alreadyExists'
  | 'gone'
  | 'invalid'
  | 'tooManyRequests'
  | 'serverError'
  | 'unexpectedStatus'
  | 'transport'
  | 'timeout';

/** How the caller should react to a failure. */
export type KubeErrorClass = 'terminal' | 'transient' | 'rateLimited';

export interface KubeRequestRef {
  readonly method: string;
  readonly path: string;
}

export interface KubeApiErrorOptions {
  readonly code: KubeErrorCode;
  readonly message: string;
  readonly request: KubeRequestRef;
  readonly status?: number;
  readonly reason?: string;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** A failed Kubernetes API request, classified once from the HTTP status and the Status body. */
export class KubeApiError extends KubeLegoError {
  override readonly name = 'KubeApiError';
  readonly code: KubeErrorCode;
  readonly request: KubeRequestRef;
  readonly status: number | undefined;
  /** `reason` of the server's Status object (`NotFound`, `Conflict`, `Invalid`, ...), when there was one. */
  readonly reason: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(options: KubeApiErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.request = options.request;
    this.status = options.status;
    this.reason = options.reason;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Whether retrying the same request later can succeed. */
  get errorClass(): KubeErrorClass {
    switch (this.code) {
      case 'tooManyRequests':
        return 'rateLimited';
      case 'serverError':
      case 'transport':
      case 'timeout':
      case 'conflict':
      case 'gone':
      case 'unexpectedStatus':
        return 'transient';
      case 'badRequest':
      case 'unauthorized':
      case 'forbidden':
      case 'notFound':
      case 'alreadyExists':
      case 'invalid':
        return 'terminal';
    }
  }

  /** In the issuance path a Kubernetes failure is a failed Secret write, whatever its class. */
  override get reaction(): Reaction {
    switch (this.errorClass) {
      case 'rateLimited':
        return rateLimitReaction('SecretWriteFailed', this.retryAfterMs);
      case 'transient':
        return { kind: 'retry', reason: 'SecretWriteFailed' };
      case 'terminal':
        return { kind: 'giveUp', reason: 'SecretWriteFailed' };
    }
  }
}

/** Whether `err` is a KubeApiError with the given code. */
export function isKubeError(err: unknown, code: KubeErrorCode): err is KubeApiError {
  return err instanceof KubeApiError && err.code === code;
}

function codeFromStatus(status: number, reason: string | undefined): KubeErrorCode {
  if (status === 409) return reason === 'AlreadyExists' ? 'alreadyExists' : 'conflict';
  switch (status) {
    case 400:
      return 'badRequest';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'notFound';
    case 410:
      return 'gone';
    case 422:
      return 'invalid';
    case 429:
      return 'tooManyRequests';
    default:
      return status >= 500 ? 'serverError' : 'unexpectedStatus';
  }
}

interface StatusBody {
  readonly message?: unknown;
  readonly reason?: unknown;
}

/** Builds the typed error for a non-2xx answer; the Status body's message is kept for humans only. */
export function kubeErrorFromResponse(options: {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfter: string | undefined;
  readonly request: KubeRequestRef;
  readonly nowMs: number;
}): KubeApiError {
  const statusBody: StatusBody =
    typeof options.body === 'object' && options.body !== null ? options.body : {};
  const reason = typeof statusBody.reason === 'string' ? statusBody.reason : undefined;
  const serverMessage =
    typeof statusBody.message === 'string' ? statusBody.message : `HTTP ${options.status}`;
  const retryAfterMs = parseRetryAfter(options.retryAfter, options.nowMs);
  return new KubeApiError({
    code: codeFromStatus(options.status, reason),
    message: `Kubernetes API ${options.request.method} ${options.request.path} failed with ${options.status}: ${serverMessage}`,
    request: options.request,
    status: options.status,
    ...(reason === undefined ? {} : { reason }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}
