import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { X509InputError } from './x509-input-error.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** RSA sizes Let's Encrypt accepts for certificate keys. */
export type RsaKeyBits = 2048 | 3072 | 4096;

/** Which certificate key to generate. */
export type KeySpec =
  | { readonly type: 'rsa'; readonly bits: RsaKeyBits }
  | { readonly type: 'ecdsa'; readonly curve: 'P-256' | 'P-384' };

const NODE_CURVES = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' } as const;

/**
 * Generates a certificate private key. A fresh key per issuance, as kube-lego did.
 *
 * @example await generateKey({ type: 'rsa', bits: 2048 })
 */
export async function generateKey(spec: KeySpec): Promise<KeyObject> {
  if (spec.type === 'rsa') {
    const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: spec.bits });
    return privateKey;
  }
  const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: NODE_CURVES[spec.curve] });
  return privateKey;
}

/**
 * Serializes a private key as PEM for a `kubernetes.io/tls` Secret: PKCS#1 (`RSA PRIVATE KEY`) for RSA, as
 * kube-lego wrote `tls.key`; SEC1 (`EC PRIVATE KEY`) for ECDSA, or PKCS#8 when asked.
 */
export function keyToPem(key: KeyObject, format: 'traditional' | 'pkcs8' = 'traditional'): string {
  if (format === 'pkcs8') return key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const type = key.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'sec1';
  return key.export({ type, format: 'pem' }).toString();
}

/**
 * Parses a PEM private key (PKCS#1, PKCS#8 or SEC1).
 *
 * @throws X509InputError `keyUnparseable` (the key material is never included in the message)
 */
export function parsePrivateKeyPem(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new X509InputError(
      'keyUnparseable',
      'Cannot parse the private key: it is not a PKCS#1, PKCS#8 or SEC1 PEM key',
    );
  }
}
