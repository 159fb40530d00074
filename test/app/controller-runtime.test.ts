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
import type { ControllerSettings } from '../../src/app/controller-settings.js';
import { startControllerRuntime, type RunningController } from '../../src/app/lifecycle.js';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { splitPemBundle } from '../../src/x509/pem-bundle.js';
import { opensslPlaceholder } from '../support/openssl-placeholder.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { recordingLog, type LogLine } from '../reconcile/recording-log.js';
import { eventually } from '../support/eventually.js';

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

/** True once the Secret holds a certificate from the CA (the record of an issuance), not the temporary one. */
function issued(secret: SecretObject | undefined): secret is SecretObject {
  return secret?.metadata?.annotations?.['kube-lego/not-after'] !== undefined;
}

function decode(secret: SecretObject | undefined, key: string): string {
  return Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');
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
      metricsPort: 0,
      selfCheck: {
        enabled: true,
        timeoutMs: 2000,
        delayMs: 0,
        tries: 3,
        intervalMs: 100,
        address: { host: '127.0.0.1', port: pebble.httpPort },
      },
      nginx: { serviceName: 'kube-lego-nginx', ingressName: 'kube-lego-nginx', serviceSelector: 'kube-lego' },
      gce: { serviceName: 'kube-lego-gce', podIp: '10.0.0.7' },
      policy: {
        annotationKey: 'kubernetes.io/tls-acme',
        supportedClasses: ['nginx', 'gce'],
        defaultClass: 'nginx',
        supportedProviders: ['nginx', 'gce'],
        defaultProvider: 'nginx',
        challengeType: 'http-01',
        maxNamesPerCertificate: 100,
        directoryUrl: pebble.directoryUrl,
        minimumValidityMs: 30 * 24 * 3600 * 1000,
      },
      checkIntervalMs: 3_600_000,
      ari: true,
      ariPollIntervalMs: 1000,
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
      return issued(s) ? s : undefined;
    });
    const api = await eventually('api-tls', async () => {
      const s = await objects.find<SecretObject>(SECRETS, 'default', 'api-tls');
      return issued(s) ? s : undefined;
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

  async function secretWithCert(
    name: string,
    namePredicate: (sans: string) => boolean,
  ): Promise<SecretObject> {
    return eventually(`certificate in ${name}`, async () => {
      const secret = await objects.find<SecretObject>(SECRETS, 'default', name);
      if (!issued(secret)) return undefined;
      const pem = decode(secret, 'tls.crt');
      const sans = new X509Certificate(pem).subjectAltName ?? '';
      return namePredicate(sans) ? secret : undefined;
    });
  }

  function eventsFor(ingressName: string): { reason: string; message: string; count: number }[] {
    return sandbox.store
      .list('events', 'default')
      .filter((e) => (e['involvedObject'] as { name?: string } | undefined)?.name === ingressName)
      .map((e) => ({
        reason: e['reason'] as string,
        message: e['message'] as string,
        count: e['count'] as number,
      }));
  }

  it('replaces a self-signed openssl placeholder Secret (adoption)', async () => {
    const { certPem: crt, keyPem: key } = await opensslPlaceholder(dir, 'placeholder.example.test');
    await objects.create<SecretObject>(SECRETS, 'default', {
      metadata: { name: 'placeholder-tls', namespace: 'default', labels: { team: 'web' } },
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': Buffer.from(crt).toString('base64'),
        'tls.key': Buffer.from(key).toString('base64'),
      },
    });
    await objects.create(
      INGRESSES,
      'default',
      ingress('placeholder', [{ hosts: ['placeholder.example.test'], secretName: 'placeholder-tls' }]),
    );
    const adopted = await secretWithCert('placeholder-tls', (sans) =>
      sans.includes('placeholder.example.test'),
    );
    assert.notEqual(decode(adopted, 'tls.crt'), crt);
    assert.equal(adopted.metadata!.labels!['team'], 'web', 'foreign labels are kept');
    assert.equal(adopted.metadata!.labels!['kube-lego/managed'], 'true');
  });

  it('leaves a foreign Secret byte-for-byte unchanged and says why in an Event', async () => {
    const foreign = await objects.create<SecretObject>(SECRETS, 'default', {
      metadata: { name: 'foreign-tls', namespace: 'default' },
      type: 'Opaque',
      data: { password: Buffer.from('hunter2').toString('base64') },
    });
    await objects.create(
      INGRESSES,
      'default',
      ingress('foreign', [{ hosts: ['foreign.example.test'], secretName: 'foreign-tls' }]),
    );
    const events = await eventually('ForeignSecret event', () =>
      Promise.resolve(eventsFor('foreign').find((e) => e.reason === 'ForeignSecret')),
    );
    assert.match(events.message, /foreign-tls/);
    const after = await objects.get<SecretObject>(SECRETS, 'default', 'foreign-tls');
    assert.deepEqual(after, foreign);
    // Bug 5: the Secret could never take a certificate, so none is ordered (and none thrown away).
    assert.ok(!lines.some((l) => l.message === 'requesting certificate for foreign.example.test'));
  });

  it('reissues when the hosts of an entry change', async () => {
    const current = await objects.get<IngressObject>(INGRESSES, 'default', 'web');
    const changed = ingress('web', [
      { hosts: ['www.example.test', 'example.test'], secretName: 'web-tls' },
      { hosts: ['api.example.test', 'api2.example.test'], secretName: 'api-tls' },
    ]);
    await objects.replace<IngressObject>(INGRESSES, 'default', {
      ...changed,
      metadata: { ...changed.metadata, resourceVersion: current.metadata!.resourceVersion! },
    });
    const api = await secretWithCert('api-tls', (sans) => sans.includes('DNS:api2.example.test'));
    const sans = new X509Certificate(decode(api, 'tls.crt')).subjectAltName?.split(', ').sort();
    assert.deepEqual(sans, ['DNS:api.example.test', 'DNS:api2.example.test']);
  });

  it('stops managing a Secret when the annotation is removed, without deleting it', async () => {
    const before = await objects.get<SecretObject>(SECRETS, 'default', 'web-tls');
    const current = await objects.get<IngressObject>(INGRESSES, 'default', 'web');
    const unannotated = ingress(
      'web',
      [
        { hosts: ['www.example.test', 'example.test', 'new.example.test'], secretName: 'web-tls' },
        { hosts: ['api.example.test', 'api2.example.test'], secretName: 'api-tls' },
      ],
      false,
    );
    await objects.replace<IngressObject>(INGRESSES, 'default', {
      ...unannotated,
      metadata: { ...unannotated.metadata, resourceVersion: current.metadata!.resourceVersion! },
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await objects.get<SecretObject>(SECRETS, 'default', 'web-tls');
    assert.equal(decode(after, 'tls.crt'), decode(before, 'tls.crt'));
    assert.ok(
      !lines.some((l) =>
        l.message.startsWith('requesting certificate for www.example.test,example.test,new.example.test'),
      ),
    );
  });

  it('records a validation failure as backoff annotations and an Event, without an order storm or an empty TLS pair', async () => {
    await pebble.challtest.setServfail('broken.example.test');
    await objects.create(
      INGRESSES,
      'default',
      ingress('broken', [{ hosts: ['broken.example.test'], secretName: 'broken-tls' }]),
    );
    const failed = await eventually('failure record', async () => {
      const secret = await objects.find<SecretObject>(SECRETS, 'default', 'broken-tls');
      return secret?.metadata?.annotations?.['kube-lego/failures'] === undefined ? undefined : secret;
    });
    const annotations = failed.metadata!.annotations!;
    assert.equal(annotations['kube-lego/failures'], '1');
    assert.equal(annotations['kube-lego/last-failure-reason'], 'ChallengeFailed');
    const retryAt = Date.parse(annotations['kube-lego/retry-not-before']!);
    const lastFailure = Date.parse(annotations['kube-lego/last-failure']!);
    assert.equal(retryAt - lastFailure, 60_000, 'first failure waits one minute');
    // Ingress controllers reject an empty pair: the Secret holds a temporary self-signed certificate.
    const temporary = new X509Certificate(decode(failed, 'tls.crt'));
    assert.equal(temporary.subject, 'CN=kube-lego temporary certificate');
    assert.equal(temporary.issuer, temporary.subject);
    assert.equal(temporary.subjectAltName, 'DNS:broken.example.test');
    assert.ok(temporary.checkPrivateKey(createPrivateKey(decode(failed, 'tls.key'))));
    const event = await eventually('IssuanceFailed event', () =>
      Promise.resolve(eventsFor('broken').find((e) => e.reason === 'IssuanceFailed')),
    );
    assert.match(event.message, /broken\.example\.test/);
    // A fixed window after the failure: no second order.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const requests = lines.filter((l) => l.message === 'requesting certificate for broken.example.test');
    assert.equal(requests.length, 1);
  });

  it('gce provider: edits the user Ingress only while the challenge is pending, then restores it exactly', async () => {
    const original: IngressObject = {
      metadata: {
        name: 'gce-web',
        namespace: 'default',
        annotations: { 'kubernetes.io/tls-acme': 'true', 'kubernetes.io/ingress.class': 'gce' },
      },
      spec: {
        tls: [{ hosts: ['gce.example.test', 'bare.example.test'], secretName: 'gce-tls' }],
        rules: [
          {
            host: 'gce.example.test',
            http: {
              paths: [
                {
                  path: '/*',
                  pathType: 'ImplementationSpecific',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
          // A host-only rule relying on the default backend: 0.1.7 dropped it (bug 19).
          { host: 'other.example.test' },
        ],
      },
    };
    // The challenge's backend exists only while the challenge is pending: sample the store meanwhile.
    const seen: { endpoints?: unknown; slice?: unknown; serviceType?: unknown } = {};
    const sample = setInterval(() => {
      const service = sandbox.store.get('services', 'default', 'kube-lego-gce');
      if (service !== undefined) seen.serviceType = (service['spec'] as { type?: string } | undefined)?.type;
      seen.endpoints ??= sandbox.store.get('endpoints', 'default', 'kube-lego-gce')?.['subsets'];
      seen.slice ??= sandbox.store.get('endpointslices.discovery.k8s.io', 'default', 'kube-lego-gce')?.[
        'endpoints'
      ];
    }, 5);
    try {
      await objects.create(INGRESSES, 'default', original);
      await secretWithCert(
        'gce-tls',
        (sans) => sans.includes('gce.example.test') && sans.includes('bare.example.test'),
      );
    } finally {
      clearInterval(sample);
    }
    const edits = () =>
      sandbox.audit.filter((a) => a.method === 'PUT' && a.path.endsWith('/ingresses/gce-web'));
    await eventually('challenge paths removed', async () => {
      const now = await objects.get<IngressObject>(INGRESSES, 'default', 'gce-web');
      return JSON.stringify(now.spec?.rules) === JSON.stringify(original.spec?.rules) ? true : undefined;
    });
    // At least one edit adds the challenge paths and one restores the rules; with two hosts whose
    // challenges are presented and cleaned up at different moments, at most one edit per step.
    assert.ok(edits().length >= 2 && edits().length <= 4, `${edits().length} edits`);
    const restored = await objects.get<IngressObject>(INGRESSES, 'default', 'gce-web');
    assert.equal(restored.metadata?.annotations?.['kube-lego/gce-added-rules'], undefined);
    assert.equal(seen.serviceType, 'NodePort');
    assert.deepEqual(seen.slice, [{ addresses: ['10.0.0.7'], conditions: { ready: true } }]);
    assert.deepEqual(seen.endpoints, [
      { addresses: [{ ip: '10.0.0.7' }], ports: [{ name: 'http', port: pebble.httpPort, protocol: 'TCP' }] },
    ]);
    // No challenge of the namespace is pending any more: the Service, Endpoints and EndpointSlice are gone.
    await eventually('the gce challenge objects deleted', () =>
      Promise.resolve(
        ['services', 'endpoints', 'endpointslices.discovery.k8s.io'].every(
          (resource) => sandbox.store.get(resource, 'default', 'kube-lego-gce') === undefined,
        )
          ? true
          : undefined,
      ),
    );
    const deletes = sandbox.audit
      .filter((a) => a.verb === 'delete' && a.name === 'kube-lego-gce' && a.namespace === 'default')
      .map((a) => `${a.resource} ${a.status}`)
      .sort();
    assert.deepEqual(deletes, ['endpoints 200', 'endpointslices 200', 'services 200']);
  });

  it('follows an ARI window forced through Pebble: renews inside it', async () => {
    const before = await objects.get<SecretObject>(SECRETS, 'default', 'placeholder-tls');
    const pem = decode(before, 'tls.crt');
    const serial = new X509Certificate(pem).serialNumber;
    const start = new Date(Date.now() + 2000);
    const end = new Date(Date.now() + 4000);
    await pebble.setRenewalInfo(pem, { start, end });
    const renewed = await eventually('a renewed certificate', async () => {
      const s = await objects.get<SecretObject>(SECRETS, 'default', 'placeholder-tls');
      return new X509Certificate(decode(s, 'tls.crt')).serialNumber === serial ? undefined : s;
    });
    assert.ok(Date.now() >= start.getTime() - 1000, 'not renewed before the window');
    assert.ok(lines.some((l) => l.message.startsWith('renewal window suggested by the CA')));
    assert.ok(lines.some((l) => l.message === 'cert expires soon so renew'));
    assert.equal(renewed.metadata!.labels!['team'], 'web');
    const event = await eventually('CertificateRenewed event', () =>
      Promise.resolve(eventsFor('placeholder').find((e) => e.reason === 'CertificateRenewed')),
    );
    assert.match(event.message, /suggested renewal window \(ARI\)/);
  });

  it('renews when the kube-lego/renew-requested annotation asks, and says so in the Event', async () => {
    const before = await objects.get<SecretObject>(SECRETS, 'default', 'placeholder-tls');
    const serial = new X509Certificate(decode(before, 'tls.crt')).serialNumber;
    await objects.mergePatch(
      SECRETS,
      { namespace: 'default', name: 'placeholder-tls' },
      {
        metadata: { annotations: { 'kube-lego/renew-requested': new Date().toISOString() } },
      },
    );
    const renewed = await eventually('a renewed certificate', async () => {
      const s = await objects.get<SecretObject>(SECRETS, 'default', 'placeholder-tls');
      return new X509Certificate(decode(s, 'tls.crt')).serialNumber === serial ? undefined : s;
    });
    assert.equal(
      renewed.metadata?.annotations?.['kube-lego/renew-requested'],
      undefined,
      'the request is served once',
    );
    const event = await eventually('CertificateRenewed event', () =>
      Promise.resolve(
        eventsFor('placeholder').find(
          (e) => e.reason === 'CertificateRenewed' && e.message.includes('renew-requested'),
        ),
      ),
    );
    assert.match(
      event.message,
      /^Renewed certificate for placeholder\.example\.test into secret "placeholder-tls", valid until .*: renewal was requested with the kube-lego\/renew-requested annotation$/,
    );
    assert.ok(lines.some((l) => l.message === 'cert renewal requested'));
  });

  it('starts managing an existing Ingress as soon as the opt-in annotation is added (bug 3)', async () => {
    await objects.create(
      INGRESSES,
      'default',
      ingress('late', [{ hosts: ['late.example.test'], secretName: 'late-tls' }], false),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await objects.find(SECRETS, 'default', 'late-tls'), undefined);
    const current = await objects.get<IngressObject>(INGRESSES, 'default', 'late');
    await objects.replace<IngressObject>(INGRESSES, 'default', {
      ...current,
      metadata: { ...current.metadata, annotations: { 'kubernetes.io/tls-acme': 'TRUE', other: 'x' } },
    });
    await secretWithCert('late-tls', (sans) => sans.includes('late.example.test'));
  });

  it('never issues a certificate for a subset of the names when one cannot validate (bug 4)', async () => {
    await pebble.challtest.setServfail('broken2.example.test');
    await objects.create(
      INGRESSES,
      'default',
      ingress('partial', [
        { hosts: ['fine.example.test', 'broken2.example.test'], secretName: 'partial-tls' },
      ]),
    );
    const failed = await eventually('failure record', async () => {
      const secret = await objects.find<SecretObject>(SECRETS, 'default', 'partial-tls');
      return secret?.metadata?.annotations?.['kube-lego/failures'] === undefined ? undefined : secret;
    });
    const held = new X509Certificate(decode(failed, 'tls.crt'));
    assert.equal(
      held.subject,
      'CN=kube-lego temporary certificate',
      'no certificate for the names that did validate',
    );
    assert.equal(failed.metadata!.annotations!['kube-lego/hosts'], 'fine.example.test,broken2.example.test');
  });
});
