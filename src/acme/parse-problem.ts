import {
  AcmeProblemError,
  problemCodeOf,
  type AcmeIdentifier,
  type AcmeRequestRef,
  type AcmeSubproblem,
} from './errors.js';

/** What the HTTP layer knows about the response a problem document came in. */
export interface ProblemContext {
  readonly status: number;
  readonly request: AcmeRequestRef;
  readonly retryAfterMs?: number | undefined;
}

/**
 * Builds the typed error for an RFC 7807 problem document from an ACME server.
 *
 * Tolerant by design: a document with a missing or odd `detail` still yields an error with the right `code`
 * (the type is what callers branch on). Subproblems keep their identifiers (RFC 8555 §6.7.1).
 * Returns `undefined` when `body` is not a problem document at all (no string `type`).
 */
export function parseProblem(body: unknown, context: ProblemContext): AcmeProblemError | undefined {
  if (!isRecord(body) || typeof body.type !== 'string') return undefined;
  const subproblems = Array.isArray(body.subproblems) ? body.subproblems.flatMap(parseSubproblem) : [];
  return new AcmeProblemError({
    type: body.type,
    detail: typeof body.detail === 'string' ? body.detail : '',
    status:
      context.status >= 400 ? context.status : typeof body.status === 'number' ? body.status : context.status,
    subproblems,
    request: context.request,
    ...(context.retryAfterMs === undefined ? {} : { retryAfterMs: context.retryAfterMs }),
  });
}

/** Parses an RFC 8555 identifier object; `undefined` for anything that is not `{type: dns|ip, value}`. */
export function parseIdentifier(value: unknown): AcmeIdentifier | undefined {
  if (!isRecord(value) || typeof value.value !== 'string') return undefined;
  if (value.type !== 'dns' && value.type !== 'ip') return undefined;
  return { type: value.type, value: value.value };
}

function parseSubproblem(value: unknown): AcmeSubproblem[] {
  if (!isRecord(value) || typeof value.type !== 'string') return [];
  const identifier = parseIdentifier(value.identifier);
  return [
    {
      type: value.type,
      code: problemCodeOf(value.type),
      detail: typeof value.detail === 'string' ? value.detail : '',
      ...(identifier ? { identifier } : {}),
    },
  ];
}

/** Narrows `unknown` to a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
