import './x509-runtime.js';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
} from '@peculiar/x509';
import type { TemporaryCertificate } from '../ports/temporary-certificates.js';
import { keyToPem } from './private-key.js';

/** The subject of every temporary certificate: says what it is to whoever inspects a served certificate. */
export const TEMPORARY_CERTIFICATE_SUBJECT = 'CN=kube-lego temporary certificate';

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function randomSerial(): string {
  const bytes = randomBytes(16);
  // A positive serial: clear the top bit so DER does not read it as negative.
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

/**
 * A self-signed ECDSA P-256 certificate for `hosts`, valid from an hour before `nowMs` for `validityMs`:
 * what a TLS Secret holds until the CA's certificate arrives, so ingress controllers never get an empty
 * pair. kube-lego always counts it as due (it is self-signed), never as a valid certificate.
 */
export async function createTemporaryCertificate(
  hosts: readonly string[],
  options: { readonly nowMs: number; readonly validityMs: number },
): Promise<TemporaryCertificate> {
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: TEMPORARY_CERTIFICATE_SUBJECT,
    notBefore: new Date(options.nowMs - 3_600_000),
    notAfter: new Date(options.nowMs + options.validityMs),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
      new SubjectAlternativeNameExtension(
        hosts.map((host) =>
          isIP(host) === 0 ? { type: 'dns' as const, value: host } : { type: 'ip' as const, value: host },
        ),
      ),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return { certificatePem: certificate.toString('pem') + '\n', privateKeyPem: keyToPem(privateKey) };
}
