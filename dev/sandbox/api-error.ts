/**
 * Errors the sandbox answers with, shaped exactly like kube-apiserver's `Status` objects
 * (k8s.io/apimachinery/pkg/api/errors). Each carries a stable `reason` and the HTTP code.
 */

/** One `details.causes[]` entry of a Status. */
export interface StatusCause {
  readonly reason?: string;
  readonly message: string;
  readonly field?: string;
}

/** The `reason` values the sandbox emits (a subset of metav1.StatusReason). */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

/** Identifies the object an error is about, for `details`. */
export interface StatusTarget {
  readonly name?: string;
  readonly group?: string;
  /** The plural resource name in most errors (`secrets`), the Kind for `Invalid`. */
  readonly kind?: string;
}

/** The JSON body of a failure `Status`. */
export interface StatusBody {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: StatusReason;
  readonly details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  readonly code: number;
}

/** An API failure: thrown inside handlers, turned into a Status response at the edge. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly target: StatusTarget;
  readonly causes: readonly StatusCause[];
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: number,
    reason: StatusReason,
    message: string,
    extra: {
      target?: StatusTarget;
      causes?: readonly StatusCause[];
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.target = extra.target ?? {};
    this.causes = extra.causes ?? [];
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }

  /** The Status object the real server would send for this error. */
  toStatus(): StatusBody {
    const details: NonNullable<StatusBody['details']> = {};
    if (this.target.name !== undefined) details.name = this.target.name;
    if (this.target.group !== undefined && this.target.group !== '') details.group = this.target.group;
    if (this.target.kind !== undefined) details.kind = this.target.kind;
    if (this.causes.length > 0) details.causes = [...this.causes];
    if (this.retryAfterSeconds !== undefined) details.retryAfterSeconds = this.retryAfterSeconds;
    const body: StatusBody = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(Object.keys(details).length > 0 ? { details } : {}),
      code: this.code,
    };
    return body;
  }
}

/** `secrets` or `ingresses.networking.k8s.io`: how the real server names a resource in messages. */
export function qualifiedResource(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/** 404 `secrets "x" not found`. */
export function notFound(resource: string, group: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, {
    target: { name, group, kind: resource },
  });
}

/** 409 `secrets "x" already exists`. */
export function alreadyExists(resource: string, group: string, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(resource, group)} "${name}" already exists`,
    {
      target: { name, group, kind: resource },
    },
  );
}

/** 409 on a stale resourceVersion, worded as kube-apiserver words it. */
export function conflict(resource: string, group: string, name: string, detail?: string): ApiError {
  const why =
    detail ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`,
    { target: { name, group, kind: resource } },
  );
}

/** One field problem, rendered the way field.Error renders (`spec.x: Required value: detail`). */
export interface FieldProblem {
  readonly type: 'Required' | 'Invalid' | 'NotSupported' | 'Forbidden' | 'Duplicate' | 'TooLong' | 'TooMany';
  readonly field: string;
  readonly value?: unknown;
  readonly detail?: string;
}

const PROBLEM_REASON: Record<FieldProblem['type'], string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  Duplicate: 'FieldValueDuplicate',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
};

function problemBody(problem: FieldProblem): string {
  const quoted = (v: unknown): string => (v === undefined ? 'null' : JSON.stringify(v));
  switch (problem.type) {
    case 'Required':
      return `Required value${problem.detail === undefined ? '' : `: ${problem.detail}`}`;
    case 'Forbidden':
      return `Forbidden${problem.detail === undefined ? '' : `: ${problem.detail}`}`;
    case 'Invalid':
      return `Invalid value: ${quoted(problem.value)}${problem.detail === undefined ? '' : `: ${problem.detail}`}`;
    case 'NotSupported':
      return `Unsupported value: ${quoted(problem.value)}${problem.detail === undefined ? '' : `: ${problem.detail}`}`;
    case 'Duplicate':
      return `Duplicate value: ${quoted(problem.value)}`;
    case 'TooLong':
      return `Too long: ${problem.detail ?? 'value is too long'}`;
    case 'TooMany':
      return `Too many: ${quoted(problem.value)}: ${problem.detail ?? 'has too many items'}`;
  }
}

/** 422 `Kind "name" is invalid: field: problem` with one cause per problem. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  problems: readonly FieldProblem[],
): ApiError {
  const rendered = problems.map((p) => `${p.field}: ${problemBody(p)}`);
  const list = rendered.length === 1 ? (rendered[0] ?? '') : `[${rendered.join(', ')}]`;
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, {
    target: { name, group, kind },
    causes: problems.map((p) => ({
      reason: PROBLEM_REASON[p.type],
      message: problemBody(p),
      field: p.field,
    })),
  });
}

/** 400 BadRequest with a free-form message. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 410 Expired: the resourceVersion asked for has been compacted away. */
export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}
