import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../../src/adapters/kube/kube-connection.js';
import { KubeObjects } from '../../src/adapters/kube/kube-objects.js';
import type { IngressObject, SecretObject } from '../../src/adapters/kube/kube-types.js';
import { INGRESSES, SECRETS } from '../../src/adapters/kube/resources.js';
import {
  startControllerRuntime,
  type ControllerSettings,
  type RunningController,
} from '../../src/runtime/controller.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { splitPemBundle } from '../../src/x509/pem-bundle.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { recordingLog, type LogLine } from './recording-log.js';

const NAMESPACE = 'kube-lego';
const NAMESPACES = { apiVersion: 'v1', kind: 'Namespace', apiPath: '/api/v1', plural: 'namespaces' };

function ingress(
  name: string,
  tls: { hosts: string[]; secretName: string }[],
  annotated = true,
): IngressObject {
  const hosts = tls.flatMap((t) => t.hosts);
  return {
    metadata: {
      name,
      namespace: 'default',
      annotations: annotated ? { 'kubernetes.io/tls-acme': 'true' } : {},
    },
    spec: {
      tls,
      rules: hosts.map((host) => ({
        host: host.toLowerCase(),
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
          ],
        },
      })),
    },
  };
}

function decode(secret: SecretObject | undefined, key: string): string {
  return Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('controller runtime against the API sandbox and Pebble', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let client: KubeClient;
  let objects: KubeObjects;
  let controller: RunningController | undefined;
  const lines: LogLine[] = [];

  before(async () => {
    [sandbox, pebble] = await Promise.all([startSandbox(), startPebble({ nonceRejectPercent: 0 })]);
    dir = await mkdtemp(join(tmpdir(), 'controller-runtime-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
      userAgent: 'test',
      requestTimeoutMs: 5000,
    });
    objects = new KubeObjects(client);
    await objects.create(NAMESPACES, '', { metadata: { name: NAMESPACE } });
    const settings: ControllerSettings = {
      kube: { kind: 'kubeconfig', path: kubeconfig },
      version: 'test',
      userAgent: 'kube-lego-test',
      watchNamespace: '',
      namespace: NAMESPACE,
      accountSecretName: 'kube-lego-account',
      email: 'Admin@Example.test',
      directoryUrl: pebble.directoryUrl,
      acmeCaPem: pebble.caPem,
      keySpec: { type: 'ecdsa', curve: 'P-256' },
      port: pebble.httpPort,
      selfCheck: {
        enabled: true,
        timeoutMs: 2000,
        delayMs: 0,
        tries: 3,
        intervalMs: 100,
        address: { host: '127.0.0.1', port: pebble.httpPort },
      },
      nginx: { serviceName: 'kube-lego-nginx', ingressName: 'kube-lego-nginx', serviceSelector: 'kube-lego' },
      policy: {
        annotationKey: 'kubernetes.io/tls-acme',
        supportedClasses: ['nginx', 'gce'],
        defaultClass: 'nginx',
        supportedProviders: ['nginx'],
        defaultProvider: 'nginx',
        challengeType: 'http-01',
        maxNamesPerCertificate: 100,
        directoryUrl: pebble.directoryUrl,
        minimumValidityMs: 30 * 24 * 3600 * 1000,
      },
      checkIntervalMs: 3_600_000,
      maxConcurrentOrders: 4,
      issuanceTimeoutMs: 60_000,
      pollIntervalMs: 100,
    };
    controller = await startControllerRuntime(settings, recordingLog(lines));
  });

  after(async () => {
    await controller?.stop();
    client.close();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('issues a certificate for every TLS entry with duplicate hosts removed, chaining to Pebble', async () => {
    await objects.create(
      INGRESSES,
      'default',
      ingress('web', [
        { hosts: ['www.example.test', 'www.example.test', 'example.test'], secretName: 'web-tls' },
        { hosts: ['api.example.test'], secretName: 'api-tls' },
      ]),
    );
    const web = await eventually('web-tls', async () => {
      const s = await objects.find<SecretObject>(SECRETS, 'default', 'web-tls');
      return s !== undefined && decode(s, 'tls.crt') !== '' ? s : undefined;
    });
    const api = await eventually('api-tls', async () => {
      const s = await objects.find<SecretObject>(SECRETS, 'default', 'api-tls');
      return s !== undefined && decode(s, 'tls.crt') !== '' ? s : undefined;
    });
    assert.equal(web.type, 'kubernetes.io/tls');
    assert.equal(web.metadata?.labels?.['kube-lego/managed'], 'true');
    assert.equal(web.metadata.annotations!['kubernetes.io/tls-acme'], 'true');
    assert.equal(web.metadata.annotations!['kube-lego/hosts'], 'www.example.test,example.test');
    const chain = splitPemBundle(decode(web, 'tls.crt')).map((pem) => new X509Certificate(pem));
    const leaf = chain[0];
    assert.ok(leaf !== undefined);
    assert.deepEqual(leaf.subjectAltName?.split(', ').sort(), ['DNS:example.test', 'DNS:www.example.test']);
    const root = new X509Certificate(await pebble.rootPem());
    const all = [...chain, root];
    for (let i = 0; i < all.length - 1; i += 1) {
      const cert = all[i];
      const issuer = all[i + 1];
      assert.ok(cert !== undefined && issuer !== undefined && cert.verify(issuer.publicKey));
    }
    assert.equal(leaf.checkPrivateKey(createPrivateKey(decode(web, 'tls.key'))), true);
    assert.match(decode(api, 'tls.crt'), /BEGIN CERTIFICATE/);
    const messages = lines.map((l) => l.message);
    const requested = messages.indexOf('requesting certificate for www.example.test,example.test');
    const stored = messages.indexOf('Secret successfully stored');
    assert.ok(messages.indexOf('no cert associated with ingress') >= 0);
    assert.ok(requested >= 0 && stored > requested, 'requesting ... comes before Secret successfully stored');
    // Challenge routing is removed once no challenge is pending.
    await eventually('challenge ingress removed', async () =>
      (await objects.find(INGRESSES, NAMESPACE, 'kube-lego-nginx')) === undefined ? true : undefined,
    );
  });
});
