import assert from 'node:assert/strict';
import { NGINX_ONLY, controllerEnv } from '../support/controller-env.js';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { accountKeyToPem, generateAccountKey, type AccountKey } from '../../src/acme/account-key.js';
import { ariCertId } from '../../src/acme/ari-cert-id.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey, keyToPem } from '../../src/x509/private-key.js';
import { startHttp01TestServer } from '../acme/challenge-solvers.js';
import { createForeignCertificate } from '../support/foreign-certificate.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';

const run = promisify(execFile);
const DAY_MS = 86_400_000;

interface OldCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

interface Case {
  readonly secret: string;
  readonly host: string;
  readonly old: OldCertificate;
  readonly annotations: Readonly<Record<string, string>>;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const serialOf = (pem: string): string => new X509Certificate(pem).serialNumber;

function manifests(cases: readonly Case[], accountKeyPem: string): string {
  const docs = [
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lego',
    // kube-lego's own account: the key the test ordered with, so "this account ordered it" is true for it.
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: kube-lego-account\n  namespace: kube-lego\ntype: Opaque\ndata:\n  tls.key: ${b64(accountKeyPem)}`,
  ];
  for (const c of cases) {
    const annotations = Object.entries(c.annotations)
      .map(([key, value]) => `\n    ${key}: ${JSON.stringify(value)}`)
      .join('');
    docs.push(
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${c.secret}\n  namespace: default\n  labels:\n    kube-lego/managed: "true"\n  annotations:${annotations === '' ? ' {}' : annotations}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64(c.old.certPem)}\n  tls.key: ${b64(c.old.keyPem)}`,
      `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ${c.secret}\n  namespace: default\n  annotations:\n    kubernetes.io/tls-acme: "true"\nspec:\n  tls:\n  - hosts: [${c.host}]\n    secretName: ${c.secret}\n  rules:\n  - host: ${c.host}\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: web\n            port:\n              number: 80`,
    );
  }
  return `${docs.join('\n---\n')}\n`;
}

describe('kube-lego renews a due certificate whose ARI replaces the CA refuses, in one attempt (Pebble)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let kubeconfig: string;
  let lego: ControllerProcess | undefined;
  let ours: AccountKey;
  let ourUrl = '';
  const cases: Case[] = [];

  before(async () => {
    [sandbox, pebble] = await Promise.all([startSandbox(), startPebble({ nonceRejectPercent: 0 })]);
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-replaces-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);

    // Certificates ordered before kube-lego starts: by its own account and by another one.
    ours = await generateAccountKey();
    const http01 = await startHttp01TestServer(pebble.httpPort);
    const account = async (key: AccountKey): Promise<AcmeClient> => {
      const client = new AcmeClient({
        directoryUrl: pebble.directoryUrl,
        caPem: pebble.caPem,
        accountKey: key,
      });
      await client.createAccount({ termsOfServiceAgreed: true });
      return client;
    };
    const ourClient = await account(ours);
    const otherClient = await account(await generateAccountKey());
    const issue = async (client: AcmeClient, host: string, replaces?: string): Promise<OldCertificate> => {
      const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
      const result = await obtainCertificate(client, {
        identifiers: toIdentifiers([host]),
        csrDer: (await createCsr(key, [host])).der,
        solver: http01.solver,
        replaces,
        pollIntervalMs: 50,
      });
      return { certPem: result.certificatePem, keyPem: keyToPem(key) };
    };
    ourUrl = ourClient.accountUrl ?? '';
    const otherUrl = otherClient.accountUrl ?? '';
    // Due now: the CA's suggested window has passed.
    const pastWindow = `${new Date(Date.now() - 2 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z')}/${new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z')}`;
    const dueForeign = { notBeforeMs: Date.now() - 80 * DAY_MS, notAfterMs: Date.now() + 10 * DAY_MS };

    // 1. Another CA's certificate (kube-lego 0.1.7, another tool): no record of ours at all.
    cases.push({
      secret: 'foreign-tls',
      host: 'foreign.example.test',
      old: await createForeignCertificate(['foreign.example.test'], dueForeign),
      annotations: {},
    });
    // 1b. Another CA's certificate under a record that names this directory (written before the account
    //     and certificate were recorded): replaces is sent, Pebble answers malformed.
    cases.push({
      secret: 'swapped-tls',
      host: 'swapped.example.test',
      old: await createForeignCertificate(['swapped.example.test'], dueForeign),
      annotations: { 'kube-lego/directory-url': pebble.directoryUrl },
    });
    // 2. Ordered by another account, recorded as such: replaces is left out from the start.
    cases.push({
      secret: 'other-tls',
      host: 'other.example.test',
      old: await issue(otherClient, 'other.example.test'),
      annotations: {
        'kube-lego/directory-url': pebble.directoryUrl,
        'kube-lego/account-url': otherUrl,
        'kube-lego/ari-window': pastWindow,
      },
    });
    // 2b. Ordered by another account under a record without the account: Pebble answers unauthorized.
    cases.push({
      secret: 'lost-account-tls',
      host: 'lost-account.example.test',
      old: await issue(otherClient, 'lost-account.example.test'),
      annotations: { 'kube-lego/directory-url': pebble.directoryUrl, 'kube-lego/ari-window': pastWindow },
    });
    // 3. Ours, but already replaced by a finished order: Pebble answers alreadyReplaced.
    const replaced = await issue(ourClient, 'replaced.example.test');
    await issue(ourClient, 'replaced.example.test', ariCertId(replaced.certPem));
    cases.push({
      secret: 'replaced-tls',
      host: 'replaced.example.test',
      old: replaced,
      annotations: {
        'kube-lego/directory-url': pebble.directoryUrl,
        'kube-lego/account-url': ourUrl,
        'kube-lego/ari-window': pastWindow,
      },
    });
    ourClient.close();
    otherClient.close();
    await http01.close();

    const file = join(dir, 'manifests.yaml');
    await writeFile(file, manifests(cases, accountKeyToPem(ours)));
    await run('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', file]);
  });

  after(async () => {
    await lego?.kill();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a new certificate from the CA in every Secret with no failure recorded', async () => {
    lego = startControllerProcess(controllerEnv({ kubeconfig, ...pebble }, NGINX_ONLY));
    const intermediate = new X509Certificate(await pebble.intermediatePem());
    const pending = new Set(cases.map((c) => c.secret));
    const stored = new Map<string, { pem: string; annotations: Record<string, string> }>();
    const deadline = Date.now() + 90_000;
    while (pending.size > 0) {
      assert.ok(Date.now() < deadline, `not renewed: ${[...pending].join(', ')}\n${lego.lines.join('\n')}`);
      for (const c of cases.filter((each) => pending.has(each.secret))) {
        const { stdout } = await run('kubectl', [
          '--kubeconfig',
          kubeconfig,
          'get',
          'secret',
          c.secret,
          '-o',
          'json',
        ]);
        const secret = JSON.parse(stdout) as {
          data?: Record<string, string>;
          metadata: { annotations?: Record<string, string> };
        };
        const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
        const annotations = secret.metadata.annotations ?? {};
        assert.equal(
          annotations['kube-lego/last-failure-reason'],
          undefined,
          `${c.secret} recorded a failure:\n${lego.lines.join('\n')}`,
        );
        if (pem.includes('BEGIN CERTIFICATE') && serialOf(pem) !== serialOf(c.old.certPem)) {
          stored.set(c.secret, { pem, annotations });
          pending.delete(c.secret);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    for (const c of cases) {
      const got = stored.get(c.secret);
      assert.ok(got !== undefined);
      const leaf = new X509Certificate(got.pem);
      assert.ok(
        leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey),
        `${c.secret} from Pebble`,
      );
      assert.ok(leaf.checkHost(c.host) !== undefined, `${c.secret} covers ${c.host}`);
      assert.ok(Date.parse(leaf.validTo) > Date.now());
      assert.equal(got.annotations['kube-lego/failures'], undefined, `${c.secret}: failures 0`);
      // The record now says which account ordered this very certificate.
      assert.equal(got.annotations['kube-lego/account-url'], ourUrl);
      assert.equal(got.annotations['kube-lego/cert-id'], ariCertId(got.pem));
    }
    const count = (pattern: RegExp): number => lego?.lines.filter((line) => pattern.test(line)).length ?? 0;
    for (const c of cases) {
      assert.equal(
        count(new RegExp(`requesting certificate for ${c.host.replace(/\./g, '\\.')}`)),
        1,
        `one attempt for ${c.host}`,
      );
    }
    // Sent and refused (malformed, unauthorized, alreadyReplaced): one info line each; left out for the rest.
    const refused = lego.lines.filter((line) => /ordering again without ARI replaces/.test(line));
    assert.equal(refused.length, 3, refused.join('\n'));
    for (const [host, code] of [
      ['swapped.example.test', 'malformed'],
      ['lost-account.example.test', 'unauthorized'],
      ['replaced.example.test', 'alreadyReplaced'],
    ] as const) {
      assert.ok(
        refused.some((line) => line.includes(host) && line.includes(code) && /level=info/.test(line)),
        `${host}: ${code} logged at info:\n${refused.join('\n')}`,
      );
    }
  });
});
