import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening HTTP server of kube-lego. */
export interface RunningHttpServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/**
 * Makes `server` listen on `port` (all interfaces unless `host`); a failure to bind rejects with
 * `listenError(err)`, which names the variable to change.
 */
export async function listenHttp(
  server: Server,
  options: { readonly port: number; readonly host?: string; readonly listenError: (err: Error) => Error },
): Promise<RunningHttpServer> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(options.listenError(err));
    };
    server.once('error', onError);
    server.listen(
      { port: options.port, ...(options.host === undefined ? {} : { host: options.host }) },
      () => {
        server.off('error', onError);
        resolve();
      },
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}
