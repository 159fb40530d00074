import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { formatStatuses, statusDocument } from '../../src/cli/status-output.js';
import type { CertificateStatus } from '../../src/domain/certificate-status.js';
import { DAY_MS, MINUTE_MS, NOW_MS } from '../support/builders.js';

const ready: CertificateStatus = {
  namespace: 'default',
  secret: 'web-tls',
  ingresses: ['web'],
  hosts: ['web.example', 'www.web.example'],
  state: 'Ready',
  detail: 'Certificate for web.example is valid until ...',
  notBeforeMs: NOW_MS - 10 * DAY_MS,
  notAfterMs: NOW_MS + 80 * DAY_MS,
  renewal: { atMs: NOW_MS + 50 * DAY_MS, basis: 'ariWindow' },
  failures: 0,
  served: { kind: 'served', elapsedMs: 7 * MINUTE_MS + 12_000 },
};
const failing: CertificateStatus = {
  namespace: 'shop',
  secret: 'shop-tls',
  ingresses: ['shop'],
  hosts: ['shop.example'],
  state: 'BackingOff',
  detail: 'Waiting until ...',
  failures: 2,
  lastFailure: { atMs: NOW_MS - MINUTE_MS, reason: 'ChallengeFailed' },
  retryNotBeforeMs: NOW_MS + 9 * MINUTE_MS,
};

describe('status output', () => {
  it('prints a kubectl-style table: headers, aligned columns, "-" for what is unknown', () => {
    const text = formatStatuses([ready, failing], { format: 'table', withNamespace: true });
    assert.equal(
      text,
      [
        'NAMESPACE   INGRESS   SECRET     HOSTS                         STATE        NOT AFTER              NEXT RENEWAL           WHY          LAST FAILURE                               NEXT RETRY             SERVED',
        'default     web       web-tls    web.example,www.web.example   Ready        2027-02-16T12:00:00Z   2027-01-17T12:00:00Z   ARI window   -                                          -                      yes (7m12s)',
        'shop        shop      shop-tls   shop.example                  BackingOff   -                      -                      -            2026-11-28T11:59:00Z ChallengeFailed (2)   2026-11-28T12:09:00Z   -',
        '',
      ].join('\n'),
    );
    assert.equal(formatStatuses([], { format: 'table', withNamespace: false }), 'No certificates found.\n');
  });

  it('prints JSON and YAML lists with RFC 3339 times and without unset fields', () => {
    const json = JSON.parse(formatStatuses([failing], { format: 'json', withNamespace: false })) as unknown;
    const yaml = load(formatStatuses([failing], { format: 'yaml', withNamespace: false }));
    const expected = {
      apiVersion: 'kube-lego/v1',
      kind: 'CertificateStatusList',
      items: [
        {
          namespace: 'shop',
          secret: 'shop-tls',
          ingresses: ['shop'],
          hosts: ['shop.example'],
          state: 'BackingOff',
          detail: 'Waiting until ...',
          failures: 2,
          lastFailure: { at: '2026-11-28T11:59:00Z', reason: 'ChallengeFailed' },
          retryNotBefore: '2026-11-28T12:09:00Z',
        },
      ],
    };
    assert.deepEqual(json, expected);
    assert.deepEqual(yaml, expected);
    assert.deepEqual(statusDocument(ready).renewal, { at: '2027-01-17T12:00:00Z', basis: 'ariWindow' });
    assert.deepEqual(statusDocument(ready).served, { outcome: 'served', seconds: 432 });
    assert.deepEqual(statusDocument({ ...ready, served: { kind: 'notServed' } }).served, {
      outcome: 'notServed',
    });
  });
});
