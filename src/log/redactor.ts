const privateKeyPem =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

/** What replaces a PEM private key block. */
export const REDACTED_PRIVATE_KEY = '[redacted private key]';
/** What replaces a registered secret. */
export const REDACTED_SECRET = '[redacted]';

/**
 * Removes private keys and registered secrets from text bound for a log line. Any PEM private key block
 * (`-----BEGIN ... PRIVATE KEY-----`, also when cut off before its END line) is replaced, and so is every
 * occurrence of a registered secret string.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret (e.g. the EAB HMAC key); empty strings are ignored. */
  add(secret: string): void {
    if (secret !== '') this.#secrets.add(secret);
  }

  redact(text: string): string {
    let result = text.replace(privateKeyPem, REDACTED_PRIVATE_KEY);
    for (const secret of this.#secrets) result = result.replaceAll(secret, REDACTED_SECRET);
    return result;
  }
}
