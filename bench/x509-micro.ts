/**
 * `node dist/bench/x509-micro.js [iterations]`: the CSR and the ARI CertID kube-lego builds on every
 * issuance, its own DER code (src/x509/create-csr.ts, src/acme/ari-cert-id.ts) against the @peculiar/x509
 * code it replaced (kept here as the reference). Prints the median time per call and the main thread's CPU
 * per call for each; both versions run in the same process, interleaved, so machine load hits both alike.
 */
import '../src/x509/x509-runtime.js';
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  X509Certificate,
} from '@peculiar/x509';
import { ariCertId } from '../src/acme/ari-cert-id.js';
import { createCsr } from '../src/x509/create-csr.js';
import { generateKey, type KeySpec } from '../src/x509/private-key.js';
import { makeCertificate } from '../test/x509/test-certificates.js';
import { summarize } from './stats.js';

/** The @peculiar/x509 CSR of kube-lego before its own DER (DNS names only, as the benchmark uses). */
async function peculiarCsr(key: KeyObject, names: readonly string[]): Promise<Uint8Array> {
  const algorithm =
    key.asymmetricKeyType === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
      : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      key.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      createPublicKey(key).export({ type: 'spki', format: 'der' }),
      algorithm,
      true,
      ['verify'],
    ),
  };
  const csr = await Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [names[0] ?? ''] }],
    keys,
    signingAlgorithm: algorithm,
    extensions: [new SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns', value })))],
  });
  return new Uint8Array(csr.rawData);
}

/** The @peculiar/x509 CertID of kube-lego before its own DER reader. */
function peculiarCertId(pem: string): string {
  const cert = new X509Certificate(pem);
  const keyId = cert.getExtension(AuthorityKeyIdentifierExtension)?.keyId ?? '';
  const even = cert.serialNumber.length % 2 === 0 ? cert.serialNumber : `0${cert.serialNumber}`;
  const bytes = Buffer.from(even, 'hex');
  const serial = (bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return `${Buffer.from(keyId, 'hex').toString('base64url')}.${serial.toString('base64url')}`;
}

interface Timing {
  readonly wallMs: number[];
  cpuMs: number;
}

async function timed(timing: Timing, run: () => Promise<unknown>): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  timing.wallMs.push(performance.now() - started);
  const used = process.cpuUsage(cpu);
  timing.cpuMs += (used.user + used.system) / 1000;
}

function report(label: string, timing: Timing): string {
  const median = summarize(timing.wallMs)?.median ?? Number.NaN;
  const cpu = timing.cpuMs / timing.wallMs.length;
  return `${label.padEnd(36)} median ${median.toFixed(3)} ms, process CPU ${cpu.toFixed(3)} ms per call`;
}

async function main(iterations: number): Promise<void> {
  const names = ['a.example.com', 'b.example.com', 'c.example.com'];
  // A leaf shaped like a CA's: 3 DNS names, a 20-byte AKI, a 16-byte serial with the top bit set.
  const { pem: certificatePem } = await makeCertificate({
    dnsNames: names,
    serialHex: `9f${'a5'.repeat(15)}`,
    authorityKeyIdHex: '69885B6B87464041E1B37B847BA0AE2CDE01C8D4',
  });
  const lines: string[] = [];
  for (const spec of [
    { type: 'ecdsa', curve: 'P-256' },
    { type: 'rsa', bits: 2048 },
  ] satisfies KeySpec[]) {
    const key = await generateKey(spec);
    const own: Timing = { wallMs: [], cpuMs: 0 };
    const peculiar: Timing = { wallMs: [], cpuMs: 0 };
    for (let i = 0; i < iterations; i++) {
      await timed(peculiar, () => peculiarCsr(key, names));
      await timed(own, () => createCsr(key, names));
    }
    lines.push(
      report(`CSR ${spec.type}, @peculiar/x509`, peculiar),
      report(`CSR ${spec.type}, own DER`, own),
    );
  }
  const own: Timing = { wallMs: [], cpuMs: 0 };
  const peculiar: Timing = { wallMs: [], cpuMs: 0 };
  for (let i = 0; i < iterations; i++) {
    await timed(peculiar, () => Promise.resolve(peculiarCertId(certificatePem)));
    await timed(own, () => Promise.resolve(ariCertId(certificatePem)));
  }
  if (peculiarCertId(certificatePem) !== ariCertId(certificatePem)) throw new Error('the CertIDs differ');
  lines.push(report('ARI CertID, @peculiar/x509', peculiar), report('ARI CertID, own DER', own));
  process.stdout.write(`${iterations} iterations each\n${lines.join('\n')}\n`);
}

main(Number(process.argv[2] ?? 300)).catch((error: unknown) => {
  process.stderr.write(`x509-micro failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
