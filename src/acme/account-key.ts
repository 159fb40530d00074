import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { AcmeUsageError } from './errors.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** JWS algorithms an account key can sign with (what Let's Encrypt and Pebble accept). */
export type AccountKeyAlg = 'RS256' | 'ES256' | 'ES384';

/** An ACME account key, ready to sign: the private key, its public JWK and RFC 7638 thumbprint. */
export interface AccountKey {
  readonly alg: AccountKeyAlg;
  readonly privateKey: KeyObject;
  /** The public key as a JWK with only the required members (what goes into the `jwk` header). */
  readonly publicJwk: Readonly<JWK>;
  /** RFC 7638 SHA-256 thumbprint, base64url: the second half of every key authorization. */
  readonly thumbprint: string;
}

/**
 * Loads an account key from PEM: PKCS#1 (`RSA PRIVATE KEY`, kube-lego's `kube-lego-account` Secret),
 * PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`). RSA keys sign with RS256, P-256 with ES256, P-384 with ES384.
 *
 * @throws AcmeUsageError `keyUnsupported` for unparseable PEM or another key type (the key is never echoed)
 */
export async function importAccountKey(pem: string): Promise<AccountKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new AcmeUsageError(
      'keyUnsupported',
      'Cannot load the ACME account key: the PEM is not a PKCS#1, PKCS#8 or SEC1 private key',
      { cause: err instanceof Error ? new Error(err.message) : undefined },
    );
  }
  return accountKeyFrom(privateKey);
}

/** Generates a new ECDSA P-256 account key (the default for new accounts: small, fast, accepted everywhere). */
export async function generateAccountKey(): Promise<AccountKey> {
  const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  return accountKeyFrom(privateKey);
}

/** Wraps a Node private key as an account key, choosing the JWS algorithm from the key type. */
export async function accountKeyFrom(privateKey: KeyObject): Promise<AccountKey> {
  const alg = algorithmOf(privateKey);
  const full = await exportJWK(createPublicKey(privateKey));
  // Only the members RFC 7638 requires: the `jwk` header and the thumbprint must agree exactly.
  const publicJwk: JWK =
    full.kty === 'RSA'
      ? { kty: 'RSA', n: full.n ?? '', e: full.e ?? '' }
      : { kty: 'EC', crv: full.crv ?? '', x: full.x ?? '', y: full.y ?? '' };
  return { alg, privateKey, publicJwk, thumbprint: await jwkThumbprint(publicJwk) };
}

/** The RFC 7638 SHA-256 thumbprint of a public JWK, base64url. */
export function jwkThumbprint(publicJwk: JWK): Promise<string> {
  return calculateJwkThumbprint(publicJwk, 'sha256');
}

/**
 * Serializes an account key for storage: PKCS#1 PEM for RSA (kube-lego's `tls.key` layout), SEC1 PEM for EC.
 */
export function accountKeyToPem(key: AccountKey): string {
  const type = key.alg === 'RS256' ? 'pkcs1' : 'sec1';
  return key.privateKey.export({ type, format: 'pem' }).toString();
}

function algorithmOf(key: KeyObject): AccountKeyAlg {
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) {
      throw new AcmeUsageError(
        'keyUnsupported',
        `Cannot use a ${bits}-bit RSA account key: ACME CAs require at least 2048 bits`,
      );
    }
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    throw new AcmeUsageError(
      'keyUnsupported',
      `Cannot use an EC account key on curve "${curve ?? 'unknown'}": use P-256 or P-384`,
    );
  }
  throw new AcmeUsageError(
    'keyUnsupported',
    `Cannot use a "${key.asymmetricKeyType ?? 'unknown'}" account key: use RSA (2048+ bits), ECDSA P-256 or P-384`,
  );
}
