/**
 * The recursive step Let's Encrypt's resolver (Unbound) takes and an authoritative-only server does not: a
 * loopback resolver (UDP and TCP, one port) that forwards each question to one authoritative server (the knotd of dns-server.ts)
 * and, when the answer is a CNAME into another of its zones, asks again for the target and answers with the
 * whole chain. Pebble's VA pointed at it (`-dnsserver`) validates a CNAME-delegated `_acme-challenge` the way
 * the CA would; every TXT and CNAME record comes from the real server.
 *
 * With `defaultIpv4`, an A question the server answers without an address gets that one, as challtestsrv's
 * `-defaultIPv4` does: a zone's `* A` wildcard stops covering `www.a.example` once kube-lego writes
 * `_acme-challenge.a.example` (RFC 4592 §2.2: `a.example` becomes an existing node), and the http-01 names of
 * a mixed order must keep reaching the test's challenge port.
 */
import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { Rcode, RecordType } from '../../src/dns/dns-codes.js';
import { DnsError } from '../../src/dns/dns-error.js';
import { decodeMessage, encodeMessage, type DnsRecord } from '../../src/dns/dns-message.js';
import { queryDns } from '../../src/dns/dns-query.js';
import type { DnsServer } from '../../src/dns/dns-transport.js';

/** As many CNAMEs as the controller follows. */
const MAX_CHAIN = 8;

export interface ChasingResolver {
  /** `127.0.0.1:<port>`, for Pebble's `-dnsserver`. */
  readonly address: string;
  close(): Promise<void>;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');
}

async function resolveChain(
  upstream: DnsServer,
  name: string,
  type: number,
): Promise<{ rcode: number; answers: DnsRecord[]; authorities: readonly DnsRecord[] }> {
  const answers: DnsRecord[] = [];
  let current = name;
  for (let step = 0; ; step++) {
    const answer = await queryDns(upstream, current, type);
    answers.push(...answer.answers);
    const cname = answer.answers.find((r) => sameName(r.name, current) && r.data.type === 'CNAME');
    const final = answer.answers.some((r) => sameName(r.name, current) && r.data.type !== 'CNAME');
    if (type === RecordType.CNAME || cname?.data.type !== 'CNAME' || final || step >= MAX_CHAIN) {
      return { rcode: answer.rcode, answers, authorities: answer.authorities };
    }
    const target = cname.data.target;
    // The server may have chased an in-zone chain itself: only ask again when the target is not answered.
    if (answer.answers.some((r) => sameName(r.name, target) && r.data.type !== 'CNAME')) {
      return { rcode: answer.rcode, answers, authorities: answer.authorities };
    }
    current = target;
  }
}

export interface ChasingResolverOptions {
  /** The address of A questions the server answers with none (NODATA, NXDOMAIN, REFUSED). */
  readonly defaultIpv4?: string;
}

/** The answer to one query message; undefined for bytes that are not a DNS query. */
async function answer(
  upstream: DnsServer,
  wire: Buffer,
  options: ChasingResolverOptions,
): Promise<Buffer | undefined> {
  let request;
  try {
    request = decodeMessage(wire);
  } catch {
    return undefined; // not a DNS message: no answer, as a resolver does
  }
  const question = request.questions[0];
  let rcode: number = Rcode.SERVFAIL;
  let answers: DnsRecord[] = [];
  let authorities: readonly DnsRecord[] = [];
  if (question !== undefined) {
    try {
      ({ rcode, answers, authorities } = await resolveChain(upstream, question.name, question.type));
    } catch (err) {
      rcode = err instanceof DnsError && err.rcode !== undefined ? err.rcode : Rcode.SERVFAIL;
    }
    const address = options.defaultIpv4;
    if (
      question.type === RecordType.A &&
      address !== undefined &&
      !answers.some((r) => r.data.type === 'A')
    ) {
      rcode = Rcode.NOERROR;
      answers = [
        ...answers,
        {
          name: question.name,
          recordClass: question.recordClass,
          ttlSeconds: 0,
          data: { type: 'A', address },
        },
      ];
      authorities = [];
    }
  }
  return encodeMessage({
    id: request.id,
    response: true,
    opcode: request.opcode,
    authoritative: false,
    truncated: false,
    recursionDesired: request.recursionDesired,
    recursionAvailable: true,
    rcode,
    questions: request.questions,
    answers,
    authorities,
    additionals: [],
  });
}

/**
 * Serves one TCP connection: two-octet length-prefixed messages (RFC 7766), answered as they are resolved. A
 * client that half-closes after its queries still gets every answer, then the connection ends.
 */
function serveTcp(upstream: DnsServer, connection: Socket, options: ChasingResolverOptions): void {
  let buffered = Buffer.alloc(0);
  let pending = 0;
  let ended = false;
  const finish = (): void => {
    if (ended && pending === 0) connection.end();
  };
  connection.on('error', () => undefined);
  connection.on('end', () => {
    ended = true;
    finish();
  });
  connection.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const message = Buffer.from(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
      buffered = buffered.subarray(2 + message.length);
      pending += 1;
      void answer(upstream, message, options).then((reply) => {
        pending -= 1;
        if (reply !== undefined && !connection.destroyed) {
          const length = Buffer.alloc(2);
          length.writeUInt16BE(reply.length);
          connection.write(Buffer.concat([length, reply]));
        }
        finish();
      });
    }
  });
}

/** Attempts at a port free for both UDP and TCP: the UDP port the kernel picks may be in use for TCP. */
const BIND_ATTEMPTS = 20;

/** Starts the resolver on a free loopback port (UDP and TCP) in front of `upstream`. */
export async function startChasingResolver(
  upstream: DnsServer,
  options: ChasingResolverOptions = {},
): Promise<ChasingResolver> {
  const connections = new Set<Socket>();
  for (let attempt = 1; ; attempt += 1) {
    const socket = createSocket('udp4');
    socket.on('message', (wire, peer) => {
      void answer(upstream, wire, options).then((reply) => {
        if (reply !== undefined) socket.send(reply, peer.port, peer.address);
      });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const port = socket.address().port;
    const tcp = createServer({ allowHalfOpen: true }, (connection) => {
      connections.add(connection);
      connection.once('close', () => connections.delete(connection));
      serveTcp(upstream, connection, options);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      // The UDP socket is closed either way: left open, it would keep the process alive.
      await new Promise<void>((resolve) => {
        socket.close(() => {
          resolve();
        });
      });
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < BIND_ATTEMPTS) continue;
      throw error;
    }
    return resolverOn(port, socket, tcp, connections);
  }
}

function resolverOn(
  port: number,
  socket: ReturnType<typeof createSocket>,
  tcp: ReturnType<typeof createServer>,
  connections: Set<Socket>,
): ChasingResolver {
  return {
    address: `127.0.0.1:${String(port)}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        socket.close(() => {
          resolve();
        });
      });
      for (const connection of connections) connection.destroy();
      await new Promise<void>((resolve) => {
        tcp.close(() => {
          resolve();
        });
      });
    },
  };
}
