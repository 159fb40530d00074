import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  chainInOrder,
  inspectCertificate,
  keyMatchesCertificate,
} from '../../src/x509/inspect-certificate.js';
import { splitPemBundle } from '../../src/x509/pem-bundle.js';
import { X509InputError } from '../../src/x509/x509-input-error.js';
import { makeCertificate, type TestCertificate } from './test-certificates.js';

describe('inspectCertificate()', () => {
  let root: TestCertificate;
  let intermediate: TestCertificate;
  let leaf: TestCertificate;
  const notBefore = new Date(Date.UTC(2026, 0, 1));
  const notAfter = new Date(Date.UTC(2026, 3, 1));

  before(async () => {
    root = await makeCertificate({ subjectCn: 'Test Root', ca: true });
    intermediate = await makeCertificate({ subjectCn: 'Test Intermediate', ca: true, issuer: root });
    leaf = await makeCertificate({
      subjectCn: 'a.example',
      dnsNames: ['a.example', 'b.example'],
      ipAddresses: ['192.0.2.1'],
      notBefore,
      notAfter,
      serialHex: '0abc',
      issuer: intermediate,
    });
  });

  it('reads names, dates, lifetime, issuer, subject, serial and key type', () => {
    const info = inspectCertificate(leaf.pem);
    assert.deepEqual(info.dnsNames, ['a.example', 'b.example']);
    assert.deepEqual(info.ipAddresses, ['192.0.2.1']);
    assert.equal(info.notBeforeMs, notBefore.getTime());
    assert.equal(info.notAfterMs, notAfter.getTime());
    assert.equal(info.lifetimeMs, notAfter.getTime() - notBefore.getTime());
    assert.equal(info.issuerCn, 'Test Intermediate');
    assert.equal(info.subjectCn, 'a.example');
    assert.equal(info.serialHex, '0abc');
    assert.deepEqual(info.keyType, { type: 'ecdsa', curve: 'P-256' });
    assert.equal(info.selfSigned, false);
  });

  it('reads IPv6 addresses in their canonical compressed form', async () => {
    const v6 = await makeCertificate({
      dnsNames: ['v6.example'],
      ipAddresses: ['2001:db8::1', '::1'],
      issuer: root,
    });
    assert.deepEqual(inspectCertificate(v6.pem).ipAddresses, ['2001:db8::1', '::1']);
  });

  it('reads a certificate without a subjectAltName extension', async () => {
    const bare = await makeCertificate({ subjectCn: 'bare.example', issuer: root });
    const info = inspectCertificate(bare.pem);
    assert.deepEqual([info.dnsNames, info.ipAddresses, info.subjectCn], [[], [], 'bare.example']);
  });

  it('inspects the leaf of a bundle and recognises a self-signed root', () => {
    assert.equal(inspectCertificate(leaf.pem + intermediate.pem).subjectCn, 'a.example');
    assert.equal(inspectCertificate(root.pem).selfSigned, true);
  });

  it('tells whether a private key matches the certificate', () => {
    assert.equal(keyMatchesCertificate(leaf.keyPem, leaf.pem), true);
    assert.equal(keyMatchesCertificate(intermediate.keyPem, leaf.pem), false);
  });

  it('tells whether a chain is in order', () => {
    assert.equal(chainInOrder([leaf.pem, intermediate.pem, root.pem]), true);
    assert.equal(chainInOrder(leaf.pem + intermediate.pem), true);
    assert.equal(chainInOrder([leaf.pem]), true);
    assert.equal(chainInOrder([intermediate.pem, leaf.pem]), false);
    assert.equal(chainInOrder([leaf.pem, root.pem]), false);
  });

  it('splits a bundle into its certificates', () => {
    assert.equal(splitPemBundle(leaf.pem + intermediate.pem + root.pem).length, 3);
    assert.deepEqual(splitPemBundle('nothing here'), []);
  });

  const bad = [
    { what: 'no PEM at all', input: 'hello' },
    { what: 'a broken PEM body', input: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
  ];
  for (const { what, input } of bad) {
    it(`refuses ${what} with certificateUnparseable`, () => {
      assert.throws(
        () => inspectCertificate(input),
        (err: unknown) => err instanceof X509InputError && err.code === 'certificateUnparseable',
      );
    });
  }

  it('refuses an unparseable key with keyUnparseable', () => {
    assert.throws(
      () => keyMatchesCertificate('nope', leaf.pem),
      (err: unknown) => err instanceof X509InputError && err.code === 'keyUnparseable',
    );
  });
});
