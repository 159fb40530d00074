import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ariCertId } from '../../src/acme/ari-cert-id.js';
import { AcmeUsageError } from '../../src/acme/errors.js';
import { makeCertificate } from '../x509/test-certificates.js';

describe('ariCertId()', () => {
  it("computes RFC 9773's example CertID from the AKI key identifier and the DER serial", async () => {
    // RFC 9773 §4.1: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4,
    // serial 00:87:65:43:21 (the 0x00 is DER's sign byte).
    const { pem } = await makeCertificate({
      serialHex: '0087654321',
      authorityKeyIdHex: '69885B6B87464041E1B37B847BA0AE2CDE01C8D4',
    });
    assert.equal(ariCertId(pem), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  it('uses the leaf of a bundle', async () => {
    const leaf = await makeCertificate({
      serialHex: '0087654321',
      authorityKeyIdHex: '69885B6B87464041E1B37B847BA0AE2CDE01C8D4',
    });
    const other = await makeCertificate({ serialHex: '05', authorityKeyIdHex: '0102' });
    assert.equal(ariCertId(leaf.pem + other.pem), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  it('keeps a serial without the top bit set as it is', async () => {
    const { pem } = await makeCertificate({ serialHex: '0123', authorityKeyIdHex: '0102' });
    assert.equal(ariCertId(pem), 'AQI.ASM');
  });

  it('refuses a certificate without an Authority Key Identifier', async () => {
    const { pem } = await makeCertificate();
    assert.throws(
      () => ariCertId(pem),
      (err: unknown) => err instanceof AcmeUsageError && err.code === 'invalidArgument',
    );
  });

  it('refuses text that is not a certificate', () => {
    assert.throws(
      () => ariCertId('nope'),
      (err: unknown) => err instanceof AcmeUsageError && err.code === 'invalidArgument',
    );
  });
});
