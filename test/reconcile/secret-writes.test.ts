import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeApiError } from '../../src/adapters/kube/kube-errors.js';
import { KubeLegoError, type Reaction } from '../../src/domain/kube-lego-error.js';
import type { IssuedMaterial, IssueRequest } from '../../src/ports/issuer.js';
import type { SecretWrite, StoredSecret } from '../../src/ports/secret-access.js';
import { ingress, withTls } from '../support/builders.js';
import { issuedMaterial, reconcilerRig } from './reconciler-rig.js';

const CERT_B64 = Buffer.from('CERT', 'utf8').toString('base64');

function serverError(status = 503): KubeApiError {
  return new KubeApiError({
    code: 'serverError',
    status,
    message: `Kubernetes API PUT /api/v1/namespaces/default/secrets/web-tls failed with ${status}`,
    request: { method: 'PUT', path: '/api/v1/namespaces/default/secrets/web-tls' },
  });
}

class OrderFailed extends KubeLegoError {
  override readonly name = 'OrderFailed';
  readonly code = 'orderFailed';
  override get reaction(): Reaction {
    return { kind: 'backOff', reason: 'Unknown' };
  }
}

/**
 * The reconciler over an in-memory Secret store that keeps what is written and whose writes fail as
 * `failWrite` says; the issuer answers at once (or as `issue` says).
 */
function rig(options: {
  readonly failWrite: (write: SecretWrite, attempt: number) => Error | undefined;
  readonly issue?: (request: IssueRequest) => Promise<IssuedMaterial>;
}) {
  const r = reconcilerRig({
    ingresses: [ingress('web', withTls(['a.example'], 'web-tls'))],
    keepWrites: true,
    ...options,
    settings: { secretWriteRetry: { firstDelayMs: 1, maxDelayMs: 4 } },
  });
  const current = (): StoredSecret | undefined => r.stored.get('default/web-tls');
  return { ...r, attempts: r.writes, current };
}

describe('Reconciler retries Secret writes that fail transiently', () => {
  it('stores the certificate with one order when its write fails with 503 a few times', async () => {
    const r = rig({
      failWrite: (write) =>
        write.data['tls.crt'] === CERT_B64 &&
        r.attempts.filter((w) => w.data['tls.crt'] === CERT_B64).length <= 7
          ? serverError()
          : undefined,
    });
    await r.settle();
    assert.equal(r.issued.length, 1, 'one order');
    assert.equal(r.current()?.data?.['tls.crt'], CERT_B64, 'the certificate is stored');
    assert.equal(r.current()?.snapshot.annotations['kube-lego/failures'], undefined, 'no failure recorded');
    const warnings = r.lines.filter((l) => l.level === 'warn' && l.message.includes('"default/web-tls"'));
    assert.equal(warnings.length, 7, 'each failed attempt is reported, naming the Secret');
    assert.match(warnings[0]?.message ?? '', /failed with 503; trying again in 1 ms/);
  });

  it('writes the failure record once the API takes writes again, so the backoff survives a restart', async () => {
    let failing = 0;
    const r = rig({
      // The order URL is written, then the API fails every write 8 times in a row (more than an
      // ordinary write's attempts) before the failure record gets through.
      failWrite: (write) => {
        if (write.annotations['kube-lego/failures'] === undefined) return undefined;
        failing += 1;
        return failing <= 8 ? serverError(500) : undefined;
      },
      issue: async (request) => {
        await request.onOrder('https://ca.example/order/1');
        throw new OrderFailed('Cannot complete order https://ca.example/order/1: it is invalid');
      },
    });
    await r.settle();
    const annotations = r.current()?.snapshot.annotations ?? {};
    assert.equal(annotations['kube-lego/failures'], '1');
    assert.ok(annotations['kube-lego/retry-not-before'] !== undefined, 'the backoff is on the Secret');
    assert.equal(failing, 9);
  });

  it('does not retry a write the API refused for good (403)', async () => {
    const forbidden = new KubeApiError({
      code: 'forbidden',
      status: 403,
      message: 'secrets "web-tls" is forbidden',
      request: { method: 'POST', path: '/api/v1/namespaces/default/secrets' },
    });
    const r = rig({
      failWrite: () => forbidden,
      issue: async (request) => {
        await request.onOrder('https://ca.example/order/1');
        throw new Error('not reached: the order URL could not be stored');
      },
    });
    await r.settle();
    // The temporary certificate, the order URL write, then the failure record: one attempt each.
    assert.equal(r.attempts.length, 3);
  });

  it('persists the key before finalize and removes it with the stored certificate', async () => {
    const seen: (string | undefined)[] = [];
    const r = rig({
      failWrite: () => undefined,
      issue: async (request) => {
        await request.onOrder('https://ca.example/order/1');
        await request.onKey('PENDING KEY');
        seen.push(r.current()?.data?.['kube-lego.pending.key']);
        return issuedMaterial({ privateKeyPem: 'PENDING KEY' });
      },
    });
    await r.settle();
    assert.deepEqual(seen, [Buffer.from('PENDING KEY').toString('base64')]);
    assert.equal(
      r.current()?.snapshot.annotations['kube-lego/order-url'],
      undefined,
      'the finished order is cleared',
    );
    assert.equal(r.current()?.data?.['kube-lego.pending.key'], undefined, 'the pending key is removed');
    assert.equal(r.current()?.data?.['tls.key'], Buffer.from('PENDING KEY').toString('base64'));
  });

  it('persists a fresh key with the order URL in one write, and finalizes without another write', async () => {
    const keyB64 = Buffer.from('FRESH KEY').toString('base64');
    const seen: { writes: number; key: string | undefined }[] = [];
    const r = rig({
      failWrite: () => undefined,
      issue: async (request) => {
        await request.onOrder('https://ca.example/order/1', 'FRESH KEY');
        seen.push({ writes: r.attempts.length, key: r.current()?.data?.['kube-lego.pending.key'] });
        await request.onKey('FRESH KEY');
        seen.push({ writes: r.attempts.length, key: r.current()?.data?.['kube-lego.pending.key'] });
        return issuedMaterial({ privateKeyPem: 'FRESH KEY' });
      },
    });
    await r.settle();
    assert.deepEqual(
      seen,
      [
        { writes: 2, key: keyB64 },
        { writes: 2, key: keyB64 },
      ],
      'the temporary certificate, then the order URL with the key; nothing more before finalize',
    );
    assert.equal(r.attempts.length, 3, 'and the certificate');
    assert.equal(r.current()?.data?.['kube-lego.pending.key'], undefined, 'the pending key is removed');
    assert.equal(r.current()?.data?.['tls.key'], keyB64);
  });

  it('drops the order and its key written with the URL when it fails before finalize', async () => {
    const r = rig({
      failWrite: () => undefined,
      issue: async (request) => {
        await request.onOrder('https://ca.example/order/1', 'FRESH KEY');
        throw new OrderFailed('Cannot complete order https://ca.example/order/1: it is invalid');
      },
    });
    await r.settle();
    const annotations = r.current()?.snapshot.annotations ?? {};
    assert.equal(annotations['kube-lego/failures'], '1');
    assert.equal(annotations['kube-lego/order-url'], undefined, 'an order not finalized is not kept');
    assert.equal(r.current()?.data?.['kube-lego.pending.key'], undefined, 'nor its key');
  });

  it('keeps a failed order whose key is persisted (it may be finalized), with the key, to resume it', async () => {
    const r = rig({
      failWrite: () => undefined,
      issue: async (request) => {
        if (request.resumeOrderUrl === undefined) {
          await request.onOrder('https://ca.example/order/1');
          await request.onKey('PENDING KEY');
          throw new OrderFailed('Cannot complete order https://ca.example/order/1: it is still processing');
        }
        return issuedMaterial({
          privateKeyPem: request.resumeKeyPem ?? 'OTHER',
          orderUrl: request.resumeOrderUrl,
        });
      },
    });
    await r.settle();
    assert.equal(
      r.current()?.snapshot.annotations['kube-lego/order-url'],
      'https://ca.example/order/1',
      'a failed order whose key is persisted is kept, to be resumed',
    );
    assert.equal(
      r.current()?.data?.['kube-lego.pending.key'],
      Buffer.from('PENDING KEY').toString('base64'),
      'with its key',
    );
    assert.equal(r.current()?.snapshot.annotations['kube-lego/failures'], '1');
  });

  it('drops a pending key left from an earlier order when a new order opens', async () => {
    const r = rig({
      failWrite: () => undefined,
      issue: async (request) => {
        await request.onOrder('https://ca.example/order/1');
        await request.onKey('FIRST KEY');
        await request.onOrder('https://ca.example/order/2');
        seen.push(r.current()?.data?.['kube-lego.pending.key']);
        throw new OrderFailed('Cannot complete order https://ca.example/order/2: it is invalid');
      },
    });
    const seen: (string | undefined)[] = [];
    await r.settle();
    assert.deepEqual(seen, [undefined], 'the new order has no key of the old one beside it');
  });
});
