import { createServer, type Server } from 'node:http';

/** An HTTP server on the port Pebble's VA dials, answering http-01 tokens for in-process clients. */
export interface Http01Responder {
  set(token: string, keyAuthorization: string): void;
  remove(token: string): void;
  close(): Promise<void>;
}

const prefix = '/.well-known/acme-challenge/';

/** Listens on 127.0.0.1:<port>; close() frees the port for the next (CLI) peer. */
export async function startHttp01Responder(port: number): Promise<Http01Responder> {
  const tokens = new Map<string, string>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '';
    const keyAuthorization = path.startsWith(prefix) ? tokens.get(path.slice(prefix.length)) : undefined;
    if (keyAuthorization === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end(keyAuthorization);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    set: (token, keyAuthorization) => {
      tokens.set(token, keyAuthorization);
    },
    remove: (token) => {
      tokens.delete(token);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
