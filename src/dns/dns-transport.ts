/**
 * One DNS exchange with one server: a message out, the answer with the same ID back. UDP resends every
 * second until the deadline (RFC 1035 §4.2.1 leaves retransmission to the client); TCP frames messages with a
 * two-octet length (RFC 1035 §4.2.2, RFC 7766). Aborting the signal closes the socket and rejects with the
 * signal's reason.
 */
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';

export interface DnsServer {
  /** An IP address or a host name. */
  readonly host: string;
  readonly port: number;
}

/** `host:port`, with brackets around an IPv6 address. */
export function formatServer(server: DnsServer): string {
  return isIP(server.host) === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

const udpResendMs = 1_000;

function answersRequest(answer: Buffer, request: Uint8Array): boolean {
  return (
    answer.length >= 12 &&
    answer.readUInt16BE(0) === Buffer.from(request.buffer, request.byteOffset, 2).readUInt16BE(0) &&
    (answer[2] ?? 0) >= 0x80
  );
}

/** Resolves or rejects a promise once, after `close()`; aborting `signal` rejects with its reason. */
interface Settlement {
  readonly succeed: (answer: Buffer) => void;
  readonly fail: (error: unknown) => void;
}

function settleOnce(
  signal: AbortSignal,
  close: () => void,
  resolve: (answer: Buffer) => void,
  reject: (error: unknown) => void,
): Settlement {
  let settled = false;
  const finish = (settle: () => void): void => {
    if (settled) return;
    settled = true;
    signal.removeEventListener('abort', onAbort);
    close();
    settle();
  };
  const onAbort = (): void => {
    finish(() => {
      reject(signal.reason);
    });
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    succeed: (answer) => {
      finish(() => {
        resolve(answer);
      });
    },
    fail: (error) => {
      finish(() => {
        reject(error);
      });
    },
  };
}

/** Sends `wire` over UDP and resolves with the first answer from the server that carries its ID and the QR bit. */
export function exchangeUdp(server: DnsServer, wire: Uint8Array, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    const send = (): void => {
      socket.send(wire, server.port, server.host, (error) => {
        if (error !== null) settlement.fail(error);
      });
    };
    const timer = setInterval(send, udpResendMs);
    const settlement = settleOnce(
      signal,
      () => {
        clearInterval(timer);
        socket.close();
      },
      resolve,
      reject,
    );
    socket.on('error', settlement.fail);
    socket.on('message', (answer, peer) => {
      // Only the server's own address and port may answer (RFC 5452 §9.1), besides the ID.
      const fromServer =
        peer.port === server.port && (isIP(server.host) === 0 || peer.address === server.host);
      if (fromServer && answersRequest(answer, wire)) settlement.succeed(answer);
    });
    send();
  });
}

/** Sends `wire` over TCP and resolves with the one framed answer. */
export function exchangeTcp(server: DnsServer, wire: Uint8Array, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const socket = connect({ host: server.host, port: server.port });
    const settlement = settleOnce(signal, () => socket.destroy(), resolve, reject);
    let received = Buffer.alloc(0);
    socket.on('error', settlement.fail);
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(wire.length);
      socket.write(Buffer.concat([length, wire]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        const size = received.readUInt16BE(0);
        const answer = Buffer.from(received.subarray(2, 2 + size));
        received = received.subarray(2 + size);
        if (answersRequest(answer, wire)) {
          settlement.succeed(answer);
          return;
        }
      }
    });
    socket.on('end', () => {
      settlement.fail(new Error(`${formatServer(server)} closed the TCP connection before answering`));
    });
  });
}
