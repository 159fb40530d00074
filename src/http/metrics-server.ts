import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';
import { listenHttp, type RunningHttpServer } from './http-listener.js';

/** What the server serves on `/metrics`. */
export interface MetricsSource {
  /** The exposition text in chunks, produced as they are written. */
  render(): Promise<Iterable<string>>;
  readonly contentType: string;
}

/** A listening metrics server. */
export type RunningMetricsServer = RunningHttpServer;

/** `LEGO_METRICS_PORT` cannot be bound; start-up stops. */
export class MetricsServerListenError extends KubeLegoError {
  override readonly name = 'MetricsServerListenError';
  readonly code = 'metricsListenFailed';

  /** A start-up failure: the configuration must change. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

/** Serves `GET /metrics` (Prometheus text format) on `port` of every interface; anything else is a 404. */
export function startMetricsServer(options: {
  readonly port: number;
  readonly source: MetricsSource;
  readonly onError?: (err: unknown) => void;
}): Promise<RunningMetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    const gzipped = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    options.source
      .render()
      .then(
        async (chunks) => {
          res.writeHead(200, {
            'content-type': options.source.contentType,
            ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
            vary: 'Accept-Encoding',
          });
          if (req.method === 'HEAD') {
            res.end();
            return;
          }
          // Prometheus asks for gzip: 10,000 certificates are ~12 MiB of text and well under 1 MiB compressed.
          // zlib runs on libuv's thread pool, off the event loop the reconciler shares. pipeline() waits for
          // the client to read each chunk (a slow scraper does not make the text pile up in memory) and ends
          // the response when the scraper goes away.
          const source = Readable.from(chunks, { objectMode: false });
          await (gzipped ? pipeline(source, createGzip({ level: 1 }), res) : pipeline(source, res));
        },
        (err: unknown) => {
          options.onError?.(err);
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('cannot collect metrics\n');
        },
      )
      .catch((err: unknown) => {
        // The scraper went away or a chunk failed after the head was sent: nothing more to tell it.
        options.onError?.(err);
        res.destroy();
      });
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 30_000;
  return listenHttp(server, {
    port: options.port,
    listenError: (err) => {
      const why = 'code' in err && err.code === 'EADDRINUSE' ? 'the port is already in use' : err.message;
      return new MetricsServerListenError(
        `Cannot serve metrics on :${options.port} (LEGO_METRICS_PORT=${options.port}): ${why}; set LEGO_METRICS_PORT to a free port, or 0 to turn metrics off`,
        { cause: err },
      );
    },
  });
}
