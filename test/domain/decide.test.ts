import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type Decision } from '../../src/domain/decide.js';
import type { IssuanceRecord, ObservedSecret } from '../../src/domain/types.js';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  NOW_MS,
  PRODUCTION,
  STAGING,
  cert,
  certAged,
  decisionPolicy,
  desired,
  record,
} from '../support/builders.js';

const hosts = ['a.example', 'b.example'];
const want = desired(hosts);
const present = (c = cert(hosts), r: IssuanceRecord = record()): ObservedSecret => ({
  state: 'present',
  cert: c,
  record: r,
});

describe('decide() issues', () => {
  const cases: {
    name: string;
    observed: ObservedSecret;
    reason: string;
    message: string;
    renewal?: string;
  }[] = [
    {
      name: 'when the secret is absent',
      observed: { state: 'absent' },
      reason: 'SecretMissing',
      message: 'no cert associated with ingress',
    },
    {
      name: 'when our secret holds no readable certificate',
      observed: { state: 'unparseable', problem: 'not PEM', record: record() },
      reason: 'SecretUnparseable',
      message: 'cert does not cover all domains',
    },
    {
      name: 'when a placeholder can be adopted',
      observed: { state: 'adoptable', why: 'SelfSigned' },
      reason: 'Adopting',
      message: 'cert does not cover all domains',
    },
    {
      name: 'when the certificate does not cover all hosts',
      observed: present(cert(['a.example'])),
      reason: 'HostsNotCovered',
      message: 'cert does not cover all domains',
    },
    {
      name: 'when the certificate names a host that was removed',
      observed: present(cert([...hosts, 'old.example'])),
      reason: 'HostsChanged',
      message: 'cert names differ from the ingress hosts',
    },
    {
      name: 'when the key does not match the certificate (bug 13)',
      observed: present(cert(hosts, { keyMatchesCert: false })),
      reason: 'KeyMismatch',
      message: 'cert does not match its private key',
    },
    {
      name: 'when an adopted placeholder is self-signed',
      observed: present(cert(hosts, { selfSigned: true })),
      reason: 'SelfSigned',
      message: 'cert is self-signed',
    },
    {
      name: 'when the certificate came from another directory (staging to production)',
      observed: present(cert(hosts), record({ directoryUrl: STAGING })),
      reason: 'DirectoryChanged',
      message: 'cert was issued by another ACME directory',
    },
    {
      name: 'when the certificate has expired',
      observed: present(certAged(hosts, 91)),
      reason: 'Expired',
      message: 'cert expires soon so renew',
      renewal: 'expired',
    },
    {
      name: 'when two thirds of the lifetime have passed',
      observed: present(certAged(hosts, 61)),
      reason: 'RenewalDue',
      message: 'cert expires soon so renew',
      renewal: 'lifetime',
    },
    {
      name: 'at half the lifetime of a 6-day certificate',
      observed: present(certAged(hosts, 3.1, 6)),
      reason: 'RenewalDue',
      message: 'cert expires soon so renew',
      renewal: 'lifetime',
    },
    {
      name: 'when the chosen ARI time has passed',
      observed: present(
        certAged(hosts, 20),
        record({ ariWindow: { startMs: NOW_MS - 2 * DAY_MS, endMs: NOW_MS - DAY_MS } }),
      ),
      reason: 'RenewalDue',
      message: 'cert expires soon so renew',
      renewal: 'ariWindow',
    },
  ];
  for (const c of cases) {
    it(`decide() issues ${c.name}`, () => {
      const decision = decide(want, c.observed, NOW_MS, decisionPolicy(), 0.5);
      assert.equal(decision.kind, 'issue');
      assert.equal(decision.reason, c.reason);
      assert.equal(decision.message, c.message);
      assert.equal(decision.renewal, c.renewal, 'renewal: a valid certificate of ours is replaced, and why');
      assert.deepEqual(decision.fields.domains, hosts);
      assert.doesNotMatch(decision.detail, /\.$/);
    });
  }
});

describe('decide() waits', () => {
  it("decide() waits until two thirds of the lifetime with kube-lego's log line", () => {
    const c = certAged(hosts, 0.4);
    const decision = decide(want, present(c), NOW_MS, decisionPolicy(), 0.5);
    assert.equal(decision.kind, 'wait');
    assert.equal(decision.why, 'RenewalScheduled');
    assert.equal(decision.untilMs, c.notBeforeMs + 60 * DAY_MS);
    assert.equal(decision.message, 'cert expires in 89.6 days, no renewal needed');
  });

  it('decide() treats a certificate without a recorded directory (kube-lego 0.1.7) as current', () => {
    const decision = decide(want, present(certAged(hosts, 10), record()), NOW_MS, decisionPolicy(), 0.5);
    assert.equal(decision.kind, 'wait');
  });

  it('decide() returns the renewal time to persist, once', () => {
    const c = certAged(hosts, 10);
    const first = decide(want, present(c), NOW_MS, decisionPolicy(), 0.5);
    assert.equal(first.kind, 'wait');
    assert.deepEqual(first.persist, { notAfterMs: c.notAfterMs, renewAtMs: c.notBeforeMs + 60 * DAY_MS });
    const second = decide(
      want,
      present(c, record({ ...first.persist, failures: 0 })),
      NOW_MS,
      decisionPolicy(),
      0.9,
    );
    assert.equal(second.kind, 'wait');
    assert.equal(second.persist, undefined);
  });

  it('decide() warns once and ignores a minimum validity that would renew on every check', () => {
    const c = certAged(hosts, 1, 6);
    const policy = decisionPolicy({ minimumValidityMs: 30 * DAY_MS });
    const first = decide(want, present(c), NOW_MS, policy, 0.5);
    assert.equal(first.kind, 'wait');
    assert.equal(first.untilMs, c.notBeforeMs + 3 * DAY_MS);
    assert.equal(first.warnings[0]?.code, 'MinimumValidityIgnored');
    assert.match(first.warnings[0].message, /^Cannot apply LEGO_MINIMUM_VALIDITY of 30\.0 days/);
    const again = decide(want, present(c, record({ ...first.persist, failures: 0 })), NOW_MS, policy, 0.5);
    assert.equal(again.kind, 'wait');
    assert.deepEqual(again.warnings, []);
  });

  it('decide() ignores host order when comparing', () => {
    const decision = decide(
      desired(['b.example', 'a.example']),
      present(certAged(hosts, 10)),
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'wait');
  });
});

describe('decide() backoff', () => {
  const failed = (overrides: Partial<IssuanceRecord>): IssuanceRecord =>
    record({
      failures: 2,
      hosts,
      lastFailureReason: 'ChallengeFailed',
      retryNotBeforeMs: NOW_MS + 10 * MINUTE_MS,
      ...overrides,
    });

  it('decide() backs off after a recorded failure instead of ordering again', () => {
    const decision = decide(want, present(cert(['a.example']), failed({})), NOW_MS, decisionPolicy(), 0.5);
    assert.equal(decision.kind, 'wait');
    assert.equal(decision.why, 'BackingOff');
    assert.equal(decision.untilMs, NOW_MS + 10 * MINUTE_MS);
  });

  it('decide() backs off an unparseable secret written after a failed first attempt', () => {
    const decision = decide(
      want,
      { state: 'unparseable', problem: 'tls.crt is missing or empty', record: failed({}) },
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'wait');
    assert.equal(decision.why, 'BackingOff');
  });

  it('decide() retries once the backoff has passed', () => {
    const decision = decide(
      want,
      present(cert(['a.example']), failed({ retryNotBeforeMs: NOW_MS })),
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'issue');
  });

  it('decide() skips the backoff when the hosts changed since the failure', () => {
    const decision = decide(
      want,
      present(cert(['a.example']), failed({ hosts: ['a.example'] })),
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'issue');
  });

  it('decide() holds a rate limit even when the hosts changed', () => {
    const limited = failed({
      hosts: ['a.example'],
      lastFailureReason: 'RateLimited',
      retryNotBeforeMs: NOW_MS + 3 * HOUR_MS,
    });
    const decision = decide(want, present(cert(['a.example']), limited), NOW_MS, decisionPolicy(), 0.5);
    assert.equal(decision.kind, 'wait');
    assert.equal(decision.why, 'RateLimited');
    assert.equal(decision.untilMs, NOW_MS + 3 * HOUR_MS);
  });

  it('decide() does not let an old backoff delay a certificate that needs nothing', () => {
    const decision = decide(want, present(certAged(hosts, 10), failed({})), NOW_MS, decisionPolicy(), 0.5);
    assert.equal(decision.kind, 'wait');
    assert.equal(decision.why, 'RenewalScheduled');
  });
});

describe('decide() renew requests', () => {
  it('decide() renews a valid certificate early when a renewal was requested', () => {
    const decision = decide(
      want,
      present(certAged(hosts, 10), record({ renewRequestedMs: NOW_MS - MINUTE_MS })),
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'issue');
    assert.equal(decision.reason, 'RenewRequested');
    assert.equal(decision.renewal, 'requested');
  });

  it('decide() ignores a renew request set for the future', () => {
    const decision = decide(
      want,
      present(certAged(hosts, 10), record({ renewRequestedMs: NOW_MS + HOUR_MS })),
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'wait');
  });

  it('decide() lets a renew request override a failure backoff but never a rate limit', () => {
    const failed = {
      failures: 4,
      hosts,
      renewRequestedMs: NOW_MS - MINUTE_MS,
      retryNotBeforeMs: NOW_MS + HOUR_MS,
    };
    const backingOff = decide(
      want,
      present(certAged(hosts, 10), record({ ...failed, lastFailureReason: 'ChallengeFailed' })),
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(backingOff.kind, 'issue');
    const limited = decide(
      want,
      present(certAged(hosts, 10), record({ ...failed, lastFailureReason: 'RateLimited' })),
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(limited.kind, 'wait');
    assert.equal(limited.why, 'RateLimited');
  });
});

describe('decide() other outcomes', () => {
  it('decide() never touches a foreign secret and says why', () => {
    const decision: Decision = decide(
      want,
      {
        state: 'foreign',
        reason: 'WrongType',
        message: 'Cannot store certificate in secret "default/web-tls": it has type "Opaque"',
      },
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'skip');
    assert.equal(decision.reason, 'ForeignSecret');
    assert.match(decision.detail, /type "Opaque"/);
  });

  it('decide() resumes the order recorded before a restart for the same hosts', () => {
    const inFlight = record({
      orderUrl: 'https://acme-v02.api.letsencrypt.org/acme/order/7',
      hosts: ['b.example', 'a.example'],
    });
    const decision = decide(
      want,
      { state: 'unparseable', problem: 'tls.crt is missing or empty', record: inFlight },
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'issue');
    assert.equal(decision.resumeOrderUrl, 'https://acme-v02.api.letsencrypt.org/acme/order/7');
  });

  it('decide() opens a new order when the recorded one was for other hosts', () => {
    const inFlight = record({
      orderUrl: 'https://acme-v02.api.letsencrypt.org/acme/order/7',
      hosts: ['a.example'],
    });
    const decision = decide(want, present(certAged(hosts, 70), inFlight), NOW_MS, decisionPolicy(), 0.5);
    assert.equal(decision.kind, 'issue');
    assert.equal(decision.resumeOrderUrl, undefined);
  });

  it('decide() is a pure function of its arguments', () => {
    const observed = present(certAged(hosts, 10));
    assert.deepEqual(
      decide(want, observed, NOW_MS, decisionPolicy({ directoryUrl: PRODUCTION }), 0.5),
      decide(want, observed, NOW_MS, decisionPolicy({ directoryUrl: PRODUCTION }), 0.5),
    );
  });
});
