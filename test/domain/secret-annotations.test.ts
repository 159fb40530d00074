import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ANNOTATIONS,
  formatIssuanceRecord,
  formatTime,
  managedSecretAnnotations,
  managedSecretLabels,
  parseIssuanceRecord,
  parseTime,
} from '../../src/domain/secret-annotations.js';
import type { IssuanceRecord } from '../../src/domain/types.js';
import { NOW_MS, OPT_IN, PRODUCTION } from '../support/builders.js';

const full: IssuanceRecord = {
  hosts: ['a.example', 'b.example'],
  directoryUrl: PRODUCTION,
  accountUrl: 'https://ca.example/acct/1',
  certId: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
  notAfterMs: NOW_MS + 80 * 86_400_000,
  renewAtMs: NOW_MS + 50 * 86_400_000,
  ariWindow: { startMs: NOW_MS + 40 * 86_400_000, endMs: NOW_MS + 42 * 86_400_000 },
  ariExplanationUrl: 'https://ca.example/ari/why',
  failures: 3,
  lastFailureMs: NOW_MS - 60_000,
  lastFailureReason: 'ChallengeFailed',
  retryNotBeforeMs: NOW_MS + 6_000_000,
  orderUrl: 'https://ca.example/order/1',
  renewRequestedMs: NOW_MS - 3_600_000,
  ingresses: ['default/web', 'default/api'],
};

describe('secret annotations', () => {
  it('formatIssuanceRecord() and parseIssuanceRecord() round-trip every field', () => {
    const parsed = parseIssuanceRecord(formatIssuanceRecord(full));
    assert.deepEqual(parsed, { record: full, problems: [] });
  });

  it('formatIssuanceRecord() writes the exact keys and formats', () => {
    assert.deepEqual(formatIssuanceRecord(full), {
      'kube-lego/hosts': 'a.example,b.example',
      'kube-lego/directory-url': PRODUCTION,
      'kube-lego/account-url': 'https://ca.example/acct/1',
      'kube-lego/cert-id': 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
      'kube-lego/not-after': '2027-02-16T12:00:00Z',
      'kube-lego/renew-at': '2027-01-17T12:00:00Z',
      'kube-lego/ari-window': '2027-01-07T12:00:00Z/2027-01-09T12:00:00Z',
      'kube-lego/ari-explanation-url': 'https://ca.example/ari/why',
      'kube-lego/failures': '3',
      'kube-lego/last-failure': '2026-11-28T11:59:00Z',
      'kube-lego/last-failure-reason': 'ChallengeFailed',
      'kube-lego/retry-not-before': '2026-11-28T13:40:00Z',
      'kube-lego/order-url': 'https://ca.example/order/1',
      'kube-lego/renew-requested': '2026-11-28T11:00:00Z',
      'kube-lego/ingress': 'default/web,default/api',
    });
  });

  it('formatIssuanceRecord() leaves out unset fields and a zero failure count', () => {
    assert.deepEqual(formatIssuanceRecord({ failures: 0 }), {});
  });

  it('formatTime() truncates to whole seconds so a value read back equals the value compared', () => {
    assert.equal(formatTime(NOW_MS + 999), '2026-11-28T12:00:00Z');
    assert.equal(parseTime(formatTime(NOW_MS + 999)), NOW_MS);
  });

  it('parseTime() accepts offsets and fractions and refuses other date formats', () => {
    assert.equal(parseTime('2026-11-28T13:00:00+01:00'), NOW_MS);
    assert.equal(parseTime('2026-11-28T12:00:00.5Z'), NOW_MS + 500);
    assert.equal(parseTime('Sat, 28 Nov 2026 12:00:00 GMT'), undefined);
    assert.equal(parseTime('2026-11-28'), undefined);
  });

  const bad: { key: string; value: string }[] = [
    { key: ANNOTATIONS.failures, value: '-1' },
    { key: ANNOTATIONS.failures, value: 'three' },
    { key: ANNOTATIONS.retryNotBefore, value: 'tomorrow' },
    { key: ANNOTATIONS.notAfter, value: '2026-13-45T99:00:00Z' },
    { key: ANNOTATIONS.ariWindow, value: '2026-11-28T12:00:00Z' },
    { key: ANNOTATIONS.ariWindow, value: '2026-11-29T12:00:00Z/2026-11-28T12:00:00Z' },
    { key: ANNOTATIONS.lastFailureReason, value: 'Exploded' },
  ];
  for (const c of bad) {
    it(`parseIssuanceRecord() turns ${c.key}="${c.value}" into a problem, never a throw`, () => {
      const { record, problems } = parseIssuanceRecord({ [c.key]: c.value });
      assert.deepEqual(record, { failures: 0 });
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.key, c.key);
      assert.match(problems[0].message, new RegExp(`^Cannot read annotation "${c.key}": value "`));
    });
  }

  it('managedSecretAnnotations() keeps foreign annotations, replaces ours and writes the legacy opt-in annotation', () => {
    const existing = {
      'example.com/owner': 'team-a',
      'kube-lego/order-url': 'https://ca.example/order/old',
      'kube-lego/failures': '4',
    };
    const annotations = managedSecretAnnotations(existing, { failures: 0, hosts: ['a.example'] }, OPT_IN);
    assert.deepEqual(annotations, {
      'example.com/owner': 'team-a',
      [OPT_IN]: 'true',
      'kube-lego/hosts': 'a.example',
    });
  });

  it('managedSecretLabels() keeps foreign labels and adds the managed label', () => {
    assert.deepEqual(managedSecretLabels({ app: 'web' }), { app: 'web', 'kube-lego/managed': 'true' });
  });
});
