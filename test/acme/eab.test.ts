import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { generateAccountKey } from '../../src/acme/account-key.js';
import { AcmeProblemError } from '../../src/acme/errors.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';

describe('external account binding against Pebble', () => {
  const hmacKey = randomBytes(32).toString('base64url');
  let rig: PebbleRig;
  const clients: AcmeClient[] = [];

  const newClient = async (): Promise<AcmeClient> => {
    const client = new AcmeClient({
      directoryUrl: rig.directoryUrl,
      caPem: rig.caPem,
      accountKey: await generateAccountKey(),
    });
    clients.push(client);
    return client;
  };

  before(async () => {
    rig = await startPebble({ eab: { required: true, keys: { 'kid-1': hmacKey } } });
  });

  after(async () => {
    for (const client of clients) client.close();
    await rig.stop();
  });

  it('reads externalAccountRequired from the directory', async () => {
    const client = await newClient();
    assert.equal((await client.directory()).meta.externalAccountRequired, true);
  });

  it('is refused without a binding', async () => {
    const client = await newClient();
    await assert.rejects(client.createAccount({ termsOfServiceAgreed: true }), (err: unknown) => {
      assert.ok(err instanceof AcmeProblemError, String(err));
      assert.equal(err.code, 'externalAccountRequired');
      return true;
    });
  });

  it('is refused with the wrong HMAC key', async () => {
    const client = await newClient();
    const wrong = randomBytes(32).toString('base64url');
    await assert.rejects(
      client.createAccount({
        termsOfServiceAgreed: true,
        externalAccountBinding: { kid: 'kid-1', hmacKey: wrong },
      }),
      (err: unknown) => {
        assert.ok(err instanceof AcmeProblemError, String(err));
        assert.ok(!err.message.includes(wrong), 'the HMAC key must not appear in the error');
        return true;
      },
    );
  });

  it('creates the account with the right key id and HMAC', async () => {
    const client = await newClient();
    const account = await client.createAccount({
      termsOfServiceAgreed: true,
      contact: ['mailto:eab@example.test'],
      externalAccountBinding: { kid: 'kid-1', hmacKey },
    });
    assert.equal(account.status, 'valid');
    assert.equal(client.accountUrl, account.url);
  });
});
