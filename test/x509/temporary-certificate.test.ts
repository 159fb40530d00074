import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspectCertificate } from '../../src/x509/inspect-certificate.js';
import { parsePrivateKeyPem } from '../../src/x509/private-key.js';
import {
  createTemporaryCertificate,
  TEMPORARY_CERTIFICATE_SUBJECT,
} from '../../src/x509/temporary-certificate.js';

describe('createTemporaryCertificate()', () => {
  const nowMs = Date.parse('2049-12-31T23:00:00Z');
  const validityMs = 90 * 86_400_000;

  it('is a self-signed P-256 server certificate for the hosts, from an hour ago, with its own key', async () => {
    const hosts = ['a.example', 'b.example', '192.0.2.7', '2001:db8::1'];
    const pair = await createTemporaryCertificate(hosts, { nowMs, validityMs });
    const cert = new X509Certificate(pair.certificatePem);
    assert.equal(cert.subject, TEMPORARY_CERTIFICATE_SUBJECT.replace(/^CN=/, 'CN='));
    assert.equal(cert.issuer, cert.subject);
    assert.ok(cert.verify(cert.publicKey), 'signed by its own key');
    assert.ok(cert.checkPrivateKey(parsePrivateKeyPem(pair.privateKeyPem)));
    assert.equal(
      cert.subjectAltName,
      'DNS:a.example, DNS:b.example, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1',
    );
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    // Across the UTCTime / GeneralizedTime switch of 2050.
    assert.equal(Date.parse(cert.validFrom), nowMs - 3_600_000);
    assert.equal(Date.parse(cert.validTo), nowMs + validityMs);
    assert.match(pair.certificatePem, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    const info = inspectCertificate(pair.certificatePem);
    assert.equal(info.selfSigned, true);
    assert.deepEqual(info.keyType, { type: 'ecdsa', curve: 'P-256' });
    assert.deepEqual(info.dnsNames, ['a.example', 'b.example']);
  });

  it('has a new key and serial every time', async () => {
    const [one, two] = await Promise.all([
      createTemporaryCertificate(['a.example'], { nowMs, validityMs }),
      createTemporaryCertificate(['a.example'], { nowMs, validityMs }),
    ]);
    assert.notEqual(one.privateKeyPem, two.privateKeyPem);
    assert.notEqual(
      new X509Certificate(one.certificatePem).serialNumber,
      new X509Certificate(two.certificatePem).serialNumber,
    );
  });
});
