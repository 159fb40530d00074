import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { accountKeyToPem, generateAccountKey, importAccountKey } from '../../src/acme/account-key.js';
import { AcmeProblemError } from '../../src/acme/errors.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey } from '../../src/x509/private-key.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { startHttp01TestServer, type Http01TestServer } from './challenge-solvers.js';

describe('ACME accounts against Pebble', () => {
  let rig: PebbleRig;
  let http01: Http01TestServer;
  const clients: AcmeClient[] = [];

  const clientFor = async (pem?: string): Promise<AcmeClient> => {
    const accountKey = pem === undefined ? await generateAccountKey() : await importAccountKey(pem);
    const client = new AcmeClient({ directoryUrl: rig.directoryUrl, caPem: rig.caPem, accountKey });
    clients.push(client);
    return client;
  };

  before(async () => {
    rig = await startPebble({ authzReusePercent: 0 });
    http01 = await startHttp01TestServer(rig.httpPort);
  });

  after(async () => {
    for (const client of clients) client.close();
    await http01.close();
    await rig.stop();
  });

  it('finds the account of an existing kube-lego PKCS#1 RSA key with onlyReturnExisting', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.match(pkcs1, /^-----BEGIN RSA PRIVATE KEY-----/);
    const creator = await clientFor(pkcs1);
    const created = await creator.createAccount({
      termsOfServiceAgreed: true,
      contact: ['mailto:lego@example.test'],
    });

    const restarted = await clientFor(pkcs1);
    assert.equal(restarted.accountKey.alg, 'RS256');
    const found = await restarted.findAccount();
    assert.equal(found.url, created.url);
    assert.deepEqual(found.contact, ['mailto:lego@example.test']);
    assert.equal(
      accountKeyToPem(restarted.accountKey),
      pkcs1,
      'the key is stored back in the same PKCS#1 form',
    );
  });

  it('reports accountDoesNotExist for a key without an account', async () => {
    const client = await clientFor();
    await assert.rejects(client.findAccount(), (err: unknown) => {
      assert.ok(err instanceof AcmeProblemError, String(err));
      assert.equal(err.code, 'accountDoesNotExist');
      return true;
    });
  });

  it('updates the contact, rolls the key over and deactivates the account', async () => {
    const client = await clientFor();
    const account = await client.createAccount({
      termsOfServiceAgreed: true,
      contact: ['mailto:old@example.test'],
    });
    const updated = await client.updateAccount({ contact: ['mailto:new@example.test'] });
    assert.deepEqual(updated.contact, ['mailto:new@example.test']);

    const newKey = await generateAccountKey();
    await client.rolloverKey(newKey);
    const withNewKey = await clientFor(accountKeyToPem(newKey));
    assert.equal((await withNewKey.findAccount()).url, account.url);

    // The account object is fetched with POST-as-GET (Pebble 2.10 refuses an empty-object update).
    assert.equal((await client.getAccount()).url, account.url);
    const deactivated = await client.deactivateAccount();
    assert.equal(deactivated.status, 'deactivated');
    await assert.rejects(
      client.getAccount(),
      (err: unknown) => err instanceof AcmeProblemError && err.code === 'unauthorized',
    );
  });

  it('revokes a certificate it issued', async () => {
    const client = await clientFor();
    await client.createAccount({ termsOfServiceAgreed: true });
    const names = ['revoke.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const { certificatePem } = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: (await createCsr(key, names)).der,
      solver: http01.solver,
      pollIntervalMs: 50,
    });
    const der = new X509Certificate(certificatePem).raw;
    await client.revokeCertificate(der, 4);
    await assert.rejects(
      client.revokeCertificate(der),
      (err: unknown) => err instanceof AcmeProblemError && err.code === 'alreadyRevoked',
    );
  });
});
