import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEMPORARY_CERTIFICATE_ANNOTATION } from '../../src/domain/temporary-certificate-state.js';
import {
  DAY_MS,
  HOUR_MS,
  NOW_MS,
  cert,
  certAged,
  ingress,
  managed,
  record,
  secret,
  withRecord,
  withSecretAnnotation,
  withTls,
} from '../support/builders.js';
import { issuedMaterial, reconcilerRig } from './reconciler-rig.js';

const TEMPORARY_CRT = Buffer.from('TEMPORARY CERT', 'utf8').toString('base64');

/** A failure record that keeps the next attempt an hour away (the decision is to wait). */
const backingOff = record({
  hosts: ['a.example'],
  failures: 1,
  lastFailureMs: NOW_MS - HOUR_MS,
  lastFailureReason: 'ChallengeFailed',
  retryNotBeforeMs: NOW_MS + HOUR_MS,
});

describe('Reconciler writes a temporary certificate into an absent Secret', () => {
  it('before the first order, marked by its annotation, with the TemporaryCertificateIssued Event', async () => {
    let writesAtOrder = -1;
    const r = reconcilerRig({
      issue: () => {
        writesAtOrder = r.writes.length;
        return Promise.resolve(issuedMaterial());
      },
    });
    r.change(ingress('web', withTls(['a.example', 'b.example'], 'web-tls')));
    await r.settle();
    assert.equal(r.issued.length, 1, 'one order');
    assert.equal(writesAtOrder, 1, 'the Secret was written once before the order');
    const first = r.writes[0];
    assert.ok(first !== undefined);
    assert.equal(first.base, undefined, 'the Secret is created');
    assert.equal(first.data['tls.crt'], TEMPORARY_CRT);
    assert.equal(first.annotations[TEMPORARY_CERTIFICATE_ANNOTATION], 'true');
    const event = r.events.find((e) => e.reason === 'TemporaryCertificateIssued');
    assert.ok(event !== undefined, 'TemporaryCertificateIssued recorded');
    assert.equal(event.issuedBefore, 0, 'recorded before the order');
    assert.match(event.message, /a\.example, b\.example in secret "web-tls"/);
    const stored = r.writes.at(-1);
    assert.ok(stored !== undefined);
    assert.equal(stored.data['tls.crt'], Buffer.from('CERT').toString('base64'), 'the real one replaces it');
    assert.equal(stored.annotations[TEMPORARY_CERTIFICATE_ANNOTATION], undefined, 'and the mark goes');
  });

  it('not with LEGO_TEMPORARY_CERTIFICATE=false: the first write is the certificate', async () => {
    const r = reconcilerRig({ settings: { temporaryCertificate: false } });
    r.change(ingress('web', withTls(['a.example'], 'web-tls')));
    await r.settle();
    assert.equal(r.writes.length, 1);
    assert.equal(r.writes[0]?.data['tls.crt'], Buffer.from('CERT').toString('base64'));
    assert.equal(r.events.filter((e) => e.reason === 'TemporaryCertificateIssued').length, 0);
  });

  it('never over a real certificate, even one a user marked with the annotation', async () => {
    const marked = secret(
      'web-tls',
      certAged(['a.example'], 10),
      managed(),
      withRecord(backingOff),
      withSecretAnnotation(TEMPORARY_CERTIFICATE_ANNOTATION, 'true'),
    );
    for (const stored of [secret('web-tls', certAged(['a.example'], 70), managed()), marked]) {
      const r = reconcilerRig({ stored: [stored] });
      r.change(ingress('web', withTls(['a.example'], 'web-tls')));
      await r.settle();
      for (const write of r.writes) assert.notEqual(write.data['tls.crt'], TEMPORARY_CRT);
      assert.equal(r.events.filter((e) => e.reason === 'TemporaryCertificateIssued').length, 0);
    }
  });
});

describe('Reconciler renews a temporary certificate while issuance keeps failing', () => {
  const temporary = (ageMs: number) =>
    secret(
      'web-tls',
      cert(['a.example'], {
        selfSigned: true,
        notBeforeMs: NOW_MS - ageMs,
        notAfterMs: NOW_MS - ageMs + 7 * DAY_MS,
      }),
      managed(),
      withRecord(backingOff),
      withSecretAnnotation(TEMPORARY_CERTIFICATE_ANNOTATION, 'true'),
    );

  it('once two thirds of its life have passed, without ordering while backing off', async () => {
    const r = reconcilerRig({ stored: [temporary(5 * DAY_MS)] });
    r.change(ingress('web', withTls(['a.example'], 'web-tls')));
    await r.settle();
    assert.equal(r.issued.length, 0, 'no order during the backoff');
    assert.equal(r.writes.length, 1);
    const [renewed] = r.writes;
    assert.ok(renewed !== undefined);
    assert.equal(renewed.data['tls.crt'], TEMPORARY_CRT);
    assert.equal(renewed.annotations[TEMPORARY_CERTIFICATE_ANNOTATION], 'true');
    assert.equal(renewed.annotations['kube-lego/failures'], '1', 'the failure record is kept');
    assert.equal(r.events.filter((e) => e.reason === 'TemporaryCertificateIssued').length, 1);
  });

  it('not while it is young', async () => {
    const r = reconcilerRig({ stored: [temporary(DAY_MS)] });
    r.change(ingress('web', withTls(['a.example'], 'web-tls')));
    await r.settle();
    assert.equal(r.writes.length, 0);
  });
});
