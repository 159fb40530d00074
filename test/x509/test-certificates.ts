import '../../src/x509/x509-runtime.js';
import { webcrypto } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  type Extension,
  type X509Certificate,
} from '@peculiar/x509';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate made at test time, with its key pair and PKCS#8 PEM key. */
export interface TestCertificate {
  readonly pem: string;
  readonly keyPem: string;
  readonly keys: CryptoKeyPair;
  readonly cert: X509Certificate;
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** What `makeCertificate` builds; without `issuer` the certificate is self-signed. */
export interface CertificateSpec {
  readonly subjectCn?: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serialHex?: string;
  readonly issuer?: TestCertificate;
  readonly ca?: boolean;
  /** Authority key identifier (hex) to put in the certificate instead of the issuer's. */
  readonly authorityKeyIdHex?: string;
}

/** Builds a real X.509 certificate (ECDSA P-256) for tests. */
export async function makeCertificate(spec: CertificateSpec = {}): Promise<TestCertificate> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const names = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: Extension[] = [
    new BasicConstraintsExtension(spec.ca ?? false, undefined, true),
    await SubjectKeyIdentifierExtension.create(keys.publicKey),
    ...(names.length > 0 ? [new SubjectAlternativeNameExtension(names)] : []),
  ];
  if (spec.authorityKeyIdHex !== undefined) {
    extensions.push(new AuthorityKeyIdentifierExtension(spec.authorityKeyIdHex));
  } else if (spec.issuer !== undefined) {
    extensions.push(await AuthorityKeyIdentifierExtension.create(spec.issuer.keys.publicKey));
  }
  const notBefore = spec.notBefore ?? new Date(Date.UTC(2026, 0, 1));
  const notAfter = spec.notAfter ?? new Date(Date.UTC(2026, 3, 1));
  const subject = [{ CN: [spec.subjectCn ?? 'test'] }];
  const common = {
    serialNumber: spec.serialHex ?? '01',
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    extensions,
  };
  const cert =
    spec.issuer === undefined
      ? await X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys })
      : await X509CertificateGenerator.create({
          ...common,
          subject,
          issuer: spec.issuer.cert.subject,
          publicKey: keys.publicKey,
          signingKey: spec.issuer.keys.privateKey,
        });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
  return { pem: cert.toString('pem') + '\n', keyPem, keys, cert };
}
