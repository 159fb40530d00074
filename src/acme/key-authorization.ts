import { createHash } from 'node:crypto';

/**
 * The key authorization of a challenge (RFC 8555 §8.1): `token "." base64url(JWK thumbprint)`.
 * It is what an http-01 responder serves at `/.well-known/acme-challenge/<token>`.
 */
export function keyAuthorization(token: string, thumbprint: string): string {
  return `${token}.${thumbprint}`;
}

/** The TXT record value for dns-01 (RFC 8555 §8.4): base64url(SHA-256(key authorization)), unpadded. */
export function dns01TxtValue(keyAuth: string): string {
  return createHash('sha256').update(keyAuth).digest('base64url');
}

/** The DNS name that carries the dns-01 TXT record: `_acme-challenge.<name>` (a wildcard's `*.` removed). */
export function dns01RecordName(identifierValue: string): string {
  return `_acme-challenge.${identifierValue.replace(/^\*\./, '')}`;
}
