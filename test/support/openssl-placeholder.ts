import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The seed's placeholder pair, as files and PEM text. */
export interface OpensslPlaceholder {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * The seed's manual step: a self-signed `tls.crt`/`tls.key` for `host` made with the real openssl
 * (`openssl req -x509 -newkey rsa:2048 -nodes`), written into `dir`, valid for `days`.
 */
export async function opensslPlaceholder(dir: string, host: string, days = 1): Promise<OpensslPlaceholder> {
  const certFile = join(dir, `${host}.crt`);
  const keyFile = join(dir, `${host}.key`);
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    String(days),
    '-subj',
    `/CN=${host}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { certFile, keyFile, certPem, keyPem };
}
