import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEMPORARY_CERTIFICATE_CN, type LeafCertificate } from '../../src/domain/served-check.js';
import type { EventToRecord } from '../../src/ports/events.js';
import type { HandshakeOutcome } from '../../src/ports/served-probe.js';
import { ServedCheck } from '../../src/reconcile/served-check.js';
import { desired } from '../support/builders.js';
import { recordingLog, type LogLine } from './recording-log.js';

const NEW = 'NEW PEM';
const OLD = 'OLD PEM';

function leaf(serialHex: string, overrides: Partial<LeafCertificate> = {}): LeafCertificate {
  return {
    serialHex,
    publicKeySha256: `key-${serialHex}`,
    subjectCn: 'a.example',
    issuerCn: 'Pebble Intermediate CA',
    notAfterMs: Date.UTC(2027, 0, 1),
    selfSigned: false,
    ...overrides,
  };
}

/**
 * ServedCheck over fakes of its ports: a probe whose served leaf switches from `before` to the new one
 * at `switchAtMs` after the start (never when undefined), and a fixed address list.
 */
function checkRig(options: {
  addresses: readonly string[];
  switchAtMs?: number;
  before?: LeafCertificate;
  unreachable?: boolean;
}) {
  const events: EventToRecord[] = [];
  const lines: LogLine[] = [];
  const handshakes: string[] = [];
  const startedMs = Date.now();
  const check = new ServedCheck({
    probe: {
      leafOf: (pem) => (pem === NEW ? leaf('02') : pem === OLD ? leaf('01') : undefined),
      handshake: (target): Promise<HandshakeOutcome> => {
        handshakes.push(`${target.address} ${target.host}`);
        if (options.unreachable === true)
          return Promise.resolve({ kind: 'unreachable', problem: 'ECONNREFUSED' });
        const switched = options.switchAtMs !== undefined && Date.now() - startedMs >= options.switchAtMs;
        return Promise.resolve({
          kind: 'served',
          leaf: switched ? leaf('02') : (options.before ?? leaf('01')),
        });
      },
    },
    addresses: { addresses: () => options.addresses },
    events: {
      record: (event) => {
        events.push(event);
        return Promise.resolve();
      },
    },
    policy: { firstIntervalMs: 20, timeoutMs: 400 },
    log: recordingLog(lines),
    shutdown: new AbortController().signal,
  });
  const want = desired(['a.example', 'b.example'], 'web-tls');
  const start = (previous?: string): void => {
    check.start({
      want,
      certificatePem: NEW,
      ...(previous === undefined ? {} : { previousCertificatePem: previous }),
      storedAtMs: startedMs,
    });
  };
  return { check, events, lines, handshakes, start };
}

describe('ServedCheck', () => {
  it('reports CertificateServed per address and host once the new leaf is served, then stops', async () => {
    const r = checkRig({ addresses: ['10.0.0.1'], switchAtMs: 50 });
    r.start(OLD);
    assert.deepEqual(r.check.outcome('default/web-tls'), { kind: 'pending' });
    await r.check.idle();
    const outcome = r.check.outcome('default/web-tls');
    assert.ok(outcome?.kind === 'served' && outcome.elapsedMs >= 50, JSON.stringify(outcome));
    assert.ok(r.events.every((e) => e.related?.kind === 'Secret' && e.related.name === 'web-tls'));
    const served = r.events.filter((e) => e.reason === 'CertificateServed');
    assert.deepEqual(
      served.map((e) => /for (\S+),/.exec(e.message)?.[1]),
      ['a.example', 'b.example'],
    );
    assert.ok(served.every((e) => e.type === 'Normal' && e.involved.name === 'web'));
    const [elapsed] = served.map((e) => /, (\d+)ms after it was stored$/.exec(e.message)?.[1]);
    assert.ok(Number(elapsed) >= 50, `served after ${String(elapsed)} ms`);
    assert.equal(r.events.filter((e) => e.reason === 'CertificateNotServed').length, 0);
    assert.ok(r.handshakes.length < 10, 'no handshake after both were served');
  });

  it('reports CertificateNotServed at the limit naming the previous certificate still served', async () => {
    const r = checkRig({ addresses: ['10.0.0.1'] });
    r.start(OLD);
    await r.check.idle();
    const notServed = r.events.filter((e) => e.reason === 'CertificateNotServed');
    assert.equal(notServed.length, 2);
    assert.deepEqual(r.check.outcome('default/web-tls'), { kind: 'notServed' });
    const [first] = notServed;
    assert.ok(first !== undefined);
    assert.equal(first.type, 'Warning');
    assert.match(
      first.message,
      /\(serial 02\) for a\.example .* still serves the previous certificate \(issuer "Pebble Intermediate CA", serial 01/,
    );
  });

  it('names the temporary certificate, and an unreachable address', async () => {
    const temporary = checkRig({
      addresses: ['10.0.0.1'],
      before: leaf('07', { subjectCn: TEMPORARY_CERTIFICATE_CN, selfSigned: true }),
    });
    temporary.start();
    const unreachable = checkRig({ addresses: ['10.0.0.1'], unreachable: true });
    unreachable.start();
    await Promise.all([temporary.check.idle(), unreachable.check.idle()]);
    assert.match(temporary.events[0]?.message ?? '', /temporary self-signed certificate \(.*serial 07/);
    assert.match(unreachable.events[0]?.message ?? '', /ECONNREFUSED.*not reachable from kube-lego/);
  });

  it('reports an Ingress without a load balancer address once as not checkable, not as a failure', async () => {
    const r = checkRig({ addresses: [] });
    r.start(OLD);
    await r.check.idle();
    assert.deepEqual(
      r.events.map((e) => [e.reason, e.type]),
      [['CertificateNotCheckable', 'Normal']],
    );
    assert.match(r.events[0]?.message ?? '', /a\.example, b\.example.*status\.loadBalancer\.ingress/);
    assert.equal(r.handshakes.length, 0);
    assert.deepEqual(r.check.outcome('default/web-tls'), { kind: 'notCheckable' });
  });

  it('a newer certificate for the same Secret ends the check still running', async () => {
    const r = checkRig({ addresses: ['10.0.0.1'] });
    r.start(OLD);
    r.start(OLD);
    await r.check.idle();
    assert.equal(r.events.filter((e) => e.reason === 'CertificateNotServed').length, 2, 'one check reported');
    assert.deepEqual(r.check.outcome('default/web-tls'), { kind: 'notServed' });
  });

  it('a certificate served by one Ingress and not checkable at another is served, as status reads it', async () => {
    const check = new ServedCheck({
      probe: {
        leafOf: () => leaf('02'),
        handshake: () => Promise.resolve({ kind: 'served', leaf: leaf('02') }),
      },
      addresses: { addresses: (_namespace, name) => (name === 'web' ? ['10.0.0.1'] : []) },
      events: { record: () => Promise.resolve() },
      policy: { firstIntervalMs: 20, timeoutMs: 200 },
      log: recordingLog([]),
      shutdown: new AbortController().signal,
    });
    const want = desired(['a.example'], 'web-tls');
    const [web] = want.sources;
    assert.ok(web !== undefined);
    check.start({
      want: { ...want, sources: [web, { ...web, name: 'api' }] },
      certificatePem: NEW,
      storedAtMs: Date.now(),
    });
    await check.idle();
    assert.equal(check.outcome('default/web-tls')?.kind, 'served');
  });

  it('knows no outcome of a Secret it never checked, nor of a check that shutdown stopped', async () => {
    const shutdown = new AbortController();
    const check = new ServedCheck({
      probe: {
        leafOf: () => leaf('02'),
        handshake: () => Promise.resolve({ kind: 'served', leaf: leaf('01') }),
      },
      addresses: { addresses: () => ['10.0.0.1'] },
      events: { record: () => Promise.resolve() },
      policy: { firstIntervalMs: 20, timeoutMs: 10_000 },
      log: recordingLog([]),
      shutdown: shutdown.signal,
    });
    check.start({ want: desired(['a.example'], 'web-tls'), certificatePem: NEW, storedAtMs: Date.now() });
    shutdown.abort();
    await check.idle();
    assert.equal(check.outcome('default/web-tls'), undefined);
    assert.equal(check.outcome('default/other-tls'), undefined);
  });

  it('forget() drops the outcome of a Secret that is gone and stops its running check', async () => {
    const r = checkRig({ addresses: ['10.0.0.1'] });
    r.start(OLD);
    await r.check.idle();
    assert.deepEqual(r.check.outcome('default/web-tls'), { kind: 'notServed' });
    r.check.forget('default/web-tls');
    assert.equal(r.check.outcome('default/web-tls'), undefined);
    r.start(OLD);
    r.check.forget('default/web-tls');
    await new Promise((resolve) => setTimeout(resolve, 450));
    assert.equal(r.check.outcome('default/web-tls'), undefined, 'a forgotten check reports no outcome');
    assert.equal(
      r.events.filter((e) => e.reason === 'CertificateNotServed').length,
      2,
      'the second check ended silently',
    );
  });
});
