import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** One sample of the Prometheus text exposition format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed scrape: the samples and each metric family's declared type (`# TYPE name type`). */
export interface Exposition {
  readonly samples: readonly Sample[];
  readonly types: ReadonlyMap<string, string>;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/.exec(rest);
    if (match === null) throw new Error(`Cannot parse the labels of exposition line ${JSON.stringify(line)}`);
    labels[match[1] ?? ''] = (match[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(match[0].length);
  }
  return labels;
}

/** Parses the text format (version 0.0.4); throws on a line that is neither a comment nor a sample. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
      if (type !== null) types.set(type[1] ?? '', type[2] ?? '');
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (match === null) throw new Error(`Cannot parse exposition line ${JSON.stringify(line)}`);
    const raw = match[3] ?? '';
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    // prom-client writes NaN as `Nan`.
    if (Number.isNaN(value) && raw.toLowerCase() !== 'nan')
      throw new Error(`Not a sample value in ${JSON.stringify(line)}`);
    samples.push({ name: match[1] ?? '', labels: parseLabels(match[2] ?? '', line), value });
  }
  return { samples, types };
}

/** The samples of `name` whose labels include every label of `match`. */
export function samplesOf(
  exposition: Exposition,
  name: string,
  match: Readonly<Record<string, string>> = {},
): Sample[] {
  return exposition.samples.filter(
    (sample) =>
      sample.name === name && Object.entries(match).every(([key, value]) => sample.labels[key] === value),
  );
}

/**
 * GETs `http://127.0.0.1:<port>/metrics`, asking for gzip as Prometheus does when `gzip` is set: the status,
 * Content-Type, the bytes on the wire and the (decompressed) text.
 */
export function scrapeMetrics(
  port: number,
  options: { readonly gzip?: boolean } = {},
): Promise<{
  readonly status: number;
  readonly contentType: string;
  readonly wireBytes: number;
  readonly text: string;
}> {
  const headers = options.gzip === true ? { 'accept-encoding': 'gzip' } : {};
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const gzipped = res.headers['content-encoding'] === 'gzip';
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          wireBytes: body.length,
          text: (gzipped ? gunzipSync(body) : body).toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('the /metrics scrape timed out')));
    req.end();
  });
}
