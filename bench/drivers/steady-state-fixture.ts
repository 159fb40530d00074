import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** One Ingress host and the valid certificate its Secret holds. */
export interface SteadyCertificate {
  readonly host: string;
  readonly certificatePem: string;
  readonly notAfterMs: number;
  /** Two thirds into the lifetime: where kube-lego schedules the renewal (and persists it as renew-at). */
  readonly renewAtMs: number;
}

export interface SteadyFixture {
  /** The shared certificate key (PKCS#8 PEM): one key for every certificate keeps generation cheap. */
  readonly keyPem: string;
  readonly certificates: readonly SteadyCertificate[];
}

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const dayMs = 86_400_000;

/**
 * Certificates for `count` hosts, valid from a day ago for 90 days (far from renewal), signed by a throwaway
 * CA: what a cluster looks like after kube-lego has issued everything.
 */
export async function createSteadyFixture(count: number, nowMs: number): Promise<SteadyFixture> {
  // Certificates carry whole seconds; so must the annotations that are compared with them.
  const baseMs = Math.floor(nowMs / 1000) * 1000;
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const caKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=kube-lego benchmark steady-state CA',
    notBefore: new Date(nowMs - 2 * dayMs),
    notAfter: new Date(nowMs + 365 * dayMs),
    signingAlgorithm: algorithm,
    keys: caKeys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const leafKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const notBeforeMs = baseMs - dayMs;
  const notAfterMs = baseMs + 89 * dayMs;
  const renewAtMs = notBeforeMs + ((notAfterMs - notBeforeMs) * 2) / 3;
  const certificates: SteadyCertificate[] = [];
  for (let index = 0; index < count; index += 1) {
    const host = `s${index}.steady.example.com`;
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: (index + 2).toString(16).padStart(8, '0'),
      subject: `CN=${host}`,
      issuer: ca.subject,
      notBefore: new Date(notBeforeMs),
      notAfter: new Date(notAfterMs),
      signingAlgorithm: algorithm,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: host }])],
    });
    certificates.push({
      host,
      certificatePem: `${leaf.toString('pem')}\n${ca.toString('pem')}\n`,
      notAfterMs,
      renewAtMs,
    });
  }
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
  return { keyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`, certificates };
}
