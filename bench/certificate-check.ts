import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { IssueOutcome } from './peer.js';

/** What a benchmark requires of every certificate a tool produced. */
export interface CertificateExpectation {
  readonly names: readonly string[];
  /** Pebble's root for this run (it changes on every Pebble start). */
  readonly rootPem: string;
  readonly nowMs: number;
  /** The certificate's private key when the tool hands it out; checked against the leaf. */
  readonly keyPem?: string;
}

export type CertificateCheck =
  | { readonly valid: true; readonly chainLength: number; readonly notAfterMs: number }
  | { readonly valid: false; readonly reason: string };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle into its certificates, in file order. */
export function splitPemCertificates(pem: string): string[] {
  return pem.match(PEM_CERTIFICATE) ?? [];
}

function dnsNames(certificate: X509Certificate): string[] {
  const san = certificate.subjectAltName ?? '';
  return san
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}

/**
 * Verifies a leaf-first PEM bundle: exactly the expected DNS names, currently valid, each certificate
 * signed by the next one and the last one signed by the given root, and the key (when given) matching.
 */
export function checkCertificate(bundlePem: string, expected: CertificateExpectation): CertificateCheck {
  const pems = splitPemCertificates(bundlePem);
  if (pems.length === 0) return { valid: false, reason: 'no PEM certificate in the output' };
  let chain: X509Certificate[];
  let root: X509Certificate;
  try {
    chain = pems.map((pem) => new X509Certificate(pem));
    root = new X509Certificate(expected.rootPem);
  } catch (error) {
    return { valid: false, reason: `certificate does not parse: ${String(error)}` };
  }
  const leaf = chain[0];
  if (leaf === undefined) return { valid: false, reason: 'no leaf certificate' };

  const want = [...new Set(expected.names.map((name) => name.toLowerCase()))].sort();
  const got = [...new Set(dnsNames(leaf))].sort();
  if (want.join(',') !== got.join(',')) {
    return { valid: false, reason: `names ${got.join(',')} differ from the requested ${want.join(',')}` };
  }
  const notBeforeMs = Date.parse(leaf.validFrom);
  const notAfterMs = Date.parse(leaf.validTo);
  // Pebble backdates notBefore slightly; allow a minute of clock slack either way.
  if (!(notBeforeMs <= expected.nowMs + 60_000 && notAfterMs > expected.nowMs)) {
    return { valid: false, reason: `not valid now: ${leaf.validFrom} to ${leaf.validTo}` };
  }

  // A bundle may end with the root itself; the last certificate not equal to the root must chain to it.
  const withoutRoot = chain.filter((certificate) => certificate.fingerprint256 !== root.fingerprint256);
  const links = [...withoutRoot, root];
  for (let index = 0; index + 1 < links.length; index += 1) {
    const child = links[index];
    const parent = links[index + 1];
    if (child === undefined || parent === undefined) break;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      return {
        valid: false,
        reason: `certificate ${index} ("${child.subject}") is not signed by "${parent.subject}"`,
      };
    }
  }

  if (expected.keyPem !== undefined) {
    try {
      if (!leaf.checkPrivateKey(createPrivateKey(expected.keyPem))) {
        return { valid: false, reason: 'the private key does not match the certificate' };
      }
    } catch {
      // Never include the key or its parse error text: it may quote key material.
      return { valid: false, reason: 'the private key does not parse' };
    }
  }
  return { valid: true, chainLength: withoutRoot.length, notAfterMs };
}

/**
 * Checks what a tool delivered for the expected names: its one certificate, or, from a tool that makes one
 * certificate per site, one valid certificate for each name.
 */
export function checkIssued(
  outcome: Extract<IssueOutcome, { ok: true }>,
  expected: Omit<CertificateExpectation, 'keyPem'>,
): CertificateCheck {
  if (outcome.perSite === undefined) {
    return checkCertificate(outcome.bundlePem, {
      ...expected,
      ...(outcome.keyPem === undefined ? {} : { keyPem: outcome.keyPem }),
    });
  }
  let last: CertificateCheck = { valid: false, reason: 'no certificate for any site' };
  for (const name of expected.names) {
    const site = outcome.perSite.find((candidate) => candidate.name === name);
    if (site === undefined) return { valid: false, reason: `no certificate for the site ${name}` };
    last = checkCertificate(site.bundlePem, { ...expected, names: [name], keyPem: site.keyPem });
    if (!last.valid) return { valid: false, reason: `site ${name}: ${last.reason}` };
  }
  return last;
}
