import { createServer } from 'node:net';

/**
 * A TCP port that was free on 127.0.0.1 a moment ago: bind port 0, read the port, close.
 * Another process can take it before the caller binds it, so callers that start servers on it retry on
 * "address in use".
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('Cannot read the port of a server bound to 127.0.0.1:0: no address returned'));
      });
    });
  });
}
