import type { ChallengeType } from './host-name.js';

/** The Ingress annotation that picks the challenge of its names: `dns-01` or `http-01`. */
export const CHALLENGE_ANNOTATION = 'kube-lego/challenge';

/** What to set to make dns-01 available, as the refusals tell the user. */
export const DNS01_SETUP_HINT =
  'set LEGO_DNS01_RFC2136_NAMESERVER, LEGO_DNS01_RFC2136_TSIG_KEY_NAME and LEGO_DNS01_RFC2136_TSIG_SECRET (see docs/dns01.md)';

/** The challenge an Ingress asks for, or the sentence saying why its annotation cannot be used. */
export type ChallengeRequest =
  { readonly ok: true; readonly challenge: ChallengeType } | { readonly ok: false; readonly detail: string };

/**
 * The challenge of an Ingress's non-wildcard names: its `kube-lego/challenge` annotation, else the default
 * (`LEGO_DNS01_DEFAULT`). The value is compared case-insensitively; anything else is refused, never guessed.
 */
export function requestedChallenge(
  annotations: Readonly<Record<string, string>>,
  defaultChallenge: ChallengeType,
): ChallengeRequest {
  const value = annotations[CHALLENGE_ANNOTATION];
  if (value === undefined) return { ok: true, challenge: defaultChallenge };
  const challenge = value.trim().toLowerCase();
  if (challenge === 'dns-01' || challenge === 'http-01') return { ok: true, challenge };
  return {
    ok: false,
    detail: `annotation ${CHALLENGE_ANNOTATION} is "${value}", set it to dns-01 or http-01`,
  };
}

/**
 * The challenge that proves one name: a wildcard always needs dns-01 (RFC 8555 §7.1.3, the CA offers
 * nothing else); other names use the challenge of their certificate (`undefined`: http-01).
 */
export function challengeForName(
  name: string,
  certificateChallenge: ChallengeType | undefined,
): ChallengeType {
  if (name.startsWith('*.')) return 'dns-01';
  return certificateChallenge ?? 'http-01';
}
