import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { LeafCertificate, ServedCheckTarget } from '../../domain/served-check.js';
import type { HandshakeOutcome, ServedProbe } from '../../ports/served-probe.js';

/**
 * The value of one attribute (`CN`) of a node:crypto distinguished name (one `KEY=value` per line); the
 * whole name when it has none. node:crypto gives `undefined` for an empty name (Pebble's leaves have one).
 */
function attribute(distinguishedName: string | undefined, key: string): string {
  const name = distinguishedName;
  if (name === undefined) return '';
  const line = name.split('\n').find((l) => l.startsWith(`${key}=`));
  return line === undefined ? name.replaceAll('\n', ', ') : line.slice(key.length + 1);
}

function leafOfCertificate(cert: X509Certificate): LeafCertificate {
  return {
    serialHex: cert.serialNumber.toUpperCase(),
    publicKeySha256: createHash('sha256')
      .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex'),
    subjectCn: attribute(cert.subject, 'CN'),
    issuerCn: attribute(cert.issuer, 'CN'),
    notAfterMs: Date.parse(cert.validTo),
    selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
  };
}

/**
 * The served-certificate probe over node:tls: one handshake per call, SNI = the host, the certificate read
 * and never verified (the point is to see what is served, also when it is the wrong one). Only the
 * handshake happens: no request is sent.
 */
export class TlsServedProbe implements ServedProbe {
  readonly #port: number;
  readonly #timeoutMs: number;

  constructor(options: { readonly port: number; readonly timeoutMs?: number }) {
    this.#port = options.port;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  leafOf(certificatePem: string): LeafCertificate | undefined {
    try {
      return leafOfCertificate(new X509Certificate(certificatePem));
    } catch {
      return undefined;
    }
  }

  handshake(target: ServedCheckTarget, signal: AbortSignal): Promise<HandshakeOutcome> {
    return new Promise((resolve) => {
      const socket = connect({
        host: target.address,
        port: this.#port,
        // SNI must be a host name; an IP literal is not sent (RFC 6066).
        ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
        rejectUnauthorized: false,
        timeout: this.#timeoutMs,
      });
      const onAbort = (): void => {
        done({ kind: 'unreachable', problem: 'stopped' });
      };
      const done = (outcome: HandshakeOutcome): void => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(outcome);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      socket.once('secureConnect', () => {
        const peer = socket.getPeerX509Certificate();
        done(
          peer === undefined
            ? { kind: 'unreachable', problem: 'the server sent no certificate' }
            : { kind: 'served', leaf: leafOfCertificate(peer) },
        );
      });
      socket.once('timeout', () => {
        done({ kind: 'unreachable', problem: `no handshake within ${String(this.#timeoutMs)} ms` });
      });
      socket.once('error', (err: Error) => {
        done({ kind: 'unreachable', problem: `${target.address}:${String(this.#port)}: ${err.message}` });
      });
    });
  }
}
