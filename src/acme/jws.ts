import type { KeyObject } from 'node:crypto';
import { FlattenedSign, type JWSHeaderParameters } from 'jose';

/** A JWS in flattened JSON serialization (RFC 7515 §7.2.2), the only form ACME accepts (RFC 8555 §6.2). */
export interface FlattenedJws {
  readonly protected: string;
  readonly payload: string;
  readonly signature: string;
}

/** What `signFlattenedJws` signs. */
export interface JwsInput {
  /** The protected header, `alg` included (ACME puts everything in the protected header). */
  readonly header: JWSHeaderParameters & { readonly alg: string };
  /** The payload bytes; empty for POST-as-GET (RFC 8555 §6.3). */
  readonly payload: Uint8Array;
  /** An asymmetric private key, or the raw HMAC key for an EAB binding. */
  readonly key: KeyObject | Uint8Array;
}

/**
 * Signs `payload` into a flattened JWS. The protected header is serialized with `JSON.stringify`, so
 * RSA signatures are deterministic (RFC 7515 Appendix A.2 reproduces bit for bit).
 */
export async function signFlattenedJws(input: JwsInput): Promise<FlattenedJws> {
  const jws = await new FlattenedSign(input.payload).setProtectedHeader(input.header).sign(input.key);
  return { protected: jws.protected ?? '', payload: jws.payload, signature: jws.signature };
}

const encoder = new TextEncoder();

/** The payload bytes of a JSON body, or the empty payload of a POST-as-GET when `body` is undefined. */
export function jwsPayload(body: unknown): Uint8Array {
  return body === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(body));
}
