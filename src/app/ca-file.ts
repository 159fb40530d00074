import { X509Certificate } from 'node:crypto';
import type { ConfigProblem } from '../config/config.js';
import { splitPemBundle } from '../x509/pem-bundle.js';

/** The file reads the composition root may make (HostFiles' `read`). */
export type ReadText = (path: string) => string;

const EXPECTED = "expected a PEM file of the CA certificates that sign the ACME server's TLS certificate";

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

function unreadable(err: unknown): string {
  switch (errnoCode(err) ?? '') {
    case 'ENOENT':
    case 'ENOTDIR':
      return `the file does not exist, ${EXPECTED}`;
    case 'EISDIR':
      return `it is a directory, ${EXPECTED}`;
    case 'EACCES':
    case 'EPERM':
      return `kube-lego may not read it (permission denied), make it readable by the container's user`;
    default:
      return `it cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
}

/**
 * Reads `LEGO_ACME_CA_FILE` once, at start-up, and checks it holds PEM certificates: a missing file, a
 * directory or a file of something else is a configuration problem named with its path, not a bare
 * ENOENT/EISDIR or a TLS failure on the first ACME request.
 */
export function readCaFile(
  path: string,
  read: ReadText,
): { readonly ok: true; readonly pem: string } | { readonly ok: false; readonly problem: ConfigProblem } {
  const fail = (reason: string) =>
    ({
      ok: false,
      problem: {
        code: 'CONFIG_INVALID',
        variable: 'LEGO_ACME_CA_FILE',
        message: `Cannot use LEGO_ACME_CA_FILE=${JSON.stringify(path)}: ${reason}`,
      },
    }) as const;
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    return fail(unreadable(err));
  }
  const certificates = splitPemBundle(text);
  if (certificates.length === 0) {
    return fail(
      `it holds no PEM certificate, expected one or more -----BEGIN CERTIFICATE----- blocks (${EXPECTED.replace(/^expected /, '')})`,
    );
  }
  for (const [index, pem] of certificates.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      return fail(`certificate ${index + 1} of the file is not a valid X.509 certificate, ${EXPECTED}`);
    }
  }
  return { ok: true, pem: text };
}
