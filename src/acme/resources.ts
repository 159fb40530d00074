import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';
import { problemCodeOf, type AcmeIdentifier, type AcmeProblemCode, type AcmeSubproblem } from './errors.js';
import { isRecord, parseIdentifier } from './parse-problem.js';

/** The directory (RFC 8555 §7.1.1) with the `meta` fields we use, ARI's `renewalInfo` and the profiles draft. */
export interface AcmeDirectory {
  readonly newNonce: string;
  readonly newAccount: string;
  readonly newOrder: string;
  readonly revokeCert: string;
  readonly keyChange: string;
  /** RFC 9773: present when the CA offers ACME Renewal Information. */
  readonly renewalInfo?: string;
  readonly meta: {
    readonly termsOfService?: string;
    readonly website?: string;
    readonly caaIdentities: readonly string[];
    readonly externalAccountRequired: boolean;
    /** Profile name -> description (draft-aaron-acme-profiles); empty when the CA has none. */
    readonly profiles: Readonly<Record<string, string>>;
  };
}

/** A problem document embedded in a resource (an order's or a challenge's `error`). */
export interface AcmeProblemDocument {
  readonly type: string;
  readonly code: AcmeProblemCode;
  readonly detail: string;
  readonly status?: number;
  readonly subproblems: readonly AcmeSubproblem[];
}

export type AccountStatus = 'valid' | 'deactivated' | 'revoked';

/** An account object (RFC 8555 §7.1.2) with its URL (the `kid`). */
export interface AcmeAccount {
  readonly url: string;
  readonly status: AccountStatus;
  readonly contact: readonly string[];
  readonly orders?: string;
}

export type OrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';

/** An order (RFC 8555 §7.1.3) with its URL and the response's `Retry-After`. */
export interface AcmeOrder {
  readonly url: string;
  readonly status: OrderStatus;
  readonly identifiers: readonly AcmeIdentifier[];
  readonly authorizations: readonly string[];
  readonly finalize: string;
  readonly certificate?: string;
  readonly expires?: string;
  readonly profile?: string;
  readonly replaces?: string;
  readonly error?: AcmeProblemDocument;
  readonly retryAfterMs?: number;
}

export type AuthorizationStatus = 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
export type ChallengeStatus = 'pending' | 'processing' | 'valid' | 'invalid';

/** A challenge (RFC 8555 §7.1.5). `token` is present for http-01 and dns-01. */
export interface AcmeChallenge {
  readonly type: string;
  readonly url: string;
  readonly status: ChallengeStatus;
  readonly token?: string;
  readonly error?: AcmeProblemDocument;
}

/** An authorization (RFC 8555 §7.1.4) with its URL and the response's `Retry-After`. */
export interface AcmeAuthorization {
  readonly url: string;
  readonly status: AuthorizationStatus;
  readonly identifier: AcmeIdentifier;
  readonly challenges: readonly AcmeChallenge[];
  readonly wildcard: boolean;
  readonly expires?: string;
  readonly retryAfterMs?: number;
}

/** Raised by the parsers when a response does not have the shape RFC 8555 requires. */
export class ResourceShapeError extends KubeLegoError {
  override readonly name = 'ResourceShapeError';
  readonly code = 'resourceShapeInvalid';

  /** The CA's answer was malformed: a later answer may be well-formed. */
  override get reaction(): Reaction {
    return { kind: 'backOff', reason: 'Unknown' };
  }
}

const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'ready', 'processing', 'valid', 'invalid'];
const AUTHZ_STATUSES: readonly AuthorizationStatus[] = [
  'pending',
  'valid',
  'invalid',
  'deactivated',
  'expired',
  'revoked',
];
const CHALLENGE_STATUSES: readonly ChallengeStatus[] = ['pending', 'processing', 'valid', 'invalid'];
const ACCOUNT_STATUSES: readonly AccountStatus[] = ['valid', 'deactivated', 'revoked'];

/** Parses a directory object. */
export function parseDirectory(body: unknown): AcmeDirectory {
  const doc = record(body, 'directory');
  const meta = isRecord(doc.meta) ? doc.meta : {};
  const profiles: Record<string, string> = {};
  if (isRecord(meta.profiles)) {
    for (const [name, description] of Object.entries(meta.profiles)) {
      profiles[name] = typeof description === 'string' ? description : '';
    }
  }
  const renewalInfo = optionalString(doc.renewalInfo);
  const termsOfService = optionalString(meta.termsOfService);
  const website = optionalString(meta.website);
  return {
    newNonce: string(doc.newNonce, 'directory.newNonce'),
    newAccount: string(doc.newAccount, 'directory.newAccount'),
    newOrder: string(doc.newOrder, 'directory.newOrder'),
    revokeCert: string(doc.revokeCert, 'directory.revokeCert'),
    keyChange: string(doc.keyChange, 'directory.keyChange'),
    ...(renewalInfo === undefined ? {} : { renewalInfo }),
    meta: {
      ...(termsOfService === undefined ? {} : { termsOfService }),
      ...(website === undefined ? {} : { website }),
      caaIdentities: stringArray(meta.caaIdentities),
      externalAccountRequired: meta.externalAccountRequired === true,
      profiles,
    },
  };
}

/** Parses an account object. */
export function parseAccount(body: unknown, url: string): AcmeAccount {
  const doc = record(body, 'account');
  const orders = optionalString(doc.orders);
  return {
    url,
    status: oneOf(doc.status, ACCOUNT_STATUSES, 'account.status'),
    contact: stringArray(doc.contact),
    ...(orders === undefined ? {} : { orders }),
  };
}

/** Parses an order object. */
export function parseOrder(body: unknown, url: string, retryAfterMs: number | undefined): AcmeOrder {
  const doc = record(body, 'order');
  const identifiers = Array.isArray(doc.identifiers) ? doc.identifiers.map(parseIdentifier) : [];
  if (identifiers.length === 0 || identifiers.some((id) => id === undefined)) {
    throw new ResourceShapeError('order.identifiers is missing or holds an identifier that is not dns or ip');
  }
  const optional = {
    certificate: optionalString(doc.certificate),
    expires: optionalString(doc.expires),
    profile: optionalString(doc.profile),
    replaces: optionalString(doc.replaces),
    error: parseProblemDocument(doc.error),
    retryAfterMs,
  };
  return {
    url,
    status: oneOf(doc.status, ORDER_STATUSES, 'order.status'),
    identifiers: identifiers.filter((id): id is AcmeIdentifier => id !== undefined),
    authorizations: stringArray(doc.authorizations),
    finalize: string(doc.finalize, 'order.finalize'),
    ...withoutUndefined(optional),
  };
}

/** Parses an authorization object. */
export function parseAuthorization(
  body: unknown,
  url: string,
  retryAfterMs: number | undefined,
): AcmeAuthorization {
  const doc = record(body, 'authorization');
  const identifier = parseIdentifier(doc.identifier);
  if (identifier === undefined)
    throw new ResourceShapeError('authorization.identifier is missing or not dns or ip');
  const challenges = Array.isArray(doc.challenges) ? doc.challenges.map(parseChallenge) : [];
  return {
    url,
    status: oneOf(doc.status, AUTHZ_STATUSES, 'authorization.status'),
    identifier,
    challenges,
    wildcard: doc.wildcard === true,
    ...withoutUndefined({ expires: optionalString(doc.expires), retryAfterMs }),
  };
}

/** Parses a challenge object. */
export function parseChallenge(body: unknown): AcmeChallenge {
  const doc = record(body, 'challenge');
  return {
    type: string(doc.type, 'challenge.type'),
    url: string(doc.url, 'challenge.url'),
    status: oneOf(doc.status, CHALLENGE_STATUSES, 'challenge.status'),
    ...withoutUndefined({ token: optionalString(doc.token), error: parseProblemDocument(doc.error) }),
  };
}

/** Parses an embedded problem document; `undefined` when absent or not a problem. */
export function parseProblemDocument(value: unknown): AcmeProblemDocument | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  const subproblems: AcmeSubproblem[] = [];
  if (Array.isArray(value.subproblems)) {
    for (const sub of value.subproblems) {
      if (!isRecord(sub) || typeof sub.type !== 'string') continue;
      const identifier = parseIdentifier(sub.identifier);
      subproblems.push({
        type: sub.type,
        code: problemCodeOf(sub.type),
        detail: typeof sub.detail === 'string' ? sub.detail : '',
        ...(identifier ? { identifier } : {}),
      });
    }
  }
  return {
    type: value.type,
    code: problemCodeOf(value.type),
    detail: typeof value.detail === 'string' ? value.detail : '',
    ...(typeof value.status === 'number' ? { status: value.status } : {}),
    subproblems,
  };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new ResourceShapeError(`${what} is not a JSON object`);
  return value;
}

function string(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '')
    throw new ResourceShapeError(`${what} is missing or not a string`);
  return value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  const found = allowed.find((item) => item === value);
  if (found === undefined)
    throw new ResourceShapeError(`${what} is ${JSON.stringify(value)}, not one of ${allowed.join(', ')}`);
  return found;
}

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

function withoutUndefined<T extends Record<string, unknown>>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}
