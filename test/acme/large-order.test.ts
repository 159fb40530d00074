import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { inspectCertificate } from '../../src/x509/inspect-certificate.js';
import { generateKey } from '../../src/x509/private-key.js';
import { startAcmeTestbed, type AcmeTestbed } from './acme-testbed.js';

describe("an order for 100 names (the most Pebble and Let's Encrypt accept)", () => {
  let bed: AcmeTestbed;

  before(async () => {
    bed = await startAcmeTestbed({ authzReusePercent: 0, nonceRejectPercent: 0 });
  });

  after(async () => {
    await bed.close();
  });

  it('is issued under one deadline signal without any process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const names = Array.from({ length: 100 }, (_, i) => `n${i}.large-order.example.test`);
      const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
      // As the reconciler runs an issuance: one signal for the whole order (deadline and shutdown).
      const shutdown = new AbortController();
      const signal = AbortSignal.any([AbortSignal.timeout(120_000), shutdown.signal]);
      const result = await obtainCertificate(bed.client, {
        identifiers: toIdentifiers(names),
        csrDer: (await createCsr(key, names)).der,
        solver: bed.http01.solver,
        pollIntervalMs: 50,
        signal,
      });
      assert.equal(inspectCertificate(result.certificatePem).dnsNames.length, 100);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.map((warning) => `${warning.name}: ${warning.message}`),
      [],
    );
  });
});
