import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { checkCertificate, checkIssued, splitPemCertificates } from '../../bench/certificate-check.js';
import { createThrowawayTls, type ThrowawayTls } from '../support/throwaway-tls.js';

// One CA with its localhost leaf, and another CA, for every test of this file.
let tls: ThrowawayTls;
let other: ThrowawayTls;
const nowMs = Date.now();
before(async () => {
  tls = await createThrowawayTls(nowMs);
  other = await createThrowawayTls(nowMs);
});

describe('checkCertificate()', () => {
  it('accepts a leaf with exactly the requested names, signed by the root, with its own key', () => {
    const check = checkCertificate(tls.certPem, {
      names: ['localhost'],
      rootPem: tls.caPem,
      nowMs,
      keyPem: tls.keyPem,
    });
    assert.deepEqual(check, { valid: true, chainLength: 1, notAfterMs: check.valid ? check.notAfterMs : 0 });
  });

  it('accepts a bundle that ends with the root itself', () => {
    const check = checkCertificate(tls.certPem + tls.caPem, {
      names: ['LOCALHOST'],
      rootPem: tls.caPem,
      nowMs,
    });
    assert.equal(check.valid, true);
  });

  const rejections: readonly {
    name: string;
    reason: RegExp;
    run: () => ReturnType<typeof checkCertificate>;
  }[] = [
    {
      name: 'a certificate missing a requested name',
      reason: /differ from the requested/,
      run: () =>
        checkCertificate(tls.certPem, { names: ['localhost', 'www.example.com'], rootPem: tls.caPem, nowMs }),
    },
    {
      name: 'a chain to another root',
      reason: /is not signed by/,
      run: () => checkCertificate(tls.certPem, { names: ['localhost'], rootPem: other.caPem, nowMs }),
    },
    {
      name: 'a key that belongs to another certificate',
      reason: /does not match/,
      run: () =>
        checkCertificate(tls.certPem, {
          names: ['localhost'],
          rootPem: tls.caPem,
          nowMs,
          keyPem: other.keyPem,
        }),
    },
    {
      name: 'a certificate that has expired',
      reason: /not valid now/,
      run: () =>
        checkCertificate(tls.certPem, {
          names: ['localhost'],
          rootPem: tls.caPem,
          nowMs: nowMs + 72 * 3_600_000,
        }),
    },
    {
      name: 'output without any certificate',
      reason: /no PEM certificate/,
      run: () => checkCertificate('lego: done', { names: ['localhost'], rootPem: tls.caPem, nowMs }),
    },
  ];
  for (const rejection of rejections) {
    it(`rejects ${rejection.name}`, () => {
      const check = rejection.run();
      assert.equal(check.valid, false);
      assert.match(check.reason, rejection.reason);
    });
  }

  it('never puts key material into its reason', () => {
    const check = checkCertificate(tls.certPem, {
      names: ['localhost'],
      rootPem: tls.caPem,
      nowMs,
      keyPem: '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n',
    });
    assert.equal(check.valid, false);
    assert.doesNotMatch(check.reason, /c2VjcmV0|PRIVATE KEY/);
  });
});

describe('checkIssued()', () => {
  const issued = (sites: readonly { name: string; keyPem: string }[]) => ({
    ok: true as const,
    elapsedMs: 1,
    bundlePem: tls.certPem,
    perSite: sites.map((site) => ({ ...site, bundlePem: tls.certPem })),
  });

  it('checks the one certificate of a tool that makes one for all names, with its key', () => {
    const check = checkIssued(
      { ok: true, elapsedMs: 1, bundlePem: tls.certPem, keyPem: other.keyPem },
      { names: ['localhost'], rootPem: tls.caPem, nowMs },
    );
    assert.equal(check.valid, false);
    assert.match(check.reason, /private key does not match/);
  });

  it('accepts one valid certificate per site, each for its own name', () => {
    const check = checkIssued(issued([{ name: 'localhost', keyPem: tls.keyPem }]), {
      names: ['localhost'],
      rootPem: tls.caPem,
      nowMs,
    });
    assert.equal(check.valid, true);
  });

  it('rejects a site without a certificate and a site whose key does not match', () => {
    const missing = checkIssued(issued([{ name: 'localhost', keyPem: tls.keyPem }]), {
      names: ['localhost', 'www.example.com'],
      rootPem: tls.caPem,
      nowMs,
    });
    assert.deepEqual(missing, { valid: false, reason: 'no certificate for the site www.example.com' });
    const wrongKey = checkIssued(issued([{ name: 'localhost', keyPem: other.keyPem }]), {
      names: ['localhost'],
      rootPem: tls.caPem,
      nowMs,
    });
    assert.equal(wrongKey.valid, false);
    assert.match(wrongKey.reason, /^site localhost: the private key does not match/);
  });
});

describe('splitPemCertificates()', () => {
  it('returns the certificates of a bundle in file order and ignores other blocks', async () => {
    const tls = await createThrowawayTls();
    const pems = splitPemCertificates(`${tls.keyPem}${tls.certPem}\n${tls.caPem}`);
    assert.equal(pems.length, 2);
    assert.equal(pems[0], tls.certPem.trim());
  });
});
