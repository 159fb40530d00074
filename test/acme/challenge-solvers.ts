import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChallengeSolver } from '../../src/acme/obtain-certificate.js';
import { dns01RecordName, dns01TxtValue } from '../../src/acme/key-authorization.js';
import type { PebbleRig } from '../support/pebble.js';

/** An http-01 solver backed by a real HTTP server on the port Pebble's VA dials. */
export interface Http01TestServer {
  readonly solver: ChallengeSolver;
  /** Tokens currently served. */
  readonly served: ReadonlyMap<string, string>;
  /** How many times `present` was called. */
  presentCalls(): number;
  /** Requests the VA made for challenge paths. */
  requests(): number;
  /** When true, `present` records nothing, so the VA gets a 404 (a challenge that cannot validate). */
  setBroken(broken: boolean): void;
  close(): Promise<void>;
}

/** Starts the http-01 responder on 127.0.0.1:`port`. Close it in `after()`. */
export async function startHttp01TestServer(port: number): Promise<Http01TestServer> {
  const served = new Map<string, string>();
  let presents = 0;
  let requests = 0;
  let broken = false;
  const prefix = '/.well-known/acme-challenge/';
  const server = http.createServer((req, res) => {
    const path = req.url ?? '';
    if (path.startsWith(prefix)) requests += 1;
    const body = path.startsWith(prefix) ? served.get(path.slice(prefix.length)) : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/plain' }).end(body ?? 'not found');
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  if (address.port !== port) throw new Error(`http-01 test server listens on ${address.port}, not ${port}`);
  return {
    solver: {
      type: 'http-01',
      present: (_authz, challenge, keyAuthorization) => {
        presents += 1;
        if (!broken && challenge.token !== undefined) served.set(challenge.token, keyAuthorization);
        return Promise.resolve();
      },
      cleanup: (_authz, challenge) => {
        if (challenge.token !== undefined) served.delete(challenge.token);
        return Promise.resolve();
      },
    },
    served,
    presentCalls: () => presents,
    requests: () => requests,
    setBroken: (value) => {
      broken = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A dns-01 solver that publishes TXT records through the rig's challtestsrv, and remembers what is live. */
export function challtestDns01Solver(rig: PebbleRig): ChallengeSolver & { readonly live: Set<string> } {
  const live = new Set<string>();
  return {
    type: 'dns-01',
    live,
    present: async (authz, _challenge, keyAuthorization) => {
      const host = dns01RecordName(authz.identifier.value);
      live.add(host);
      await rig.challtest.setTxt(host, dns01TxtValue(keyAuthorization));
    },
    cleanup: async (authz) => {
      const host = dns01RecordName(authz.identifier.value);
      await rig.challtest.clearTxt(host);
      live.delete(host);
    },
  };
}
