import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AcmeOrderError,
  AcmeOrderRefusedError,
  AcmeProblemError,
  AcmeTransportError,
} from '../../src/acme/errors.js';
import { AccountError } from '../../src/adapters/acme/account-errors.js';
import { SelfCheckError } from '../../src/adapters/http01/self-check.js';
import { KubeApiError } from '../../src/adapters/kube/kube-errors.js';
import { KubeLegoError, type Reaction } from '../../src/domain/kube-lego-error.js';
import { classifyFailure } from '../../src/reconcile/failure-reason.js';

const request = { method: 'POST', url: 'https://ca.example/acme/new-order' };

function problem(type: string, status: number, retryAfterMs?: number): AcmeProblemError {
  return new AcmeProblemError({
    type: `urn:ietf:params:acme:error:${type}`,
    detail: 'detail',
    status,
    subproblems: [],
    request,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

describe('classifyFailure()', () => {
  const cases: {
    name: string;
    err: unknown;
    timedOut?: boolean;
    want: ReturnType<typeof classifyFailure>;
  }[] = [
    {
      name: 'a rateLimited problem keeps its Retry-After exactly',
      err: problem('rateLimited', 429, 3_600_000),
      want: { reason: 'RateLimited', retryAfterMs: 3_600_000 },
    },
    {
      name: 'a 503 with Retry-After is the CA being unavailable, not a rate limit, and waits for it',
      err: new AcmeTransportError({
        code: 'httpStatus',
        message: 'busy',
        request,
        status: 503,
        retryAfterMs: 120_000,
      }),
      want: { reason: 'CaUnavailable', retryAfterMs: 120_000 },
    },
    {
      name: 'a 503 problem document with Retry-After is the CA being unavailable',
      err: problem('serverInternal', 503, 30_000),
      want: { reason: 'CaUnavailable', retryAfterMs: 30_000 },
    },
    {
      name: 'a refused or reset connection to the CA is the CA being unavailable',
      err: new AcmeTransportError({ code: 'network', message: 'ECONNREFUSED', request }),
      want: { reason: 'CaUnavailable' },
    },
    {
      name: 'a request to the CA that timed out is the CA being unavailable',
      err: new AcmeTransportError({ code: 'timeout', message: 'timed out', request }),
      want: { reason: 'CaUnavailable' },
    },
    {
      name: 'a 502 or 504 from a proxy in front of the CA is the CA being unavailable',
      err: new AcmeTransportError({ code: 'httpStatus', message: 'bad gateway', request, status: 502 }),
      want: { reason: 'CaUnavailable' },
    },
    {
      name: 'a 500 without a problem document is still an order failure',
      err: new AcmeTransportError({ code: 'httpStatus', message: 'oops', request, status: 500 }),
      want: { reason: 'OrderFailed' },
    },
    {
      name: 'an account that cannot be set up because the CA is unreachable is the CA being unavailable',
      err: new AccountError('accountRegistrationFailed', 'no account', {
        cause: new AcmeTransportError({ code: 'network', message: 'ECONNRESET', request }),
      }),
      want: { reason: 'CaUnavailable' },
    },
    {
      name: 'a validation problem is a challenge failure',
      err: problem('dns', 400),
      want: { reason: 'ChallengeFailed' },
    },
    {
      name: 'an invalid order is a challenge failure',
      err: new AcmeOrderError('orderInvalid', 'invalid', 'https://ca.example/order/1'),
      want: { reason: 'ChallengeFailed' },
    },
    {
      name: 'newOrder refused with unauthorized (another account) is an order refusal, not a challenge failure',
      err: new AcmeOrderRefusedError(problem('unauthorized', 403)),
      want: { reason: 'OrderRefused' },
    },
    {
      name: 'newOrder refused with a rate limit is still a rate limit',
      err: new AcmeOrderRefusedError(problem('rateLimited', 429, 60_000)),
      want: { reason: 'RateLimited', retryAfterMs: 60_000 },
    },
    {
      name: 'another ACME problem is an order failure',
      err: problem('badCSR', 400),
      want: { reason: 'OrderFailed' },
    },
    {
      name: 'an account problem is an account failure',
      err: new AccountError('accountRegistrationFailed', 'no account'),
      want: { reason: 'AccountFailed' },
    },
    {
      name: 'a failed self-check is reported as such',
      err: new SelfCheckError('a.example', 'wrong status'),
      want: { reason: 'SelfCheckFailed' },
    },
    {
      name: 'a Kubernetes write failure is a secret write failure',
      err: new KubeApiError({ code: 'forbidden', message: 'no', request: { method: 'PUT', path: '/x' } }),
      want: { reason: 'SecretWriteFailed' },
    },
    {
      name: 'the per-order deadline wins over the error it caused',
      err: problem('dns', 400),
      timedOut: true,
      want: { reason: 'Timeout' },
    },
    { name: 'anything else is unknown', err: new Error('boom'), want: { reason: 'Unknown' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(classifyFailure(c.err, c.timedOut ?? false), c.want);
    });
  }
});

describe('error reactions', () => {
  const kube = (code: 'forbidden' | 'serverError' | 'tooManyRequests', retryAfterMs?: number): KubeApiError =>
    new KubeApiError({
      code,
      message: code,
      request: { method: 'PUT', path: '/x' },
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  const cases: { name: string; err: KubeLegoError; want: Reaction }[] = [
    {
      name: 'a rate limit with Retry-After waits exactly that long',
      err: problem('rateLimited', 429, 60_000),
      want: { kind: 'waitUntil', reason: 'RateLimited', retryAfterMs: 60_000 },
    },
    {
      name: 'a 429 without the rateLimited type is still a rate limit',
      err: problem('serverInternal', 429, 60_000),
      want: { kind: 'waitUntil', reason: 'RateLimited', retryAfterMs: 60_000 },
    },
    {
      name: 'a 503 with Retry-After waits for the CA exactly that long, not as a rate limit',
      err: problem('serverInternal', 503, 60_000),
      want: { kind: 'waitUntil', reason: 'CaUnavailable', retryAfterMs: 60_000 },
    },
    {
      name: 'a refused connection to the CA backs off as CA unavailable',
      err: new AcmeTransportError({ code: 'network', message: 'ECONNREFUSED', request }),
      want: { kind: 'backOff', reason: 'CaUnavailable' },
    },
    {
      name: 'a rate limit without Retry-After backs off',
      err: problem('rateLimited', 429),
      want: { kind: 'backOff', reason: 'RateLimited' },
    },
    {
      name: 'a failed validation backs off (it usually heals without a change)',
      err: problem('dns', 400),
      want: { kind: 'backOff', reason: 'ChallengeFailed' },
    },
    {
      name: 'a refused CSR gives up until the input changes',
      err: problem('badCSR', 400),
      want: { kind: 'giveUp', reason: 'OrderFailed' },
    },
    {
      name: 'an order without a usable challenge gives up',
      err: new AcmeOrderError('challengeUnavailable', 'no http-01'),
      want: { kind: 'giveUp', reason: 'OrderFailed' },
    },
    {
      name: 'a Kubernetes server error is retried',
      err: kube('serverError'),
      want: { kind: 'retry', reason: 'SecretWriteFailed' },
    },
    {
      name: 'a Kubernetes permission error gives up',
      err: kube('forbidden'),
      want: { kind: 'giveUp', reason: 'SecretWriteFailed' },
    },
    {
      name: 'a Kubernetes 429 waits for its Retry-After',
      err: kube('tooManyRequests', 5_000),
      want: { kind: 'waitUntil', reason: 'SecretWriteFailed', retryAfterMs: 5_000 },
    },
    {
      name: 'a failed self-check backs off',
      err: new SelfCheckError('a.example', 'wrong status'),
      want: { kind: 'backOff', reason: 'SelfCheckFailed' },
    },
  ];
  for (const c of cases) {
    it(`error reactions: ${c.name}`, () => {
      assert.ok(c.err instanceof KubeLegoError);
      assert.deepEqual(c.err.reaction, c.want);
    });
  }
});
