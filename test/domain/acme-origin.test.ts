import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onDirectoryOrigin } from '../../src/domain/acme-origin.js';
import { decide } from '../../src/domain/decide.js';
import { observeSecret } from '../../src/domain/observe-secret.js';
import {
  NOW_MS,
  PRODUCTION,
  decisionPolicy,
  desired,
  managed,
  record,
  secret,
  withRecord,
} from '../support/builders.js';

describe('onDirectoryOrigin() trusts only URLs on the ACME directory origin', () => {
  const cases: [string, string, boolean][] = [
    ['https://acme-v02.api.letsencrypt.org/acme/order/1/2', PRODUCTION, true],
    ['https://acme-v02.api.letsencrypt.org:443/acme/order/1', PRODUCTION, true],
    ['https://ACME-V02.api.letsencrypt.org/acme/order/1', PRODUCTION, true],
    ['http://acme-v02.api.letsencrypt.org/acme/order/1', PRODUCTION, false],
    ['https://acme-v02.api.letsencrypt.org:8443/acme/order/1', PRODUCTION, false],
    ['https://127.0.0.1/acme/order/1', PRODUCTION, false],
    ['https://acme-v02.api.letsencrypt.org.evil.example/acme/order/1', PRODUCTION, false],
    ['https://user:pw@acme-v02.api.letsencrypt.org/acme/order/1', PRODUCTION, false],
    ['/acme/order/1', PRODUCTION, false],
    ['file:///etc/passwd', PRODUCTION, false],
    ['http://ca.internal:4000/order/1', 'http://ca.internal:4000/directory', true],
    ['http://ca.internal:4001/order/1', 'http://ca.internal:4000/directory', false],
    ['https://ca.internal:4000/order/1', 'http://ca.internal:4000/directory', false],
  ];
  for (const [url, directory, trusted] of cases) {
    it(`${trusted ? 'trusts' : 'refuses'} ${url} for ${directory}`, () => {
      assert.equal(onDirectoryOrigin(url, directory).trusted, trusted);
    });
  }
});

describe('decide() never resumes an order URL off the directory origin', () => {
  const want = desired(['a.example']);
  const policy = decisionPolicy();
  const decideFor = (orderUrl: string) => {
    const snapshot = secret(
      'web-tls',
      undefined,
      managed(),
      withRecord(record({ hosts: ['a.example'], orderUrl })),
    );
    const { observed } = observeSecret(snapshot, want, NOW_MS, 'kubernetes.io/tls-acme');
    return decide(want, observed, NOW_MS, policy, 0.5);
  };

  it('resumes an order on the directory origin', () => {
    const decision = decideFor(`${new URL(policy.directoryUrl).origin}/acme/order/1/2`);
    assert.equal(decision.kind, 'issue');
    assert.ok(decision.resumeOrderUrl !== undefined);
    assert.equal(decision.untrustedOrderUrl, undefined);
  });

  it('opens a new order and says why for an order URL pointing at a local address', () => {
    const decision = decideFor('http://127.0.0.1:8080/acme/order/1');
    assert.equal(decision.kind, 'issue');
    assert.equal(decision.resumeOrderUrl, undefined);
    assert.match(
      decision.untrustedOrderUrl?.message ?? '',
      /^Ignoring annotation kube-lego\/order-url "http:\/\/127\.0\.0\.1:8080\/acme\/order\/1" on secret "default\/web-tls": it uses http/,
    );
  });
});
