import { formatTime } from './secret-annotations.js';

// The served-certificate check: after kube-lego stores a certificate, does the Ingress's load balancer
// serve it? "Secret successfully stored" is not the end for the user: a slow load balancer keeps the old
// certificate for minutes (jetstack/kube-lego#175). The pure parts: the schedule of handshakes, the
// comparison of the served leaf with the stored one, and the sentences that say what is served instead.

/** Subject common name of kube-lego's temporary certificate (x509's TEMPORARY_CERTIFICATE_SUBJECT). */
export const TEMPORARY_CERTIFICATE_CN = 'kube-lego temporary certificate';

/** The fields of a leaf certificate the check compares and reports. */
export interface LeafCertificate {
  /** Serial number, upper-case hex as node:crypto gives it. */
  readonly serialHex: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex. */
  readonly publicKeySha256: string;
  readonly subjectCn: string;
  readonly issuerCn: string;
  readonly notAfterMs: number;
  readonly selfSigned: boolean;
}

/** One handshake target: a load balancer address (IP or hostname) and the host sent as SNI. */
export interface ServedCheckTarget {
  readonly address: string;
  readonly host: string;
}

/** How the check is paced: the first handshake after `firstIntervalMs`, then doubling, until `timeoutMs`. */
export interface ServedCheckPolicy {
  readonly firstIntervalMs: number;
  readonly timeoutMs: number;
}

/**
 * When the handshakes happen, in ms after the certificate was stored: 10 s, 30 s, 70 s, ... (each wait twice
 * the previous one) and a last one at the time limit, so a load balancer that takes ten minutes is seen
 * within about as long again, and one that never reloads is reported at the limit.
 */
export function servedCheckOffsetsMs(policy: ServedCheckPolicy): number[] {
  const offsets: number[] = [];
  let waitMs = Math.max(1, policy.firstIntervalMs);
  let atMs = waitMs;
  while (atMs < policy.timeoutMs) {
    offsets.push(atMs);
    waitMs *= 2;
    atMs += waitMs;
  }
  offsets.push(policy.timeoutMs);
  return offsets;
}

/** Every (address, host) pair of an Ingress entry: each address must serve each host. */
export function servedCheckTargets(
  addresses: readonly string[],
  hosts: readonly string[],
): ServedCheckTarget[] {
  return [...new Set(addresses)].flatMap((address) => hosts.map((host) => ({ address, host })));
}

/** Whether the served leaf is the stored certificate: same serial and same public key. */
export function servesStored(stored: LeafCertificate, served: LeafCertificate): boolean {
  return stored.serialHex === served.serialHex && stored.publicKeySha256 === served.publicKeySha256;
}

/** What is served instead of the stored certificate. */
export type ServedInstead =
  | { readonly kind: 'previous'; readonly leaf: LeafCertificate }
  | { readonly kind: 'temporary'; readonly leaf: LeafCertificate }
  | { readonly kind: 'selfSigned'; readonly leaf: LeafCertificate }
  | { readonly kind: 'otherCertificate'; readonly leaf: LeafCertificate }
  | { readonly kind: 'unreachable'; readonly problem: string };

/** Classifies a served leaf that is not the stored one; `previous` is the certificate the Secret held before. */
export function servedInstead(served: LeafCertificate, previous: LeafCertificate | undefined): ServedInstead {
  if (previous !== undefined && servesStored(previous, served)) {
    return previous.subjectCn === TEMPORARY_CERTIFICATE_CN && previous.selfSigned
      ? { kind: 'temporary', leaf: served }
      : { kind: 'previous', leaf: served };
  }
  if (served.selfSigned && served.subjectCn === TEMPORARY_CERTIFICATE_CN)
    return { kind: 'temporary', leaf: served };
  if (served.selfSigned) return { kind: 'selfSigned', leaf: served };
  return { kind: 'otherCertificate', leaf: served };
}

function leafText(leaf: LeafCertificate): string {
  return `issuer "${leaf.issuerCn}", serial ${leaf.serialHex}, not after ${formatTime(leaf.notAfterMs)}`;
}

/** What is served and the likely cause, as `CertificateNotServed` says it. */
export function describeServedInstead(instead: ServedInstead): string {
  switch (instead.kind) {
    case 'previous':
      return `it still serves the previous certificate (${leafText(instead.leaf)}); likely cause: the ingress controller or load balancer has not reloaded the Secret yet (some load balancers take ten minutes or more)`;
    case 'temporary':
      return `it still serves kube-lego's temporary self-signed certificate (${leafText(instead.leaf)}); likely cause: the ingress controller or load balancer has not reloaded the Secret yet`;
    case 'selfSigned':
      return `it serves a self-signed certificate (${leafText(instead.leaf)}), often the ingress controller's default; likely cause: the controller of this Ingress's class does not watch it, or its TLS entry was rejected`;
    case 'otherCertificate':
      return `it serves another certificate (${leafText(instead.leaf)}); likely cause: another Ingress with the same host, or a CDN or proxy in front of the load balancer that terminates TLS`;
    case 'unreachable':
      return `no TLS handshake succeeded (${instead.problem}); likely cause: the address is not reachable from kube-lego (a private load balancer or a firewall)`;
  }
}

/** A duration as the Events say it: `7m12s`, `1h2m`, `850ms`, `3.4s`. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toString()}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${String(hours)}h${String(minutes)}m` : `${String(minutes)}m${String(seconds)}s`;
}

/** The `CertificateServed` message of one target. */
export function servedMessage(target: ServedCheckTarget, secretName: string, elapsedMs: number): string {
  return `The load balancer at ${target.address} serves the new certificate of secret "${secretName}" for ${target.host}, ${formatElapsed(elapsedMs)} after it was stored`;
}

/** The `CertificateNotServed` message of one target, at the time limit. */
export function notServedMessage(
  target: ServedCheckTarget,
  options: {
    readonly secretName: string;
    readonly stored: LeafCertificate;
    readonly elapsedMs: number;
    readonly instead: ServedInstead;
  },
): string {
  return `The load balancer at ${target.address} does not serve the new certificate of secret "${options.secretName}" (serial ${options.stored.serialHex}) for ${target.host} ${formatElapsed(options.elapsedMs)} after it was stored: ${describeServedInstead(options.instead)}`;
}

/** The message for hosts whose Ingress has no load balancer address to check. */
export function notCheckableMessage(ingress: string, hosts: readonly string[]): string {
  return `Cannot check that the certificate for ${hosts.join(', ')} is served: Ingress "${ingress}" has no address in status.loadBalancer.ingress (its ingress controller has not published one); this is not a failure`;
}
