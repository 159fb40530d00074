import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEMPORARY_CERTIFICATE_ANNOTATION } from '../../src/domain/temporary-certificate-state.js';
import { TEMPORARY_CERTIFICATE_SUBJECT } from '../../src/x509/temporary-certificate.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { opensslPlaceholder } from '../support/openssl-placeholder.js';
import { parseExposition, samplesOf, scrapeMetrics } from '../support/prometheus-text.js';
import { runCli } from './controller-process.js';
import {
  assertIssuedPair,
  CONTROLLER_USER,
  startFaultRig,
  type FaultRig,
  type SecretJson,
} from './fault-rig.js';

const SERVER_INTERNAL = 'urn:ietf:params:acme:error:serverInternal';

/** One version of a Secret as a watch from a resourceVersion replays it. */
interface SecretVersion {
  readonly type: string;
  readonly resourceVersion: string;
  readonly crt: string;
  readonly key: string;
  readonly temporaryMark: string | undefined;
}

function leafOf(crtBase64: string): X509Certificate {
  return new X509Certificate(Buffer.from(crtBase64, 'base64').toString('utf8'));
}

describe('temporary certificate across a controller restart (real processes, sandbox, Pebble behind a counting proxy)', () => {
  let rig: FaultRig;

  before(async () => {
    rig = await startFaultRig();
  });

  after(async () => {
    await rig.close();
  });

  /**
   * Every version of Secret `name` in `default` after `sinceResourceVersion`, as a
   * watch from that version replays them from the sandbox's history (an administrator's request, not
   * kube-lego's): each write the controllers made, with its data, independent of their logs.
   */
  async function secretVersions(name: string, sinceResourceVersion: string): Promise<SecretVersion[]> {
    const query = new URLSearchParams({
      watch: 'true',
      timeoutSeconds: '1',
      fieldSelector: `metadata.name=${name}`,
      resourceVersion: sinceResourceVersion,
    });
    const answer = await fetch(`${rig.sandbox.url}/api/v1/namespaces/default/secrets?${query.toString()}`, {
      headers: { authorization: `Bearer ${rig.sandbox.adminToken}` },
    });
    assert.equal(answer.status, 200);
    return (await answer.text())
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            object: SecretJson & { metadata?: { resourceVersion?: string } };
          },
      )
      .filter((event) => event.type !== 'BOOKMARK')
      .map((event) => ({
        type: event.type,
        resourceVersion: event.object.metadata?.resourceVersion ?? '',
        crt: event.object.data?.['tls.crt'] ?? '',
        key: event.object.data?.['tls.key'] ?? '',
        temporaryMark: event.object.metadata?.annotations?.[TEMPORARY_CERTIFICATE_ANNOTATION],
      }));
  }

  /** The CA in trouble: the next `count` newOrder requests answered 503 with `Retry-After`. */
  function holdBackOrders(count: number, retryAfterSeconds: number): void {
    rig.ca.failNext({
      pathPattern: /^\/order-plz/,
      count,
      status: 503,
      retryAfterSeconds,
      problemType: SERVER_INTERNAL,
      detail: 'The CA is down for maintenance',
    });
  }

  /** Secret `name` once it holds the CA's certificate (`kube-lego/not-after` is set). */
  function issuedSecret(name: string): Promise<SecretJson> {
    return rig.eventually(
      "the CA's certificate",
      async () => {
        const s = await rig.secret(name);
        return s?.metadata?.annotations?.['kube-lego/not-after'] !== undefined ? s : undefined;
      },
      90_000,
    );
  }

  /** The controller's writes (update, patch) to Secret `name` from the sandbox's audit log. */
  const secretWrites = (name: string): number =>
    rig.sandbox.audit.filter(
      (e) =>
        e.user === CONTROLLER_USER &&
        e.resource === 'secrets' &&
        e.name === name &&
        ['update', 'patch'].includes(e.verb),
    ).length;

  it('controller A writes the temporary pair while the CA fails, is killed, and B replaces it with the real one', async () => {
    const host = 'restart-temporary.example.test';
    // Issuance held back: every newOrder of A (and the first of B, should one be left) answered 503.
    holdBackOrders(3, 1);
    const beforeIngress = rig.sandbox.store.resourceVersion;
    const a = rig.startController();
    await rig.applyIngress('restart-temporary', [host]);
    const temporary = await rig.eventually('the temporary pair', async () => {
      const s = await rig.secret('restart-temporary-tls');
      return s?.metadata?.annotations?.[TEMPORARY_CERTIFICATE_ANNOTATION] === 'true' ? s : undefined;
    });
    await rig.eventually('a failed newOrder of A', () =>
      Promise.resolve(rig.ca.orderRequestsFor(host).some((r) => r.injected === true) ? true : undefined),
    );
    assert.equal(
      rig.ca.orderRequestsFor(host).filter((r) => r.injected !== true).length,
      0,
      'A opened no order at the CA',
    );
    await a.kill();
    const temporaryLeaf = leafOf(temporary.data?.['tls.crt'] ?? '');
    assert.equal(temporaryLeaf.subject, TEMPORARY_CERTIFICATE_SUBJECT);
    assert.equal(temporaryLeaf.subject, temporaryLeaf.issuer, 'self-signed');

    const b = rig.startController();
    const issued = await issuedSecret('restart-temporary-tls');
    await b.kill();
    assertIssuedPair(issued, [host]);
    assert.equal(issued.metadata?.annotations?.[TEMPORARY_CERTIFICATE_ANNOTATION], undefined, 'mark removed');
    assert.notEqual(
      issued.data?.['tls.key'],
      temporary.data?.['tls.key'],
      'a new key, not the temporary one',
    );

    // Every version of the Secret: the temporary pair first, then only the CA's once it arrived.
    const versions = await secretVersions('restart-temporary-tls', beforeIngress);
    assert.equal(versions[0]?.type, 'ADDED');
    assert.equal(versions[0].temporaryMark, 'true');
    const firstReal = versions.findIndex((v) => v.crt === issued.data?.['tls.crt']);
    assert.ok(firstReal > 0, 'the real pair was written after the temporary one');
    for (const version of versions.slice(firstReal)) {
      assert.equal(
        version.crt,
        issued.data?.['tls.crt'],
        `version ${version.resourceVersion} keeps the real pair`,
      );
      assert.equal(version.temporaryMark, undefined);
    }
  });

  it("the user's own openssl placeholder (the seed's) shows as Temporary in status and metrics until the CA's replaces it", async () => {
    const host = 'restart-own.example.test';
    const files = await mkdtemp(join(tmpdir(), 'kube-lego-own-'));
    try {
      // The seed's step: a self-signed pair made with openssl, stored as the TLS Secret before kube-lego runs.
      const placeholder = await opensslPlaceholder(files, host, 365);
      await rig.kubectl(
        'create',
        'secret',
        'tls',
        'restart-own-tls',
        '-n',
        'default',
        `--cert=${placeholder.certFile}`,
        `--key=${placeholder.keyFile}`,
      );
    } finally {
      await rm(files, { recursive: true, force: true });
    }
    await rig.applyIngress('restart-own', [host]);
    const env = { KUBECONFIG: rig.kubeconfig, LEGO_URL: rig.ca.directoryUrl, HOME: tmpdir() };
    const stateOf = async (): Promise<string | undefined> => {
      const result = await runCli(['status', '-o', 'json'], env);
      assert.equal(result.code, 0, result.stderr);
      const items = (JSON.parse(result.stdout) as { items: { secret: string; state: string }[] }).items;
      return items.find((i) => i.secret === 'restart-own-tls')?.state;
    };
    assert.equal(
      await stateOf(),
      'Temporary',
      'before kube-lego runs, the placeholder is shown as Temporary',
    );

    // The first order waits out a 503 for 4 s: the placeholder is still on the Secret meanwhile.
    holdBackOrders(1, 4);
    const metricsPort = await freeLoopbackPort();
    const e = rig.startController({ LEGO_METRICS_PORT: String(metricsPort) });
    const temporarySeries = async (): Promise<number[]> => {
      const exposition = parseExposition((await scrapeMetrics(metricsPort)).text);
      return samplesOf(exposition, 'kube_lego_certificate_temporary', { secret: 'restart-own-tls' }).map(
        (s) => s.value,
      );
    };
    await rig.eventually('the failed first order', () =>
      Promise.resolve(rig.ca.orderRequestsFor(host).some((r) => r.injected === true) ? true : undefined),
    );
    assert.deepEqual(
      await temporarySeries(),
      [1],
      'kube_lego_certificate_temporary while the placeholder is held',
    );
    const issued = await issuedSecret('restart-own-tls');
    assertIssuedPair(issued, [host]);
    assert.deepEqual(await temporarySeries(), [0]);
    assert.equal(await stateOf(), 'Ready');
    await e.kill();
  });

  it('a real pair present at restart is never replaced by a temporary one, even while the CA fails', async () => {
    const host = 'restart-real.example.test';
    const c = rig.startController();
    await rig.applyIngress('restart-real', [host]);
    const real = await issuedSecret('restart-real-tls');
    assertIssuedPair(real, [host]);
    await c.kill();
    const atRestart = JSON.parse(
      await rig.kubectl('get', 'secret', 'restart-real-tls', '-n', 'default', '-o', 'json'),
    ) as SecretJson & { metadata?: { resourceVersion?: string } };
    const resourceVersion = atRestart.metadata?.resourceVersion ?? '';

    // A renewal requested and the CA failing: D must renew, cannot, and keeps the real pair meanwhile (the
    // last case: these faults outlast it).
    holdBackOrders(1000, 1);
    await rig.kubectl(
      'annotate',
      'secret',
      'restart-real-tls',
      '-n',
      'default',
      `kube-lego/renew-requested=${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    );
    const ordersBefore = rig.ca.ordersFor(host);
    const writesBefore = secretWrites('restart-real-tls');
    const d = rig.startController();
    await rig.eventually('a failed renewal of D, recorded on the Secret', async () => {
      const s = await rig.secret('restart-real-tls');
      return rig.ca.ordersFor(host) > ordersBefore &&
        s?.metadata?.annotations?.['kube-lego/last-failure-reason'] !== undefined
        ? true
        : undefined;
    });
    await d.kill();

    const versions = await secretVersions('restart-real-tls', resourceVersion);
    assert.ok(versions.length > 0, 'D recorded its failures on the Secret');
    assert.ok(secretWrites('restart-real-tls') > writesBefore, 'the audit log shows writes of D');
    for (const version of versions) {
      assert.equal(
        version.crt,
        real.data?.['tls.crt'],
        `version ${version.resourceVersion} holds the real certificate`,
      );
      assert.equal(
        version.key,
        real.data?.['tls.key'],
        `version ${version.resourceVersion} holds the real key`,
      );
      assert.equal(version.temporaryMark, undefined);
    }
    const events = JSON.parse(await rig.kubectl('get', 'events', '-n', 'default', '-o', 'json')) as {
      items: { reason?: string; count?: number; involvedObject?: { name?: string } }[];
    };
    // The one of C's first issuance (the Secret was absent then), none of D's.
    assert.deepEqual(
      events.items
        .filter((e) => e.reason === 'TemporaryCertificateIssued' && e.involvedObject?.name === 'restart-real')
        .map((e) => e.count),
      [1],
    );
  });
});
