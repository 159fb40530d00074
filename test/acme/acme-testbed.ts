import { AcmeClient } from '../../src/acme/acme-client.js';
import { generateAccountKey } from '../../src/acme/account-key.js';
import { startPebble, type PebbleOptions, type PebbleRig } from '../support/pebble.js';
import { startHttp01TestServer, type Http01TestServer } from './challenge-solvers.js';

/** A Pebble, an http-01 server on the port its VA dials, and a client with a registered account. */
export interface AcmeTestbed {
  readonly rig: PebbleRig;
  readonly http01: Http01TestServer;
  readonly client: AcmeClient;
  /** Closes the client and the http-01 server and stops Pebble. */
  close(): Promise<void>;
}

/** Starts one testbed per suite (call from `before`, close from `after`). */
export async function startAcmeTestbed(options: PebbleOptions): Promise<AcmeTestbed> {
  const rig = await startPebble(options);
  const http01 = await startHttp01TestServer(rig.httpPort);
  const client = new AcmeClient({
    directoryUrl: rig.directoryUrl,
    caPem: rig.caPem,
    accountKey: await generateAccountKey(),
  });
  await client.createAccount({ termsOfServiceAgreed: true });
  return {
    rig,
    http01,
    client,
    async close() {
      client.close();
      await http01.close();
      await rig.stop();
    },
  };
}
