import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CERTIFICATE_METRIC_NAMES,
  certificateExposition,
} from '../../../src/adapters/metrics/certificate-exposition.js';
import type { CertificateReport } from '../../../src/ports/metrics.js';
import { parseExposition, samplesOf } from '../../support/prometheus-text.js';

const issued: CertificateReport = {
  namespace: 'shop',
  secret: 'web-tls',
  ingress: 'api,web',
  hosts: 'a.example.test,b.example.test',
  issuer: 'acme-v02.api.letsencrypt.org',
  profile: 'shortlived',
  status: {
    ready: 'True',
    notBeforeMs: 1_000_000_000_000,
    notAfterMs: 1_000_518_400_000,
    renewAtMs: 1_000_259_200_000,
    ariWindow: { startMs: 1_000_250_000_000, endMs: 1_000_260_000_000 },
    failures: 0,
    rateLimited: false,
  },
};

const failing: CertificateReport = {
  ...issued,
  secret: 'odd"name\\tls',
  status: { ready: 'False', failures: 3, retryNotBeforeMs: 1_000_001_000_000, rateLimited: false },
};

describe('certificateExposition()', () => {
  it('certificateExposition() writes one series per family and certificate, seconds for times, labels exact', () => {
    const exposition = parseExposition(certificateExposition([issued]));
    // Every field of the report but its status is a label, named as in the report.
    const { status: _status, ...labels } = issued;
    const value = (name: string): number[] =>
      samplesOf(exposition, `kube_lego_certificate_${name}`).map((sample) => {
        const { condition: _condition, ...rest } = sample.labels;
        assert.deepEqual(rest, labels);
        return sample.value;
      });
    assert.deepEqual(value('expiration_timestamp_seconds'), [1_000_518_400]);
    assert.deepEqual(value('not_before_timestamp_seconds'), [1_000_000_000]);
    assert.deepEqual(value('renewal_timestamp_seconds'), [1_000_259_200]);
    assert.deepEqual(value('ari_window_start_timestamp_seconds'), [1_000_250_000]);
    assert.deepEqual(value('ari_window_end_timestamp_seconds'), [1_000_260_000]);
    assert.deepEqual(value('failures'), [0]);
    assert.deepEqual(value('temporary'), [0]);
    assert.deepEqual(value('retry_not_before_timestamp_seconds'), []);
    assert.deepEqual(
      samplesOf(exposition, 'kube_lego_certificate_ready_status').map((s) => [
        s.labels['condition'],
        s.value,
      ]),
      [
        ['True', 1],
        ['False', 0],
        ['Unknown', 0],
      ],
    );
    for (const name of CERTIFICATE_METRIC_NAMES) assert.equal(exposition.types.get(name), 'gauge', name);
  });

  it('certificateExposition() writes kube_lego_certificate_temporary 1 while the Secret holds a placeholder', () => {
    const placeholder: CertificateReport = {
      ...issued,
      status: { ready: 'Unknown', failures: 0, rateLimited: false, temporary: true },
    };
    const exposition = parseExposition(certificateExposition([placeholder]));
    assert.deepEqual(
      samplesOf(exposition, 'kube_lego_certificate_temporary').map((s) => s.value),
      [1],
    );
    assert.deepEqual(samplesOf(exposition, 'kube_lego_certificate_expiration_timestamp_seconds'), []);
  });

  it('certificateExposition() writes the served outcome: 1 and its seconds, 0, or no series', () => {
    const series = (served: CertificateReport['served']) => {
      const exposition = parseExposition(
        certificateExposition([served === undefined ? issued : { ...issued, served }]),
      );
      return {
        served: samplesOf(exposition, 'kube_lego_certificate_served').map((s) => s.value),
        seconds: samplesOf(exposition, 'kube_lego_certificate_served_seconds').map((s) => s.value),
      };
    };
    assert.deepEqual(series({ kind: 'served', elapsedMs: 432_500 }), { served: [1], seconds: [432.5] });
    assert.deepEqual(series({ kind: 'notServed' }), { served: [0], seconds: [] });
    assert.deepEqual(series({ kind: 'pending' }), { served: [], seconds: [] });
    assert.deepEqual(series({ kind: 'notCheckable' }), { served: [], seconds: [] });
    assert.deepEqual(series(undefined), { served: [], seconds: [] });
  });

  it('certificateExposition() escapes label values and leaves out the dates a certificate does not have', () => {
    const exposition = parseExposition(certificateExposition([failing]));
    const [failures] = samplesOf(exposition, 'kube_lego_certificate_failures');
    assert.equal(failures?.labels['secret'], 'odd"name\\tls');
    assert.equal(failures.value, 3);
    assert.deepEqual(samplesOf(exposition, 'kube_lego_certificate_expiration_timestamp_seconds'), []);
    assert.equal(
      samplesOf(exposition, 'kube_lego_certificate_retry_not_before_timestamp_seconds')[0]?.value,
      1_000_001_000,
    );
  });

  it('certificateExposition() of no certificate declares the families and writes no certificate series', () => {
    const exposition = parseExposition(certificateExposition([]));
    assert.deepEqual(exposition.samples, [{ name: 'kube_lego_rate_limited', labels: {}, value: 0 }]);
    assert.equal(exposition.types.size, CERTIFICATE_METRIC_NAMES.length + 1);
  });

  it('certificateExposition() sets kube_lego_rate_limited while any certificate waits out a rate limit', () => {
    const limited: CertificateReport = { ...failing, status: { ...failing.status, rateLimited: true } };
    const value = (reports: CertificateReport[]): number | undefined =>
      samplesOf(parseExposition(certificateExposition(reports)), 'kube_lego_rate_limited')[0]?.value;
    assert.equal(value([issued, failing]), 0);
    assert.equal(value([issued, limited]), 1);
  });
});
