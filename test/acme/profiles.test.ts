import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { classifyAcmeError } from '../../src/acme/classify-acme-error.js';
import { AcmeProblemError } from '../../src/acme/errors.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { inspectCertificate } from '../../src/x509/inspect-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey } from '../../src/x509/private-key.js';
import { type Http01TestServer } from './challenge-solvers.js';
import { startAcmeTestbed, type AcmeTestbed } from './acme-testbed.js';

const HOUR_MS = 3_600_000;

describe('certificate profiles against Pebble', () => {
  let testbed: AcmeTestbed;
  let http01: Http01TestServer;
  let client: AcmeClient;

  const issue = async (name: string, profile?: string): Promise<string> => {
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const result = await obtainCertificate(client, {
      identifiers: toIdentifiers([name]),
      csrDer: (await createCsr(key, [name])).der,
      solver: http01.solver,
      profile,
      pollIntervalMs: 50,
    });
    return result.certificatePem;
  };

  before(async () => {
    testbed = await startAcmeTestbed({
      authzReusePercent: 0,
      profiles: {
        default: { description: 'The default', validityPeriodSeconds: 90 * 24 * 3600 },
        shortlived: { description: 'Six hours', validityPeriodSeconds: 6 * 3600 },
      },
    });
    ({ http01, client } = testbed);
  });

  after(async () => {
    await testbed.close();
  });

  it('lists the profiles of the directory', async () => {
    const { meta } = await client.directory();
    assert.deepEqual(Object.keys(meta.profiles).sort(), ['default', 'shortlived']);
    assert.equal(meta.profiles.shortlived, 'Six hours');
  });

  it('changes the validity of the issued certificate with the profile', async () => {
    const short = inspectCertificate(await issue('short.example.test', 'shortlived'));
    // Explicit on both sides: with several profiles and none requested, Pebble picks one arbitrarily.
    const normal = inspectCertificate(await issue('normal.example.test', 'default'));
    assert.ok(
      Math.abs(short.lifetimeMs - 6 * HOUR_MS) < HOUR_MS,
      `shortlived lifetime ${short.lifetimeMs} ms`,
    );
    assert.ok(normal.lifetimeMs > 80 * 24 * HOUR_MS, `default lifetime ${normal.lifetimeMs} ms`);
  });

  it('gives the typed invalidProfile error for a profile the CA does not have', async () => {
    await assert.rejects(issue('unknown.example.test', 'no-such-profile'), (err: unknown) => {
      assert.ok(err instanceof AcmeProblemError, String(err));
      assert.equal(err.code, 'invalidProfile');
      assert.equal(classifyAcmeError(err), 'terminal');
      return true;
    });
  });
});
