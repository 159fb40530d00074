import '../../src/x509/x509-runtime.js';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { Pkcs10CertificateRequest, SubjectAlternativeNameExtension } from '@peculiar/x509';
import { createCsr } from '../../src/x509/create-csr.js';
import { ipAddressBytes } from '../../src/x509/ip-address-bytes.js';
import { generateKey, type KeySpec } from '../../src/x509/private-key.js';
import { X509InputError } from '../../src/x509/x509-input-error.js';

function read(pem: string): {
  cn: string[];
  sans: { type: string; value: string }[];
  request: Pkcs10CertificateRequest;
} {
  const request = new Pkcs10CertificateRequest(pem);
  const san = request.extensions.find((e) => e instanceof SubjectAlternativeNameExtension);
  const sans = san?.names.items ?? [];
  return {
    cn: request.subjectName.getField('CN'),
    sans: sans.map((n) => ({ type: n.type, value: n.value })),
    request,
  };
}

describe('createCsr()', () => {
  const specs: KeySpec[] = [
    { type: 'rsa', bits: 2048 },
    { type: 'ecdsa', curve: 'P-256' },
    { type: 'ecdsa', curve: 'P-384' },
  ];
  for (const spec of specs) {
    it(`signs a verifiable CSR with a ${JSON.stringify(spec)} key, every name in the SAN and the first as CN`, async () => {
      const key = await generateKey(spec);
      const csr = await createCsr(key, ['a.example', 'b.example', 'a.example']);
      const { cn, sans, request } = read(csr.pem);
      assert.deepEqual(cn, ['a.example']);
      assert.deepEqual(sans, [
        { type: 'dns', value: 'a.example' },
        { type: 'dns', value: 'b.example' },
      ]);
      assert.equal(await request.verify(), true);
      assert.deepEqual(Buffer.from(csr.der), Buffer.from(request.rawData));
    });
  }

  it('leaves the CN out when the first name is longer than 64 bytes', async () => {
    const long = `${'x'.repeat(60)}.example`;
    const csr = await createCsr(await generateKey({ type: 'ecdsa', curve: 'P-256' }), [
      long,
      'short.example',
    ]);
    const { cn, sans } = read(csr.pem);
    assert.deepEqual(cn, []);
    assert.deepEqual(
      sans.map((s) => s.value),
      [long, 'short.example'],
    );
  });

  it('puts IP addresses in the SAN as iPAddress entries', async () => {
    const csr = await createCsr(await generateKey({ type: 'ecdsa', curve: 'P-256' }), [
      '192.0.2.7',
      '2001:db8::1',
    ]);
    assert.deepEqual(read(csr.pem).sans, [
      { type: 'ip', value: '192.0.2.7' },
      { type: 'ip', value: '2001:db8::1' },
    ]);
  });

  const addresses = [
    { address: '192.0.2.7', hex: 'c0000207' },
    { address: '2001:db8::1', hex: '20010db8000000000000000000000001' },
    { address: '::', hex: '00000000000000000000000000000000' },
    { address: '::ffff:192.0.2.1', hex: '00000000000000000000ffffc0000201' },
    { address: 'fe80::1:2%eth0', hex: 'fe800000000000000000000000010002' },
    { address: '1:2:3:4:5:6:7:8', hex: '00010002000300040005000600070008' },
  ];
  for (const { address, hex } of addresses) {
    it(`ipAddressBytes() encodes ${address} as the octets of its iPAddress entry`, () => {
      assert.equal(Buffer.from(ipAddressBytes(address)).toString('hex'), hex);
    });
  }

  it('refuses an empty name list with invalidName', async () => {
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    await assert.rejects(
      createCsr(key, []),
      (err: unknown) => err instanceof X509InputError && err.code === 'invalidName',
    );
  });

  it('refuses an Ed25519 key with keyUnsupported', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    await assert.rejects(
      createCsr(privateKey, ['a.example']),
      (err: unknown) => err instanceof X509InputError && err.code === 'keyUnsupported',
    );
  });
});
