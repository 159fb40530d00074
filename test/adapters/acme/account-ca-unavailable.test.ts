import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountError } from '../../../src/adapters/acme/account-errors.js';
import { ACCOUNT_ANNOTATIONS, AccountService } from '../../../src/adapters/acme/account-service.js';
import { KubeClient } from '../../../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../../../src/adapters/kube/kube-connection.js';
import { KubeObjects } from '../../../src/adapters/kube/kube-objects.js';
import type { SecretObject } from '../../../src/adapters/kube/kube-types.js';
import { SECRETS } from '../../../src/adapters/kube/resources.js';
import type { Log } from '../../../src/ports/log.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';

const quiet: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  with: () => quiet,
};

describe('AccountService while the CA is unavailable (issue 18 defect 8)', () => {
  let sandbox: Sandbox;
  let dir: string;
  let client: KubeClient;
  let objects: KubeObjects;
  let refused: string;

  before(async () => {
    sandbox = await startSandbox();
    dir = await mkdtemp(join(tmpdir(), 'account-unavailable-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
      userAgent: 'test',
      requestTimeoutMs: 5000,
    });
    objects = new KubeObjects(client);
    // A port that was just free: connections to it are refused, as to a CA that is down.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    refused = `https://127.0.0.1:${String(port)}/directory`;
  });

  after(async () => {
    client.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a refused connection as CaUnavailable, counts no registration failure and waits briefly', async () => {
    let nowMs = Date.UTC(2026, 10, 28, 12, 0, 0);
    const accounts = new AccountService({
      objects,
      log: quiet,
      nowMs: () => nowMs,
      settings: {
        namespace: 'default',
        secretName: 'unavailable-account',
        email: 'admin@example.test',
        directoryUrl: refused,
        userAgent: 'kube-lego-test',
      },
    });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await assert.rejects(accounts.client(), (err: unknown) => {
        assert.ok(err instanceof AccountError);
        assert.equal(err.reaction.reason, 'CaUnavailable', `attempt ${String(attempt)}: ${err.message}`);
        return true;
      });
      // Asked again at once: still waiting for the CA, still not an account failure.
      await assert.rejects(accounts.client(), (err: unknown) => {
        assert.ok(err instanceof AccountError);
        assert.equal(err.code, 'accountBackingOff');
        assert.equal(err.reaction.reason, 'CaUnavailable');
        assert.ok((err.retryNotBeforeMs ?? 0) - nowMs <= 5 * 60_000, 'a short, capped wait');
        return true;
      });
      nowMs = (await retryAt(accounts)) + 1;
    }
    const stored = await objects.get<SecretObject>(SECRETS, 'default', 'unavailable-account');
    assert.equal(
      stored.metadata?.annotations?.[ACCOUNT_ANNOTATIONS.failures],
      undefined,
      'an unavailable CA is not a registration failure',
    );
  });

  it('a restarted process waits for the unavailable CA too, from the Secret, without asking it', async () => {
    const nowMs = Date.UTC(2026, 10, 28, 12, 0, 0);
    let requests = 0;
    const started = (): AccountService =>
      new AccountService({
        objects,
        log: quiet,
        nowMs: () => nowMs,
        onAcmeRequest: () => {
          requests += 1;
        },
        settings: {
          namespace: 'default',
          secretName: 'unavailable-restarted',
          email: 'admin@example.test',
          directoryUrl: refused,
          userAgent: 'kube-lego-test',
        },
      });
    await assert.rejects(started().client(), { code: 'accountRegistrationFailed' });
    const asked = requests;
    assert.ok(asked > 0, 'the first process asked the CA');
    const stored = await objects.get<SecretObject>(SECRETS, 'default', 'unavailable-restarted');
    const annotations = stored.metadata?.annotations ?? {};
    assert.equal(annotations[ACCOUNT_ANNOTATIONS.reason], 'CaUnavailable');
    assert.equal(annotations[ACCOUNT_ANNOTATIONS.failures], undefined, 'no failure counted');
    const retryNotBefore = annotations[ACCOUNT_ANNOTATIONS.retryNotBefore];
    assert.ok(retryNotBefore !== undefined, 'the wait is on the Secret');

    const restarted = started();
    for (let call = 0; call < 2; call += 1) {
      await assert.rejects(restarted.client(), (err: unknown) => {
        assert.ok(err instanceof AccountError);
        assert.equal(err.code, 'accountBackingOff');
        assert.equal(err.retryNotBeforeMs, Date.parse(retryNotBefore));
        assert.deepEqual(err.reaction, {
          kind: 'waitUntil',
          reason: 'CaUnavailable',
          retryAfterMs: Date.parse(retryNotBefore) - nowMs,
        });
        return true;
      });
    }
    assert.equal(requests, asked, 'the restarted process asked the CA nothing');
  });
});

async function retryAt(accounts: AccountService): Promise<number> {
  try {
    await accounts.client();
  } catch (err) {
    if (err instanceof AccountError && err.retryNotBeforeMs !== undefined) return err.retryNotBeforeMs;
    throw err;
  }
  assert.fail('the account is not ready while the CA is unavailable');
}
