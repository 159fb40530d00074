/**
 * One DNS exchange with one server: a message out, the answer with the same ID back. UDP resends every
 * second until the deadline (RFC 1035 §4.2.1 leaves retransmission to the client); TCP frames messages with a
 * two-octet length (RFC 1035 §4.2.2, RFC 7766). Aborting the signal closes the socket and rejects with the
 * signal's reason.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
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

/** Sends `wire` over UDP and resolves with the first answer from the server that carries its ID and the QR bit. */
export function exchangeUdp(server: DnsServer, wire: Uint8Array, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const socket: UdpSocket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    const timer = setInterval(() => {
      send();
    }, udpResendMs);
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
      socket.close();
      settle();
    };
    const onAbort = (): void => {
      finish(() => {
        reject(signal.reason as Error);
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) => {
      finish(() => {
        reject(error);
      });
    });
    socket.on('message', (answer, peer) => {
      // Only the server's own address and port may answer (RFC 5452 §9.1), besides the ID.
      const fromServer =
        peer.port === server.port && (isIP(server.host) === 0 || peer.address === server.host);
      if (!fromServer || !answersRequest(answer, wire)) return;
      finish(() => {
        resolve(answer);
      });
    });
    function send(): void {
      socket.send(wire, server.port, server.host, (error) => {
        if (error !== null) {
          finish(() => {
            reject(error);
          });
        }
      });
    }
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
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      settle();
    };
    const onAbort = (): void => {
      finish(() => {
        reject(signal.reason as Error);
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) => {
      finish(() => {
        reject(error);
      });
    });
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(wire.length);
      socket.write(Buffer.concat([length, wire]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      for (;;) {
        if (received.length < 2) return;
        const size = received.readUInt16BE(0);
        if (received.length < 2 + size) return;
        const answer = received.subarray(2, 2 + size);
        received = received.subarray(2 + size);
        if (answersRequest(answer, wire)) {
          finish(() => {
            resolve(Buffer.from(answer));
          });
          return;
        }
      }
    });
    socket.on('end', () => {
      finish(() => {
        reject(new Error(`${formatServer(server)} closed the TCP connection before answering`));
      });
    });
  });
}
