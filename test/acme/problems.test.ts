import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acmeRetryAfterMs, classifyAcmeError } from '../../src/acme/classify-acme-error.js';
import {
  ACME_PROBLEM_CODES,
  type AcmeErrorClass,
  AcmeOrderError,
  AcmeProblemError,
  AcmeTransportError,
  AcmeUsageError,
  type AcmeProblemCode,
} from '../../src/acme/errors.js';
import { parseProblem } from '../../src/acme/parse-problem.js';

const request = { method: 'POST', url: 'https://ca.test/acme/new-order' };

function problem(body: unknown, status = 400, retryAfterMs?: number): AcmeProblemError {
  const parsed = parseProblem(body, { status, request, retryAfterMs });
  assert.ok(parsed, 'a problem document');
  return parsed;
}

// Every problem type of RFC 8555 §6.7, plus alreadyReplaced (RFC 9773), invalidProfile (profiles draft) and
// Boulder's conflict.
const DOCUMENTED: readonly AcmeProblemCode[] = [
  'accountDoesNotExist',
  'alreadyRevoked',
  'badCSR',
  'badNonce',
  'badPublicKey',
  'badRevocationReason',
  'badSignatureAlgorithm',
  'caa',
  'compound',
  'connection',
  'dns',
  'externalAccountRequired',
  'incorrectResponse',
  'invalidContact',
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
  'alreadyReplaced',
  'invalidProfile',
  'conflict',
];

const EXPECTED_CLASS: Readonly<Record<string, AcmeErrorClass>> = {
  rateLimited: 'rateLimited',
  badNonce: 'transient',
  serverInternal: 'transient',
  connection: 'transient',
  dns: 'transient',
  tls: 'transient',
  incorrectResponse: 'transient',
  unauthorized: 'transient',
  caa: 'transient',
  orderNotReady: 'transient',
  compound: 'transient',
  conflict: 'transient',
};

describe('parseProblem()', () => {
  it('knows every documented problem type', () => {
    assert.deepEqual([...ACME_PROBLEM_CODES].sort(), [...DOCUMENTED].sort());
  });

  for (const code of DOCUMENTED) {
    const status = code === 'rateLimited' ? 429 : code === 'serverInternal' ? 500 : 400;
    it(`maps urn:ietf:params:acme:error:${code} to code ${code}, classified ${EXPECTED_CLASS[code] ?? 'terminal'}`, () => {
      const err = problem({ type: `urn:ietf:params:acme:error:${code}`, detail: `about ${code}` }, status);
      assert.equal(err.code, code);
      assert.equal(err.type, `urn:ietf:params:acme:error:${code}`);
      assert.equal(err.detail, `about ${code}`);
      assert.equal(err.status, status);
      assert.deepEqual(err.request, request);
      assert.equal(classifyAcmeError(err), EXPECTED_CLASS[code] ?? 'terminal');
    });
  }

  it('keeps subproblems with their identifiers (RFC 8555 §6.7.1)', () => {
    const err = problem({
      type: 'urn:ietf:params:acme:error:malformed',
      detail: 'Some of the identifiers requested were rejected',
      subproblems: [
        {
          type: 'urn:ietf:params:acme:error:malformed',
          detail: 'Invalid underscore in DNS name "_example.org"',
          identifier: { type: 'dns', value: '_example.org' },
        },
        {
          type: 'urn:ietf:params:acme:error:rejectedIdentifier',
          detail: 'This CA will not issue for "example.net"',
          identifier: { type: 'dns', value: 'example.net' },
        },
        { type: 'urn:ietf:params:acme:error:caa', detail: 'no identifier here' },
        { detail: 'no type: dropped' },
      ],
    });
    assert.deepEqual(err.subproblems, [
      {
        type: 'urn:ietf:params:acme:error:malformed',
        code: 'malformed',
        detail: 'Invalid underscore in DNS name "_example.org"',
        identifier: { type: 'dns', value: '_example.org' },
      },
      {
        type: 'urn:ietf:params:acme:error:rejectedIdentifier',
        code: 'rejectedIdentifier',
        detail: 'This CA will not issue for "example.net"',
        identifier: { type: 'dns', value: 'example.net' },
      },
      { type: 'urn:ietf:params:acme:error:caa', code: 'caa', detail: 'no identifier here' },
    ]);
    assert.match(err.message, /example\.net: This CA will not issue/);
  });

  it('carries Retry-After and classifies a 429 as rate limited', () => {
    const err = problem(
      { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many' },
      429,
      3_600_000,
    );
    assert.equal(err.retryAfterMs, 3_600_000);
    assert.equal(acmeRetryAfterMs(err), 3_600_000);
    assert.equal(acmeRetryAfterMs(new Error('other')), undefined);
    assert.equal(classifyAcmeError(err), 'rateLimited');
  });

  it('classifies a 503, with or without Retry-After, as the CA being unavailable, never rate limited', () => {
    assert.equal(classifyAcmeError(problem({ type: 'about:blank' }, 503, 10_000)), 'unavailable');
    assert.equal(classifyAcmeError(problem({ type: 'about:blank' }, 503)), 'unavailable');
    assert.equal(classifyAcmeError(problem({ type: 'about:blank' }, 429, 10_000)), 'rateLimited');
  });

  it('maps an unknown or non-ACME type to unknown, terminal below 500', () => {
    const err = problem({ type: 'urn:ietf:params:acme:error:somethingNew', detail: 'x' }, 400);
    assert.equal(err.code, 'unknown');
    assert.equal(classifyAcmeError(err), 'terminal');
    assert.equal(problem({ type: 'https://ca.test/problems/x' }).code, 'unknown');
  });

  it('returns undefined for a body that is not a problem document', () => {
    assert.equal(parseProblem('<html>bad gateway</html>', { status: 502, request }), undefined);
    assert.equal(parseProblem({ detail: 'no type' }, { status: 400, request }), undefined);
    assert.equal(parseProblem(undefined, { status: 400, request }), undefined);
  });

  it('uses the document status only when the HTTP status is not an error', () => {
    assert.equal(problem({ type: 'about:blank', status: 418 }, 200).status, 418);
    assert.equal(problem({ type: 'about:blank', status: 418 }, 404).status, 404);
  });
});

describe('classifyAcmeError()', () => {
  const ref = { method: 'GET', url: 'https://ca.test/dir' };
  const cases: { what: string; err: unknown; expected: AcmeErrorClass }[] = [
    {
      what: 'a timeout',
      err: new AcmeTransportError({ code: 'timeout', message: 'x', request: ref }),
      expected: 'unavailable',
    },
    {
      what: 'a refused or reset connection',
      err: new AcmeTransportError({ code: 'network', message: 'x', request: ref }),
      expected: 'unavailable',
    },
    {
      what: 'a TLS failure',
      err: new AcmeTransportError({ code: 'tls', message: 'x', request: ref }),
      expected: 'transient',
    },
    {
      what: 'HTTP 429 without a problem',
      err: new AcmeTransportError({
        code: 'httpStatus',
        message: 'x',
        request: ref,
        status: 429,
        retryAfterMs: 5,
      }),
      expected: 'rateLimited',
    },
    {
      what: 'HTTP 502 without a problem',
      err: new AcmeTransportError({ code: 'httpStatus', message: 'x', request: ref, status: 502 }),
      expected: 'unavailable',
    },
    {
      what: 'HTTP 500 without a problem',
      err: new AcmeTransportError({ code: 'httpStatus', message: 'x', request: ref, status: 500 }),
      expected: 'transient',
    },
    {
      what: 'HTTP 404 without a problem',
      err: new AcmeTransportError({ code: 'httpStatus', message: 'x', request: ref, status: 404 }),
      expected: 'terminal',
    },
    { what: 'a usage error', err: new AcmeUsageError('accountRequired', 'x'), expected: 'terminal' },
    {
      what: 'no usable challenge',
      err: new AcmeOrderError('challengeUnavailable', 'x'),
      expected: 'terminal',
    },
    { what: 'polling exhausted', err: new AcmeOrderError('pollLimitReached', 'x'), expected: 'transient' },
    { what: 'a foreign error', err: new Error('boom'), expected: 'transient' },
  ];
  for (const { what, err, expected } of cases) {
    it(`classifies ${what} as ${expected}`, () => {
      assert.equal(classifyAcmeError(err), expected);
    });
  }
});
