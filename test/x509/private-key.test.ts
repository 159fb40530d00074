import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKey, keyToPem, parsePrivateKeyPem, type KeySpec } from '../../src/x509/private-key.js';
import { X509InputError } from '../../src/x509/x509-input-error.js';

describe('generateKey() and keyToPem()', () => {
  const cases: { spec: KeySpec; marker: string; details: Record<string, unknown> }[] = [
    { spec: { type: 'rsa', bits: 2048 }, marker: 'RSA PRIVATE KEY', details: { modulusLength: 2048 } },
    { spec: { type: 'rsa', bits: 3072 }, marker: 'RSA PRIVATE KEY', details: { modulusLength: 3072 } },
    {
      spec: { type: 'ecdsa', curve: 'P-256' },
      marker: 'EC PRIVATE KEY',
      details: { namedCurve: 'prime256v1' },
    },
    {
      spec: { type: 'ecdsa', curve: 'P-384' },
      marker: 'EC PRIVATE KEY',
      details: { namedCurve: 'secp384r1' },
    },
  ];
  for (const { spec, marker, details } of cases) {
    it(`writes a ${JSON.stringify(spec)} key as ${marker} PEM that parses back`, async () => {
      const key = await generateKey(spec);
      const actual: Record<string, unknown> = { ...key.asymmetricKeyDetails };
      for (const [name, value] of Object.entries(details)) assert.equal(actual[name], value, name);
      const pem = keyToPem(key);
      assert.match(pem, new RegExp(`^-----BEGIN ${marker}-----\\n`));
      const back = parsePrivateKeyPem(pem);
      assert.deepEqual(back.export({ format: 'jwk' }), key.export({ format: 'jwk' }));
    });
  }

  it('writes PKCS#8 when asked', async () => {
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    assert.match(keyToPem(key, 'pkcs8'), /^-----BEGIN PRIVATE KEY-----/);
  });

  it('refuses an unparseable key with keyUnparseable and does not echo it', () => {
    const secretish = '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----';
    assert.throws(
      () => parsePrivateKeyPem(secretish),
      (err: unknown) =>
        err instanceof X509InputError && err.code === 'keyUnparseable' && !err.message.includes('AAAA'),
    );
  });
});
