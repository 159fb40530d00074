import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseAuthorization,
  parseDirectory,
  parseOrder,
  ResourceShapeError,
} from '../../src/acme/resources.js';

const directory = {
  newNonce: 'https://ca.test/nonce',
  newAccount: 'https://ca.test/acct',
  newOrder: 'https://ca.test/order',
  revokeCert: 'https://ca.test/revoke',
  keyChange: 'https://ca.test/key',
};

describe('parseDirectory()', () => {
  it('reads renewalInfo and the meta fields', () => {
    const parsed = parseDirectory({
      ...directory,
      renewalInfo: 'https://ca.test/ari',
      meta: {
        termsOfService: 'https://ca.test/tos',
        externalAccountRequired: true,
        caaIdentities: ['ca.test'],
        profiles: { classic: 'The same old', shortlived: 'Six days' },
      },
    });
    assert.equal(parsed.renewalInfo, 'https://ca.test/ari');
    assert.deepEqual(parsed.meta, {
      termsOfService: 'https://ca.test/tos',
      externalAccountRequired: true,
      caaIdentities: ['ca.test'],
      profiles: { classic: 'The same old', shortlived: 'Six days' },
    });
  });

  it('defaults the meta fields when the CA sends none', () => {
    const parsed = parseDirectory(directory);
    assert.equal(parsed.renewalInfo, undefined);
    assert.deepEqual(parsed.meta, { caaIdentities: [], externalAccountRequired: false, profiles: {} });
  });

  it('refuses a directory without newOrder', () => {
    assert.throws(() => parseDirectory({ ...directory, newOrder: undefined }), ResourceShapeError);
  });
});

describe('parseOrder() and parseAuthorization()', () => {
  const order = {
    status: 'invalid',
    identifiers: [
      { type: 'dns', value: 'a.test' },
      { type: 'ip', value: '192.0.2.1' },
    ],
    authorizations: ['https://ca.test/authz/1'],
    finalize: 'https://ca.test/finalize/1',
    profile: 'shortlived',
    error: { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'no', status: 403 },
  };

  it('reads an order with its embedded error and Retry-After', () => {
    const parsed = parseOrder(order, 'https://ca.test/order/1', 2_000);
    assert.equal(parsed.status, 'invalid');
    assert.equal(parsed.profile, 'shortlived');
    assert.equal(parsed.retryAfterMs, 2_000);
    assert.deepEqual(parsed.error, {
      type: 'urn:ietf:params:acme:error:unauthorized',
      code: 'unauthorized',
      detail: 'no',
      status: 403,
      subproblems: [],
    });
  });

  const broken = [
    { what: 'an unknown status', body: { ...order, status: 'done' } },
    { what: 'no identifiers', body: { ...order, identifiers: [] } },
    { what: 'an email identifier', body: { ...order, identifiers: [{ type: 'email', value: 'a@b' }] } },
    { what: 'no finalize URL', body: { ...order, finalize: 42 } },
    { what: 'not an object', body: 'order' },
  ];
  for (const { what, body } of broken) {
    it(`refuses an order with ${what}`, () => {
      assert.throws(() => parseOrder(body, 'https://ca.test/order/1', undefined), ResourceShapeError);
    });
  }

  it('reads a wildcard authorization and its challenges', () => {
    const parsed = parseAuthorization(
      {
        status: 'pending',
        identifier: { type: 'dns', value: 'example.org' },
        wildcard: true,
        challenges: [{ type: 'dns-01', url: 'https://ca.test/chall/1', status: 'pending', token: 'tok' }],
      },
      'https://ca.test/authz/1',
      undefined,
    );
    assert.equal(parsed.wildcard, true);
    assert.deepEqual(parsed.challenges, [
      { type: 'dns-01', url: 'https://ca.test/chall/1', status: 'pending', token: 'tok' },
    ]);
  });
});
