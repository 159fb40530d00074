import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual, promisify } from 'node:util';
import { load } from 'js-yaml';
import { startSandbox, type AuditEntry, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { VERSION } from '../../src/version.js';
import { splitPemBundle } from '../../src/x509/pem-bundle.js';
import { startCountingAcmeProxy, type CountingAcmeProxy } from '../support/counting-acme-proxy.js';
import { controllerEnv } from '../support/controller-env.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { ingressManifest } from '../support/ingress-manifest.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import {
  parseExposition,
  samplesOf,
  scrapeMetrics,
  type Exposition,
  type Sample,
} from '../support/prometheus-text.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const CONTROLLER_USER = 'kube-lego';

interface SecretJson {
  readonly data?: Record<string, string>;
  readonly metadata?: { readonly annotations?: Record<string, string> };
}

/** Every per-certificate metric name; each carries the same six labels. */
const CERTIFICATE_METRICS = [
  'kube_lego_certificate_expiration_timestamp_seconds',
  'kube_lego_certificate_not_before_timestamp_seconds',
  'kube_lego_certificate_renewal_timestamp_seconds',
  'kube_lego_certificate_ari_window_start_timestamp_seconds',
  'kube_lego_certificate_ari_window_end_timestamp_seconds',
  'kube_lego_certificate_ready_status',
  'kube_lego_certificate_failures',
  'kube_lego_certificate_retry_not_before_timestamp_seconds',
  'kube_lego_certificate_temporary',
];
const ACME_RESOURCES = new Set([
  'directory',
  'newNonce',
  'newAccount',
  'account',
  'keyChange',
  'newOrder',
  'order',
  'authz',
  'challenge',
  'finalize',
  'certificate',
  'revokeCert',
  'renewalInfo',
]);

function seconds(rfc3339: string | undefined): number {
  assert.ok(rfc3339 !== undefined, 'the annotation is set');
  return Date.parse(rfc3339) / 1000;
}

/** The single value of `name` for the labels in `match`; fails when there is none or more than one. */
function valueOf(exposition: Exposition, name: string, match: Readonly<Record<string, string>>): number {
  const found = samplesOf(exposition, name, match);
  assert.equal(found.length, 1, `one ${name} sample for ${JSON.stringify(match)}, found ${found.length}`);
  return found[0]?.value ?? NaN;
}

function sum(samples: readonly Sample[]): number {
  return samples.reduce((total, sample) => total + sample.value, 0);
}

/** Metric names a PromQL expression uses (kube-lego's and the Node process metrics). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:kube_lego|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1] ?? '');
}

/** Per (verb, resource, code): requests of the controller's user in the sandbox's audit log. */
function auditCounts(audit: readonly AuditEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of audit) {
    if (entry.user !== CONTROLLER_USER || entry.resource === '') continue;
    const key = `${entry.verb} ${entry.resource} ${entry.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('kube-lego /metrics end to end (real process, API sandbox, Pebble behind a counting proxy)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let ca: CountingAcmeProxy;
  let dir: string;
  let kubeconfig: string;
  let metricsPort: number;
  let lego: ControllerProcess;

  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', kubeconfig, ...args])).stdout;

  async function secret(name: string): Promise<SecretJson | undefined> {
    try {
      return JSON.parse(await kubectl('get', 'secret', name, '-o', 'json')) as SecretJson;
    } catch {
      return undefined;
    }
  }

  async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        assert.fail(`timed out waiting for ${what}:\n${lego.lines.slice(-20).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function scrape(): Promise<Exposition> {
    const answer = await scrapeMetrics(metricsPort);
    assert.equal(answer.status, 200);
    assert.match(answer.contentType, /^text\/plain; version=0\.0\.4/);
    assert.doesNotMatch(answer.text, /PRIVATE KEY/, 'no key material in the metrics');
    return parseExposition(answer.text);
  }

  async function apply(name: string, manifest: string): Promise<void> {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, manifest);
    await kubectl('apply', '-f', file);
  }

  before(async () => {
    [sandbox, pebble] = await Promise.all([
      startSandbox({ users: { 'kube-lego-token': { name: CONTROLLER_USER } } }),
      startPebble({ nonceRejectPercent: 0 }),
    ]);
    ca = await startCountingAcmeProxy({ pebbleDirectoryUrl: pebble.directoryUrl, pebbleCaPem: pebble.caPem });
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-metrics-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    const controllerKubeconfig = join(dir, 'controller-kubeconfig');
    await sandbox.writeKubeconfig(controllerKubeconfig, { user: CONTROLLER_USER });
    const caFile = join(dir, 'proxy-ca.pem');
    await writeFile(caFile, ca.caPem);
    await apply('namespace', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lego\n');
    // The CA cannot resolve this host (its DNS answers SERVFAIL): validation fails and the certificate backs off.
    await pebble.challtest.setServfail('blocked.example.test');
    metricsPort = await freeLoopbackPort();
    lego = startControllerProcess(
      controllerEnv(
        {
          kubeconfig: controllerKubeconfig,
          directoryUrl: ca.directoryUrl,
          caFile,
          httpPort: pebble.httpPort,
        },
        { LEGO_METRICS_PORT: String(metricsPort) },
      ),
    );
    await lego.waitForLine(/metrics listening on http:\/\/:\d+\/metrics/);
  });

  after(async () => {
    await lego.kill();
    await ca.close();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  const shop = {
    namespace: 'default',
    secret: 'shop-tls',
    ingress: 'shop',
    hosts: 'a.shop.example.test,www.shop.example.test',
    profile: '',
  };
  const blocked = {
    namespace: 'default',
    secret: 'blocked-tls',
    ingress: 'blocked',
    hosts: 'blocked.example.test',
  };

  it('exports every metric with the documented labels and the values of an issued and a failing certificate', async () => {
    await apply(
      'shop',
      ingressManifest({ name: 'shop', hosts: ['www.shop.example.test', 'a.shop.example.test'] }),
    );
    await apply('blocked', ingressManifest({ name: 'blocked', hosts: ['blocked.example.test'] }));
    const issued = await eventually('shop-tls with a certificate and its ARI window', async () => {
      const s = await secret('shop-tls');
      const annotations = s?.metadata?.annotations ?? {};
      return annotations['kube-lego/not-after'] !== undefined &&
        annotations['kube-lego/ari-window'] !== undefined
        ? s
        : undefined;
    });
    const failed = await eventually('blocked-tls with a failure', async () => {
      const s = await secret('blocked-tls');
      return s?.metadata?.annotations?.['kube-lego/retry-not-before'] !== undefined ? s : undefined;
    });
    const auditBefore = auditCounts(sandbox.audit);
    const acmeBefore = ca.requests.length;
    const exposition = await scrape();
    const auditAfter = auditCounts(sandbox.audit);
    const acmeAfter = ca.requests.length;

    const issuer = new URL(ca.directoryUrl).host;
    const shopLabels = { ...shop, issuer };
    const blockedLabels = { ...blocked, issuer, profile: '' };
    for (const name of CERTIFICATE_METRICS) {
      assert.equal(exposition.types.get(name), 'gauge', `${name} is a gauge`);
      for (const sample of samplesOf(exposition, name)) {
        const { condition, ...labels } = sample.labels;
        assert.ok(
          [shopLabels, blockedLabels].some((expected) => isDeepStrictEqual(expected, labels)),
          `${name} carries exactly the documented labels: ${JSON.stringify(sample.labels)}`,
        );
        assert.equal(condition !== undefined, name === 'kube_lego_certificate_ready_status');
      }
    }

    // The issued certificate: its dates as the certificate itself says, its schedule as the Secret records it.
    const annotations = issued.metadata?.annotations ?? {};
    const leafPem = splitPemBundle(Buffer.from(issued.data?.['tls.crt'] ?? '', 'base64').toString('utf8'))[0];
    const leaf = new X509Certificate(leafPem ?? '');
    const notBefore = Date.parse(leaf.validFrom) / 1000;
    const notAfter = Date.parse(leaf.validTo) / 1000;
    const metric = (name: string, labels = shopLabels): number =>
      valueOf(exposition, `kube_lego_certificate_${name}`, labels);
    assert.equal(metric('expiration_timestamp_seconds'), notAfter);
    assert.equal(metric('not_before_timestamp_seconds'), notBefore);
    const renewal = metric('renewal_timestamp_seconds');
    assert.equal(renewal, seconds(annotations['kube-lego/renew-at']));
    assert.ok(notBefore < renewal && renewal < notAfter, 'renewal time inside the validity');
    const [windowStart, windowEnd] = (annotations['kube-lego/ari-window'] ?? '').split('/');
    assert.equal(metric('ari_window_start_timestamp_seconds'), seconds(windowStart));
    assert.equal(metric('ari_window_end_timestamp_seconds'), seconds(windowEnd));
    assert.equal(metric('failures'), 0);
    assert.deepEqual(
      samplesOf(exposition, 'kube_lego_certificate_retry_not_before_timestamp_seconds', shopLabels),
      [],
    );
    const ready = (labels: Record<string, string>): Record<string, number> =>
      Object.fromEntries(
        ['True', 'False', 'Unknown'].map((condition) => [
          condition,
          valueOf(exposition, 'kube_lego_certificate_ready_status', { ...labels, condition }),
        ]),
      );
    assert.deepEqual(ready(shopLabels), { True: 1, False: 0, Unknown: 0 });

    // The failing certificate: not ready, its failure count and retry time as recorded on its Secret.
    const failedAnnotations = failed.metadata?.annotations ?? {};
    assert.deepEqual(ready(blockedLabels), { True: 0, False: 1, Unknown: 0 });
    assert.equal(metric('failures', blockedLabels), Number(failedAnnotations['kube-lego/failures']));
    assert.equal(
      metric('retry_not_before_timestamp_seconds', blockedLabels),
      seconds(failedAnnotations['kube-lego/retry-not-before']),
    );
    assert.deepEqual(
      samplesOf(exposition, 'kube_lego_certificate_expiration_timestamp_seconds', blockedLabels),
      [],
    );
    assert.equal(valueOf(exposition, 'kube_lego_rate_limited', {}), 0);

    // Orders: what the CA saw (the proxy's count of newOrder requests), by result.
    const orders = samplesOf(exposition, 'kube_lego_orders_total');
    assert.equal(
      valueOf(exposition, 'kube_lego_orders_total', { result: 'issued' }),
      ca.ordersFor('a.shop.example.test'),
    );
    assert.equal(sum(orders), ca.ordersFor('a.shop.example.test') + ca.ordersFor('blocked.example.test'));
    assert.ok(
      orders.some((s) => s.labels['result'] !== 'issued' && s.value >= 1),
      'the failed attempt is counted',
    );

    // ACME requests: every request the proxy forwarded, by resource name (never a URL).
    const acme = samplesOf(exposition, 'kube_lego_acme_client_requests_total');
    assert.ok(
      sum(acme) >= acmeBefore && sum(acme) <= acmeAfter,
      `${sum(acme)} ACME requests, proxy saw ${acmeBefore}`,
    );
    for (const sample of acme) {
      assert.ok(ACME_RESOURCES.has(sample.labels['path'] ?? ''), `path ${sample.labels['path'] ?? ''}`);
      assert.match(sample.labels['status'] ?? '', /^\d{3}$/);
      assert.match(sample.labels['method'] ?? '', /^(GET|HEAD|POST)$/);
    }
    assert.equal(
      sum(samplesOf(exposition, 'kube_lego_acme_client_requests_total', { path: 'newOrder' })),
      ca.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/order-plz')).length,
    );
    assert.equal(
      sum(samplesOf(exposition, 'kube_lego_acme_client_request_duration_seconds_count')),
      sum(acme),
      'one duration per request',
    );

    // Kubernetes API requests: what the API server's audit log holds for the controller's user.
    const kube = samplesOf(exposition, 'kube_lego_kube_api_requests_total');
    const exported = new Map<string, number>();
    for (const sample of kube) {
      const { verb = '', resource = '', code = '' } = sample.labels;
      if (resource.startsWith('/')) continue; // non-resource URLs (/version) are not resources in the audit
      exported.set(`${verb} ${resource} ${code}`, sample.value);
    }
    assert.ok(
      exported.get('list ingresses 200') !== undefined && exported.get('watch secrets 200') !== undefined,
    );
    for (const key of new Set([...exported.keys(), ...auditAfter.keys()])) {
      const value = exported.get(key) ?? 0;
      // Watches still open are audited when they end: at most the two informers' streams are missing.
      const slack = key.startsWith('watch ') ? 2 : 0;
      assert.ok(
        value >= (auditBefore.get(key) ?? 0) && value <= (auditAfter.get(key) ?? 0) + slack,
        `${key}: exported ${value}, audit log ${auditBefore.get(key) ?? 0}..${auditAfter.get(key) ?? 0}`,
      );
    }

    // Process-wide gauges, build info and Node's default metrics.
    assert.equal(valueOf(exposition, 'kube_lego_leader', {}), 1, 'a single replica always leads');
    assert.ok(valueOf(exposition, 'kube_lego_workqueue_depth', {}) >= 0);
    assert.ok(valueOf(exposition, 'kube_lego_workqueue_oldest_item_age_seconds', {}) >= 0);
    assert.equal(
      valueOf(exposition, 'kube_lego_build_info', { version: VERSION, node_version: process.version }),
      1,
    );
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ])
      assert.ok(samplesOf(exposition, name).length > 0, `${name} is exported`);
  });

  it('exports every metric the PrometheusRule and the Grafana dashboard of deploy/monitoring use', async () => {
    const exposition = await scrape();
    const rule = load(await readFile(join(root, 'deploy/monitoring/prometheus-rule.yaml'), 'utf8')) as {
      spec: { groups: { rules: { alert: string; expr: string }[] }[] };
    };
    const dashboard = JSON.parse(
      await readFile(join(root, 'deploy/monitoring/kube-lego-dashboard.json'), 'utf8'),
    ) as {
      panels: { targets: { expr: string }[] }[];
    };
    const expressions = [
      ...rule.spec.groups.flatMap((group) => group.rules.map((r) => r.expr)),
      ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ];
    const names = new Set(expressions.flatMap(metricNames));
    assert.ok(names.size >= 15, `the rules and the dashboard use ${names.size} metrics`);
    const exported = new Set(exposition.samples.map((sample) => sample.name));
    const missing = [...names].filter((name) => !exported.has(name));
    assert.deepEqual(missing, [], 'every metric used has samples in a real scrape');
    // Prometheus asks for gzip; the same families arrive compressed.
    const zipped = await scrapeMetrics(metricsPort, { gzip: true });
    assert.ok(zipped.wireBytes < Buffer.byteLength(zipped.text) / 3, 'the answer is compressed');
    assert.deepEqual(parseExposition(zipped.text).types, exposition.types);
  });

  it("drops a certificate's series once its Ingress loses the annotation, and once its Ingress is deleted", async () => {
    await kubectl('annotate', 'ingress', 'shop', 'kubernetes.io/tls-acme-');
    const withoutShop = await eventually('no series of shop-tls', async () => {
      const exposition = await scrape();
      return exposition.samples.some((s) => s.labels['secret'] === 'shop-tls') ? undefined : exposition;
    });
    assert.ok(
      samplesOf(withoutShop, 'kube_lego_certificate_failures', { secret: 'blocked-tls' }).length === 1,
      'the other certificate keeps its series',
    );
    await kubectl('delete', 'ingress', 'blocked');
    await eventually('no per-certificate series at all', async () => {
      const exposition = await scrape();
      return CERTIFICATE_METRICS.every((name) => samplesOf(exposition, name).length === 0) ? true : undefined;
    });
    assert.ok(
      samplesOf(await scrape(), 'kube_lego_build_info').length === 1,
      'the process-wide metrics stay',
    );
  });
});
