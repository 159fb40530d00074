import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { controllerEnv, NGINX_ONLY } from '../support/controller-env.js';
import { eventually } from '../support/eventually.js';
import { ingressManifest, namespaceManifest } from '../support/ingress-manifest.js';
import { startProxiedPebbleRig, type ProxiedPebbleRig } from '../support/proxied-pebble-rig.js';
import { readyzOk } from '../support/readyz.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';

const run = promisify(execFile);
const GATEWAY_PATH = '/apis/gateway.networking.k8s.io';

interface SecretJson {
  readonly data?: Readonly<Record<string, string>>;
}

/** The rig, a kube-lego process on it, and kubectl as the cluster's admin. */
async function startWithController(
  rig: ProxiedPebbleRig,
  extra: Readonly<Record<string, string>> = {},
): Promise<{ lego: ControllerProcess; kubectl: (...args: string[]) => Promise<string> }> {
  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', rig.kubeconfig, ...args])).stdout;
  await writeFile(join(rig.dir, 'ns.yaml'), namespaceManifest('kube-lego'));
  await kubectl('apply', '-f', join(rig.dir, 'ns.yaml'));
  const lego = startControllerProcess(
    controllerEnv(
      {
        kubeconfig: rig.kubeconfig,
        directoryUrl: rig.proxy.directoryUrl,
        caFile: rig.caFile,
        httpPort: rig.pebble.httpPort,
      },
      { ...NGINX_ONLY, LEGO_SERVED_CHECK: 'false', ...extra },
    ),
  );
  await eventually('readyz', async () => ((await readyzOk(rig.pebble.httpPort)) ? true : undefined), {
    context: () => lego.lines.slice(-30).join('\n'),
  });
  return { lego, kubectl };
}

/** The certificate stored in a Secret, once it is the CA's (not the temporary self-signed one). */
async function issuedCertificate(
  kubectl: (...args: string[]) => Promise<string>,
  namespace: string,
  name: string,
): Promise<X509Certificate | undefined> {
  const secret = JSON.parse(
    await kubectl('get', 'secret', '-n', namespace, name, '-o', 'json'),
  ) as SecretJson;
  const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
  if (pem === '') return undefined;
  const cert = new X509Certificate(pem);
  return cert.subject === cert.issuer ? undefined : cert;
}

describe('kube-lego process against a cluster without the Gateway API kinds (issue 15)', () => {
  let rig: ProxiedPebbleRig;
  let lego: ControllerProcess | undefined;

  before(async () => {
    rig = await startProxiedPebbleRig('kube-lego-no-gateway-', { gatewayApi: false });
  });

  after(async () => {
    await lego?.terminate();
    await rig.close();
  });

  it('says so in one log line, asks discovery once, and still issues for Ingresses', async () => {
    const started = await startWithController(rig);
    lego = started.lego;
    const host = 'plain.example.test';
    const file = join(rig.dir, 'plain.yaml');
    await writeFile(file, ingressManifest({ name: 'plain', hosts: [host] }));
    await started.kubectl('apply', '-f', file);
    const cert = await eventually(
      'the certificate of plain-tls',
      () => issuedCertificate(started.kubectl, 'default', 'plain-tls'),
      { context: () => started.lego.lines.slice(-30).join('\n') },
    );
    assert.ok(cert.checkHost(host), `issued for ${host}`);
    assert.equal(rig.proxy.ordersFor(host), 1);
    const gatewayLines = started.lego.lines.filter((line) => /gateway/i.test(line));
    assert.equal(gatewayLines.length, 1, gatewayLines.join('\n'));
    assert.match(
      gatewayLines[0] ?? '',
      /serves no Gateway API gateways \(gateway\.networking\.k8s\.io\), watching ingresses only/,
    );
    // From the sandbox's audit log: one discovery request for the group, no list or watch retried.
    const asked = rig.sandbox.audit.filter((e) => e.path.startsWith(GATEWAY_PATH));
    assert.deepEqual(
      asked.map((e) => `${e.method} ${e.path} ${String(e.status)}`),
      [`GET ${GATEWAY_PATH} 404`],
    );
  });
});
