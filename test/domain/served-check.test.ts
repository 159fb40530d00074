import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  TEMPORARY_CERTIFICATE_CN,
  describeServedInstead,
  formatElapsed,
  notServedMessage,
  servedCheckOffsetsMs,
  servedCheckTargets,
  servedInstead,
  servedMessage,
  servesStored,
  type LeafCertificate,
} from '../../src/domain/served-check.js';
import { DAY_MS, NOW_MS } from '../support/builders.js';

function leaf(overrides: Partial<LeafCertificate> = {}): LeafCertificate {
  return {
    serialHex: '0A1B',
    publicKeySha256: 'aa',
    subjectCn: 'www.example.com',
    issuerCn: 'R11',
    notAfterMs: NOW_MS + 90 * DAY_MS,
    selfSigned: false,
    ...overrides,
  };
}

describe('servedCheckOffsetsMs()', () => {
  it('waits 10 s, then twice as long each time, and checks a last time at the limit', () => {
    assert.deepEqual(
      servedCheckOffsetsMs({ firstIntervalMs: 10_000, timeoutMs: 1_800_000 }),
      [10_000, 30_000, 70_000, 150_000, 310_000, 630_000, 1_270_000, 1_800_000],
    );
  });

  it('checks once at the limit when the first interval is longer than it', () => {
    assert.deepEqual(servedCheckOffsetsMs({ firstIntervalMs: 60_000, timeoutMs: 5_000 }), [5_000]);
  });
});

describe('servedCheckTargets()', () => {
  it('pairs every distinct address with every host', () => {
    assert.deepEqual(
      servedCheckTargets(['34.1.2.3', 'lb.example.net', '34.1.2.3'], ['a.example', 'b.example']),
      [
        { address: '34.1.2.3', host: 'a.example' },
        { address: '34.1.2.3', host: 'b.example' },
        { address: 'lb.example.net', host: 'a.example' },
        { address: 'lb.example.net', host: 'b.example' },
      ],
    );
  });

  it('gives no target without an address', () => {
    assert.deepEqual(servedCheckTargets([], ['a.example']), []);
  });
});

describe('servesStored()', () => {
  it('needs both the serial and the public key to match', () => {
    assert.equal(servesStored(leaf(), leaf()), true);
    assert.equal(servesStored(leaf(), leaf({ serialHex: '0A1C' })), false);
    assert.equal(
      servesStored(leaf(), leaf({ publicKeySha256: 'bb' })),
      false,
      'a reused serial with another key',
    );
  });
});

describe('servedInstead() and describeServedInstead()', () => {
  const previous = leaf({ serialHex: '01', publicKeySha256: 'old', notAfterMs: NOW_MS + 5 * DAY_MS });
  const temporary = leaf({
    serialHex: '02',
    publicKeySha256: 'tmp',
    subjectCn: TEMPORARY_CERTIFICATE_CN,
    issuerCn: TEMPORARY_CERTIFICATE_CN,
    selfSigned: true,
  });

  it('names the previous certificate and a reload that has not happened', () => {
    const instead = servedInstead(previous, previous);
    assert.equal(instead.kind, 'previous');
    const text = describeServedInstead(instead);
    assert.match(text, /previous certificate \(issuer "R11", serial 01, not after 2026-12-03T12:00:00Z\)/);
    assert.match(text, /not reloaded/);
  });

  it("recognises kube-lego's temporary certificate, with or without knowing the previous one", () => {
    assert.equal(servedInstead(temporary, temporary).kind, 'temporary');
    assert.equal(servedInstead(temporary, undefined).kind, 'temporary');
    assert.match(
      describeServedInstead(servedInstead(temporary, undefined)),
      /temporary self-signed certificate/,
    );
  });

  it("calls another self-signed certificate the ingress controller's default, and a CA's another Ingress or a CDN", () => {
    const fake = leaf({ subjectCn: 'Kubernetes Ingress Controller Fake Certificate', selfSigned: true });
    assert.match(describeServedInstead(servedInstead(fake, previous)), /self-signed.*default.*class/);
    const other = leaf({ serialHex: '99', issuerCn: 'Cloudflare Inc ECC CA-3' });
    assert.match(
      describeServedInstead(servedInstead(other, previous)),
      /another certificate.*Cloudflare.*another Ingress with the same host.*CDN/,
    );
  });

  it('says an unreachable address is likely private or firewalled', () => {
    assert.match(
      describeServedInstead({ kind: 'unreachable', problem: 'connect ECONNREFUSED' }),
      /ECONNREFUSED.*not reachable/,
    );
  });
});

describe('the messages', () => {
  const target = { address: '34.1.2.3', host: 'www.example.com' };

  it('CertificateServed says where, for which host and how long after it was stored', () => {
    assert.equal(
      servedMessage(target, 'web-tls', 432_000),
      'The load balancer at 34.1.2.3 serves the new certificate of secret "web-tls" for www.example.com, 7m12s after it was stored',
    );
  });

  it('CertificateNotServed names the stored serial and what is served instead', () => {
    const message = notServedMessage(target, {
      secretName: 'web-tls',
      stored: leaf({ serialHex: 'FF' }),
      elapsedMs: 1_800_000,
      instead: servedInstead(leaf({ serialHex: '01' }), leaf({ serialHex: '01' })),
    });
    assert.match(
      message,
      /^The load balancer at 34\.1\.2\.3 does not serve the new certificate of secret "web-tls" \(serial FF\) for www\.example\.com 30m0s after it was stored: it still serves the previous certificate/,
    );
  });

  it('formatElapsed() uses ms, tenths of seconds, minutes and hours', () => {
    assert.deepEqual([850, 3_440, 59_900, 432_000, 3_720_000].map(formatElapsed), [
      '850ms',
      '3.4s',
      '59.9s',
      '7m12s',
      '1h2m',
    ]);
  });
});
