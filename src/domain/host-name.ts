// Validation of the names a certificate is requested for. A CA rejects the whole order when one
// name is invalid, so kube-lego refuses the entry up front (all or nothing, never a subset).
import { DNS01_SETUP_HINT } from './challenge-choice.js';

/** The challenge type used to prove control of the names. */
export type ChallengeType = 'http-01' | 'dns-01';

/** Why a host cannot be in a certificate. */
export type HostProblemCode = 'WildcardNeedsDns01' | 'InvalidHostName' | 'IpAddressNotSupported';

/** One rejected host with the sentence that tells the user how to fix it. */
export interface HostProblem {
  readonly code: HostProblemCode;
  readonly host: string;
  readonly detail: string;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAX_NAME_LENGTH = 253;

/** True for dotted-quad IPv4 and for anything with a colon (IPv6 literal; never a DNS name). */
function looksLikeIpAddress(host: string): boolean {
  return IPV4.test(host) || (host.includes(':') && /^[0-9a-f:.[\]]+$/.test(host));
}

/**
 * Checks one lower-cased host against RFC 1123 (labels of 1-63 letters, digits and inner hyphens,
 * at most 253 characters, at least two labels) and the challenges available (a `*.` wildcard label needs
 * dns-01, which must be configured).
 */
export function checkHostName(host: string, dns01Configured: boolean): HostProblem | undefined {
  if (looksLikeIpAddress(host)) {
    return {
      code: 'IpAddressNotSupported',
      host,
      detail: 'IP address certificates need the shortlived profile, which this version does not request',
    };
  }
  const wildcard = host.startsWith('*.');
  if (wildcard && !dns01Configured) {
    return {
      code: 'WildcardNeedsDns01',
      host,
      detail: `wildcard names need the dns-01 challenge, which is not configured: ${DNS01_SETUP_HINT}`,
    };
  }
  const name = wildcard ? host.slice(2) : host;
  const invalid = (detail: string): HostProblem => ({ code: 'InvalidHostName', host, detail });
  if (host.length > MAX_NAME_LENGTH) {
    return invalid(`the name has ${host.length} characters, at most ${MAX_NAME_LENGTH} are allowed`);
  }
  if (/[^\x20-\x7e]/.test(name)) {
    return invalid('internationalised names must be written in their punycode (xn--) form');
  }
  const labels = name.split('.');
  if (labels.length < 2)
    return invalid('a certificate name needs at least two labels, such as "example.com"');
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    return invalid(
      `label "${bad}" is not a valid DNS label: use 1-63 letters, digits and hyphens, not starting or ending with a hyphen`,
    );
  }
  return undefined;
}
