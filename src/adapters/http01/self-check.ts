import http from 'node:http';
import { KubeLegoError, type Reaction } from '../../domain/kube-lego-error.js';
import { abortableSleep } from '../../runtime/abortable-sleep.js';

/** Typed failure of the reachability self-check (kube-lego's `reachability test failed: ...`). */
export class SelfCheckError extends KubeLegoError {
  override readonly name = 'SelfCheckError';
  readonly code = 'selfCheckFailed';
  readonly host: string;

  constructor(host: string, message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.host = host;
  }

  /** Usually an Ingress or DNS record that is not routed yet: it heals without a change. */
  override get reaction(): Reaction {
    return { kind: 'backOff', reason: 'SelfCheckFailed' };
  }
}

/** The challenge the self-check fetches back: the public route must answer its key authorization. */
export interface PresentedChallenge {
  readonly host: string;
  readonly token: string;
  readonly keyAuthorization: string;
}

export interface SelfCheckOptions {
  readonly userAgent: string;
  /** Deadline of one try. */
  readonly timeoutMs: number;
  /** Tries before giving up (>= 1). */
  readonly tries: number;
  /** Pause between tries (ingress controllers need a moment to pick up the challenge Ingress). */
  readonly intervalMs: number;
  /**
   * Connect here instead of resolving the host (`127.0.0.1:8080`), still sending `Host: <host>`.
   * A testing and sandbox knob: in a cluster the public route is the point of the check.
   */
  readonly address?: { readonly host: string; readonly port: number };
  readonly onTry?: (host: string, url: string) => void;
}

function tryOnce(
  challenge: PresentedChallenge,
  options: SelfCheckOptions,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { host, keyAuthorization } = challenge;
  const path = `/.well-known/acme-challenge/${challenge.token}`;
  return new Promise<void>((resolve, reject) => {
    const request = http.request(
      {
        host: options.address?.host ?? host,
        port: options.address?.port ?? 80,
        path,
        method: 'GET',
        headers: { host, 'user-agent': options.userAgent },
        agent: false,
        ...(signal === undefined ? {} : { signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        // The body is always consumed, also on a wrong status (kube-lego leaked it: bug 9).
        res.on('data', (chunk: Buffer) => {
          if (chunks.length < 64) chunks.push(chunk);
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8').trim();
          if (res.statusCode !== 200) {
            reject(
              new SelfCheckError(
                host,
                `reachability test failed: wrong status code '${res.statusCode ?? 0}'`,
              ),
            );
          } else if (body !== keyAuthorization) {
            // The key authorization is public (the CA fetches it over plain HTTP), so it may be shown.
            reject(
              new SelfCheckError(
                host,
                `reachability test failed: received (${body.slice(0, 128)}) did not match the key authorization of token ${challenge.token} (${keyAuthorization})`,
              ),
            );
          } else {
            resolve();
          }
        });
        res.on('error', (err) => {
          reject(
            new SelfCheckError(host, `reachability test failed: unable to read body: ${err.message}`, {
              cause: err,
            }),
          );
        });
      },
    );
    request.setTimeout(options.timeoutMs, () => {
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    });
    request.on('error', (err) => {
      reject(
        err instanceof SelfCheckError
          ? err
          : new SelfCheckError(host, `reachability test failed: GET http://${host}${path}: ${err.message}`, {
              cause: err,
            }),
      );
    });
    request.end();
  });
}

/**
 * Checks that `http://<host>/.well-known/acme-challenge/<token>` answers the token's key authorization, as
 * the CA will fetch it, with a timeout per try and a bounded number of tries. Any replica behind the
 * challenge Service may answer: what is checked is the token, not which pod (a per-pod id would fail half
 * the time behind a Service with two replicas).
 */
export async function selfCheck(
  challenge: PresentedChallenge,
  options: SelfCheckOptions,
  signal?: AbortSignal,
): Promise<void> {
  const { host } = challenge;
  let last: unknown;
  for (let attempt = 1; attempt <= Math.max(1, options.tries); attempt += 1) {
    options.onTry?.(host, `http://${host}/.well-known/acme-challenge/${challenge.token}`);
    try {
      await tryOnce(challenge, options, signal);
      return;
    } catch (err) {
      last = err;
      if (signal?.aborted === true) break;
      if (attempt < options.tries) await abortableSleep(options.intervalMs, signal);
    }
  }
  throw last instanceof SelfCheckError
    ? last
    : new SelfCheckError(host, `reachability test failed: ${String(last)}`, { cause: last });
}
