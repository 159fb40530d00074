import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  servedOutcomeOfEvents,
  servedOutcomeText,
  type ServedEvent,
} from '../../src/domain/served-outcome.js';

const AT = Date.UTC(2026, 10, 28, 12);

function event(reason: string, afterS: number, secret: string | undefined = 'web-tls'): ServedEvent {
  return { reason, lastMs: AT + afterS * 1000, secret };
}

describe('servedOutcomeOfEvents()', () => {
  const cases: readonly [string, readonly ServedEvent[], ReturnType<typeof servedOutcomeOfEvents>][] = [
    ['nothing stored yet', [event('TemporaryCertificateIssued', 0)], undefined],
    ['stored, no outcome yet', [event('CertificateIssued', 0)], { kind: 'pending' }],
    [
      'served 7m12s after it was stored',
      [event('CertificateIssued', 0), event('CertificateServed', 432)],
      { kind: 'served', elapsedMs: 432_000 },
    ],
    [
      'the last of several CertificateServed Events',
      [event('CertificateIssued', 0), event('CertificateServed', 3), event('CertificateServed', 5)],
      { kind: 'served', elapsedMs: 5000 },
    ],
    [
      'one target not served wins over another served',
      [event('CertificateIssued', 0), event('CertificateServed', 3), event('CertificateNotServed', 1800)],
      { kind: 'notServed' },
    ],
    [
      'no address to check',
      [event('CertificateIssued', 0), event('CertificateNotCheckable', 10)],
      { kind: 'notCheckable' },
    ],
    [
      "a renewal's check is pending: the previous check's outcome is older",
      [event('CertificateIssued', 0), event('CertificateServed', 9), event('CertificateRenewed', 600)],
      { kind: 'pending' },
    ],
    [
      "another Secret's Events on the same Ingress do not count",
      [event('CertificateIssued', 0), event('CertificateNotServed', 9, 'api-tls')],
      { kind: 'pending' },
    ],
    [
      'Events that name no Secret count for every Secret',
      [event('CertificateIssued', 0, undefined), event('CertificateServed', 2, undefined)],
      { kind: 'served', elapsedMs: 2000 },
    ],
  ];
  for (const [name, events, expected] of cases) {
    it(`servedOutcomeOfEvents(): ${name}`, () => {
      assert.deepEqual(servedOutcomeOfEvents(events, 'web-tls'), expected);
    });
  }

  it('servedOutcomeText() says each outcome in the SERVED column', () => {
    assert.deepEqual(
      [
        servedOutcomeText({ kind: 'served', elapsedMs: 432_000 }),
        servedOutcomeText({ kind: 'notServed' }),
        servedOutcomeText({ kind: 'notCheckable' }),
        servedOutcomeText({ kind: 'pending' }),
        servedOutcomeText(undefined),
      ],
      ['yes (7m12s)', 'no', 'not checkable', 'pending', '-'],
    );
  });
});
