import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startDataPlane, type DataPlane } from '../../dev/devenv/data-plane.js';
import type { Sandbox } from '../../dev/sandbox/sandbox.js';
import { TEMPORARY_CERTIFICATE_ANNOTATION } from '../../src/domain/temporary-certificate-state.js';
import { controllerEnv, NGINX_ONLY } from '../support/controller-env.js';
import type { CountingAcmeProxy } from '../support/counting-acme-proxy.js';
import { ingressManifest, namespaceManifest } from '../support/ingress-manifest.js';
import type { PebbleRig } from '../support/pebble.js';
import { startProxiedPebbleRig, type ProxiedPebbleRig } from '../support/proxied-pebble-rig.js';
import { eventually } from '../support/eventually.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { parseExposition, samplesOf, scrapeMetrics } from '../support/prometheus-text.js';
import { readyzOk } from '../support/readyz.js';
import { servedLeaf } from '../support/served-leaf.js';
import { runCli, startControllerProcess, type ControllerProcess } from './controller-process.js';

const run = promisify(execFile);
const RELOAD_DELAY_MS = 1_500;

interface EventJson {
  readonly reason?: string;
  readonly message?: string;
  readonly involvedObject?: { readonly name?: string };
}

interface StatusItem {
  readonly secret: string;
  readonly state: string;
  readonly served?: { readonly outcome: string; readonly seconds?: number };
}

interface SecretJson {
  readonly data?: Readonly<Record<string, string>>;
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> };
}

describe('kube-lego process: temporary certificate at once, then the served-certificate check (issue 14)', () => {
  let rig: ProxiedPebbleRig;
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let proxy: CountingAcmeProxy;
  let dir: string;
  let kubeconfig: string;
  let caFile: string;
  let lego: ControllerProcess | undefined;
  let plane: DataPlane | undefined;
  let metricsPort = 0;

  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', kubeconfig, ...args])).stdout;

  const until = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
    eventually(what, probe, { context: () => lego?.lines.slice(-30).join('\n') ?? '' });

  /** The served-certificate series of `secret` in one scrape of the controller's /metrics. */
  const servedSeries = async (secret: string): Promise<{ served: number[]; seconds: number[] }> => {
    const exposition = parseExposition((await scrapeMetrics(metricsPort)).text);
    return {
      served: samplesOf(exposition, 'kube_lego_certificate_served', { secret }).map((s) => s.value),
      seconds: samplesOf(exposition, 'kube_lego_certificate_served_seconds', { secret }).map((s) => s.value),
    };
  };

  /** `kube-lego status` as a user runs it, in its own process: the table and the JSON items. */
  const status = async (): Promise<{ table: string; items: StatusItem[] }> => {
    const env = { KUBECONFIG: kubeconfig, LEGO_URL: proxy.directoryUrl, HOME: dir };
    const [table, json] = await Promise.all([runCli(['status'], env), runCli(['status', '-o', 'json'], env)]);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(json.code, 0, json.stderr);
    return { table: table.stdout, items: (JSON.parse(json.stdout) as { items: StatusItem[] }).items };
  };

  const eventOf = async (ingress: string, reason: string): Promise<EventJson | undefined> => {
    const list = JSON.parse(await kubectl('get', 'events', '-n', 'default', '-o', 'json')) as {
      items?: EventJson[];
    };
    return list.items?.find((e) => e.reason === reason && e.involvedObject?.name === ingress);
  };

  /** Starts the data plane and the controller, waits until it is ready, then applies the Ingress. */
  async function startWith(
    reloadDelayMs: number | 'never',
    ingress: string,
    host: string,
  ): Promise<DataPlane> {
    const dataPlane = await startDataPlane({ sandbox, reloadDelayMs });
    plane = dataPlane;
    metricsPort = await freeLoopbackPort();
    lego = startControllerProcess(
      controllerEnv(
        { kubeconfig, directoryUrl: proxy.directoryUrl, caFile, httpPort: pebble.httpPort },
        {
          ...NGINX_ONLY,
          LEGO_SERVED_CHECK_PORT: String(dataPlane.port),
          LEGO_SERVED_CHECK_INTERVAL: '250ms',
          LEGO_SERVED_CHECK_TIMEOUT: '6s',
          LEGO_METRICS_PORT: String(metricsPort),
        },
      ),
    );
    await until('readyz', async () => ((await readyzOk(pebble.httpPort)) ? true : undefined));
    const file = join(dir, `${ingress}.yaml`);
    await writeFile(file, ingressManifest({ name: ingress, hosts: [host], service: 'web' }));
    await kubectl('apply', '-f', file);
    return dataPlane;
  }

  async function stopAll(): Promise<void> {
    await lego?.terminate();
    lego = undefined;
    await plane?.close();
    plane = undefined;
  }

  before(async () => {
    rig = await startProxiedPebbleRig('kube-lego-served-');
    ({ sandbox, pebble, proxy, dir, kubeconfig, caFile } = rig);
    await writeFile(join(dir, 'ns.yaml'), namespaceManifest('kube-lego'));
    await kubectl('apply', '-f', join(dir, 'ns.yaml'));
  });

  after(async () => {
    await stopAll();
    await rig.close();
  });

  it('writes a temporary certificate within 2 s and before any order, replaces it, and sees it served', async (t) => {
    const host = 'served.example.test';
    const dataPlane = await startWith(RELOAD_DELAY_MS, 'served', host);
    try {
      const measured = await checkServed(dataPlane, host);
      t.diagnostic(`measured: ${JSON.stringify(measured)}`);

      // The same outcome through /metrics (the controller's own check) and `status` (the Events).
      const series = await servedSeries('served-tls');
      assert.deepEqual(series.served, [1]);
      const [seconds] = series.seconds;
      assert.ok(
        seconds !== undefined && Math.abs(seconds * 1000 - measured.servedAfterMs) < 150,
        `kube_lego_certificate_served_seconds ${String(seconds)}, the Event said ${String(measured.servedAfterMs)} ms`,
      );
      const shown = await status();
      const item = shown.items.find((i) => i.secret === 'served-tls');
      assert.equal(item?.state, 'Ready');
      assert.equal(item.served?.outcome, 'served');
      // Events record whole seconds: the time from CertificateIssued to CertificateServed, to the second.
      assert.ok(
        item.served.seconds !== undefined &&
          Math.abs(item.served.seconds * 1000 - measured.servedAfterMs) <= 2_000,
        `status says served after ${String(item.served.seconds)} s`,
      );
      assert.match(shown.table, /^INGRESS .* SERVED\n/);
      assert.match(
        shown.table,
        /\nserved +served-tls +served\.example\.test +Ready .* yes \(\d+(\.\d)?s\)\n/,
      );
      const explain = await runCli(['explain', 'default/served-tls'], {
        KUBECONFIG: kubeconfig,
        LEGO_URL: proxy.directoryUrl,
        HOME: dir,
      });
      assert.match(
        explain.stdout,
        /\nServed: yes \(\d+(\.\d)?s\): the load balancer serves the stored certificate/,
      );
      t.diagnostic(`status: ${shown.table}`);
    } finally {
      await stopAll();
    }
  });

  async function checkServed(
    dataPlane: DataPlane,
    host: string,
  ): Promise<{ secretAfterIngressMs: number; orderAfterSecretMs: number; servedAfterMs: number }> {
    const served = await until('CertificateServed', () => eventOf('served', 'CertificateServed'));

    // Times from the sandbox's audit log and the proxy's record, not from kube-lego's log. A create is a
    // POST to the collection (the name is in the body): this is the first Ingress and Secret in "default".
    const created = (resource: string) =>
      sandbox.audit.find(
        (e) =>
          e.verb === 'create' &&
          e.resource.startsWith(resource) &&
          e.namespace === 'default' &&
          e.status < 300,
      );
    const ingressCreated = created('ingresses');
    const secretCreated = created('secrets');
    assert.ok(ingressCreated !== undefined && secretCreated !== undefined);
    const createdMs = Date.parse(secretCreated.at);
    const afterIngressMs = createdMs - Date.parse(ingressCreated.at);
    const firstOrder = proxy.orderRequestsFor(host)[0];
    assert.ok(firstOrder !== undefined, 'an order was opened');
    assert.ok(
      afterIngressMs < 2_000,
      `the Secret was created ${String(afterIngressMs)} ms after the Ingress`,
    );
    assert.ok(createdMs < firstOrder.atMs, 'the Secret existed before the first newOrder');
    assert.equal(proxy.ordersFor(host), 1);
    assert.ok(await eventOf('served', 'TemporaryCertificateIssued'), 'TemporaryCertificateIssued recorded');

    const secret = JSON.parse(await kubectl('get', 'secret', 'served-tls', '-o', 'json')) as SecretJson;
    const stored = new X509Certificate(
      Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8'),
    );
    assert.notEqual(stored.subject, stored.issuer, "the CA's certificate replaced the temporary one");
    assert.equal(secret.metadata?.annotations?.[TEMPORARY_CERTIFICATE_ANNOTATION], undefined);
    assert.equal((await servedLeaf(dataPlane.port, host)).serialNumber, stored.serialNumber);

    const delay = /for served\.example\.test, (\d+(?:\.\d)?)s after it was stored$/.exec(
      served.message ?? '',
    );
    assert.ok(delay?.[1] !== undefined, served.message);
    const delayMs = Number(delay[1]) * 1000;
    assert.ok(delayMs >= RELOAD_DELAY_MS - 100, `served after ${String(delayMs)} ms, the reload takes 1.5 s`);
    assert.ok(delayMs < RELOAD_DELAY_MS + 3_000, `served after ${String(delayMs)} ms`);
    assert.equal(await eventOf('served', 'CertificateNotServed'), undefined);
    return {
      secretAfterIngressMs: afterIngressMs,
      orderAfterSecretMs: firstOrder.atMs - createdMs,
      servedAfterMs: delayMs,
    };
  }

  it('with the reload disabled, reports CertificateNotServed naming the temporary certificate still served', async () => {
    const host = 'stale.example.test';
    const dataPlane = await startWith('never', 'stale', host);
    const notServed = await until('CertificateNotServed', () => eventOf('stale', 'CertificateNotServed'));
    const leaf = await servedLeaf(dataPlane.port, host);
    assert.equal(leaf.subject, 'CN=kube-lego temporary certificate');
    const message = notServed.message ?? '';
    assert.match(
      message,
      /^The load balancer at 127\.0\.0\.1 does not serve the new certificate of secret "stale-tls"/,
    );
    assert.match(message, /still serves kube-lego's temporary self-signed certificate/);
    assert.ok(message.includes(`serial ${leaf.serialNumber.toUpperCase()}`), message);
    assert.equal(await eventOf('stale', 'CertificateServed'), undefined);

    assert.deepEqual(await servedSeries('stale-tls'), { served: [0], seconds: [] });
    // This process checked nothing of the first test's certificate: no series, not a 0.
    assert.deepEqual(await servedSeries('served-tls'), { served: [], seconds: [] });
    const shown = await status();
    assert.equal(shown.items.find((i) => i.secret === 'stale-tls')?.served?.outcome, 'notServed');
    assert.equal(shown.items.find((i) => i.secret === 'served-tls')?.served?.outcome, 'served');
    assert.match(shown.table, /\nstale +stale-tls +stale\.example\.test +Ready .* no\n/);
  });
});
