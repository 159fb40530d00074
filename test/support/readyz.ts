import { request } from 'node:http';

/**
 * True when kube-lego's `/readyz` on `port` (loopback) answers 200: the informers have synced. False on any
 * other status, a refused connection or no answer within a second (the caller polls).
 */
export async function readyzOk(port: number): Promise<boolean> {
  return (await readyzBody(port)) !== undefined;
}

/** The body of kube-lego's `/readyz` on `port` when it answers 200 (`ok leader=true`), else undefined. */
export function readyzBody(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = request({ host: '127.0.0.1', port, path: '/readyz', timeout: 1_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve(response.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : undefined);
      });
    });
    probe.on('error', () => {
      resolve(undefined);
    });
    probe.on('timeout', () => {
      probe.destroy();
    });
    probe.end();
  });
}
