import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountError } from '../../../src/adapters/acme/account-errors.js';
import { AccountService } from '../../../src/adapters/acme/account-service.js';
import { KubeClient } from '../../../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../../../src/adapters/kube/kube-connection.js';
import { KubeObjects } from '../../../src/adapters/kube/kube-objects.js';
import type { SecretObject } from '../../../src/adapters/kube/kube-types.js';
import { SECRETS } from '../../../src/adapters/kube/resources.js';
import type { Log } from '../../../src/ports/log.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { startPebble, type PebbleRig } from '../../support/pebble.js';

function recording(messages: string[]): Log {
  const log: Log = {
    debug: () => undefined,
    info: (m) => {
      messages.push(m);
    },
    warn: (m) => {
      messages.push(m);
    },
    error: (m) => {
      messages.push(m);
    },
    with: () => log,
  };
  return log;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const unb64 = (text: string | undefined): string => Buffer.from(text ?? '', 'base64').toString('utf8');

describe('AccountService (kube-lego account Secret) against the API sandbox and Pebble', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let client: KubeClient;
  let objects: KubeObjects;

  before(async () => {
    [sandbox, pebble] = await Promise.all([startSandbox(), startPebble({ nonceRejectPercent: 0 })]);
    dir = await mkdtemp(join(tmpdir(), 'account-service-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
      userAgent: 'test',
      requestTimeoutMs: 5000,
    });
    objects = new KubeObjects(client);
  });

  after(async () => {
    client.close();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  function service(secretName: string, messages: string[] = [], directoryUrl?: string): AccountService {
    return new AccountService({
      objects,
      log: recording(messages),
      settings: {
        namespace: 'default',
        secretName,
        email: 'Admin@Example.test',
        directoryUrl: directoryUrl ?? pebble.directoryUrl,
        caPem: pebble.caPem,
        userAgent: 'kube-lego-test',
      },
    });
  }

  it('keeps a registration backoff across restarts for its directory only (a fixed LEGO_URL does not wait it out)', async () => {
    // A reachable CA that refuses: a wrong path answers 404 (an unreachable CA is waited for instead, with
    // no registration failure counted: account-ca-unavailable.test.ts).
    const wrong = pebble.directoryUrl.replace(/\/[^/]*$/, '/no-such-directory');
    assert.notEqual(wrong, pebble.directoryUrl);
    await assert.rejects(service('moved-account', [], wrong).client(), { code: 'accountRegistrationFailed' });
    const failed = await objects.get<SecretObject>(SECRETS, 'default', 'moved-account');
    const annotations = failed.metadata?.annotations ?? {};
    assert.equal(annotations['kube-lego/registration-failures'], '1');
    assert.equal(annotations['kube-lego/registration-directory-url'], wrong);
    // A restart with the same directory honours the recorded backoff: no request to the CA.
    await assert.rejects(service('moved-account', [], wrong).client(), { code: 'accountBackingOff' });
    // The directory fixed: the backoff recorded against the old one does not hold.
    const fixed = service('moved-account');
    const acme = await fixed.client();
    await fixed.close();
    assert.ok(acme.accountUrl !== undefined);
    const stored = await objects.get<SecretObject>(SECRETS, 'default', 'moved-account');
    assert.deepEqual(
      Object.keys(stored.metadata?.annotations ?? {}).filter((k) => k.startsWith('kube-lego/registration')),
      [],
      'the backoff is cleared once the account works',
    );
  });

  it('probes the directory without touching the account Secret', async () => {
    const directory = await service('never-created').probeDirectory();
    assert.ok(directory.newOrder.startsWith('https://'));
    assert.equal(await objects.find(SECRETS, 'default', 'never-created'), undefined);
    await assert.rejects(service('never-created', [], 'https://127.0.0.1:9/directory').probeDirectory());
    assert.equal(await objects.find(SECRETS, 'default', 'never-created'), undefined);
  });

  it('creates a key and an account only when the Secret does not exist, and finds it again after a restart', async () => {
    const first: string[] = [];
    const accounts = service('fresh-account', first);
    const acme = await accounts.client();
    await accounts.close();
    assert.ok(first.some((m) => m.startsWith('created an ACME account')));
    const stored = await objects.get<SecretObject>(SECRETS, 'default', 'fresh-account');
    assert.equal(unb64(stored.data?.['acme-account-url']), acme.accountUrl);
    assert.equal(unb64(stored.data?.['acme-directory-url']), pebble.directoryUrl);
    assert.match(unb64(stored.data?.['tls.key']), /-----BEGIN (EC )?PRIVATE KEY-----/);

    const second: string[] = [];
    const again = service('fresh-account', second);
    const acmeAgain = await again.client();
    await again.close();
    assert.equal(acmeAgain.accountUrl, acme.accountUrl);
    assert.ok(!second.some((m) => m.startsWith('created an ACME account')), 'no second account');
    const after = await objects.get<SecretObject>(SECRETS, 'default', 'fresh-account');
    assert.equal(after.data?.['tls.key'], stored.data?.['tls.key']);
  });

  it('never creates a new account when the Secret cannot be read (bug 7) and does not exit (bug 6)', async () => {
    sandbox.faults.failNext({
      method: 'GET',
      pathPattern: '/secrets/unreadable-account$',
      count: 1,
      status: 500,
    });
    await assert.rejects(service('unreadable-account').client(), (err: unknown) => {
      assert.ok(err instanceof AccountError);
      assert.equal(err.code, 'accountSecretUnreadable');
      return true;
    });
    assert.equal(await objects.find(SECRETS, 'default', 'unreadable-account'), undefined);
  });

  it('refuses a Secret whose key is unusable instead of overwriting it', async () => {
    const broken = await objects.create<SecretObject>(SECRETS, 'default', {
      metadata: { name: 'broken-account', namespace: 'default' },
      type: 'Opaque',
      data: { 'tls.key': b64('not a key'), 'acme-registration-url': b64('https://acme-v01.example/reg/1') },
    });
    await assert.rejects(service('broken-account').client(), (err: unknown) => {
      assert.ok(err instanceof AccountError);
      assert.equal(err.code, 'accountSecretInvalid');
      assert.doesNotMatch(err.message, /not a key/, 'the key material is not echoed');
      return true;
    });
    assert.deepEqual(await objects.get(SECRETS, 'default', 'broken-account'), broken);
  });

  it("keeps kube-lego 0.1.7's PKCS#1 RSA account key and adds the v2 account URL beside it", async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    await objects.create<SecretObject>(SECRETS, 'default', {
      metadata: { name: 'kube-lego-account', namespace: 'default' },
      type: 'Opaque',
      data: {
        'tls.key': b64(pkcs1),
        'acme-registration-url': b64('https://acme-v01.api.letsencrypt.org/acme/reg/1'),
      },
    });
    const accounts = service('kube-lego-account');
    const acme = await accounts.client();
    await accounts.close();
    assert.equal(acme.accountKey.alg, 'RS256');
    const stored = await objects.get<SecretObject>(SECRETS, 'default', 'kube-lego-account');
    assert.equal(unb64(stored.data?.['tls.key']), pkcs1);
    assert.equal(
      unb64(stored.data?.['acme-registration-url']),
      'https://acme-v01.api.letsencrypt.org/acme/reg/1',
    );
    assert.equal(unb64(stored.data?.['acme-account-url']), acme.accountUrl);
  });
});
