import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';
/** Why a certificate, key or CSR input could not be used. */
export type X509InputErrorCode =
  'certificateUnparseable' | 'keyUnparseable' | 'keyUnsupported' | 'invalidName';

/** A certificate, key or name the x509 module cannot work with. Messages never contain key material. */
export class X509InputError extends KubeLegoError {
  override readonly name = 'X509InputError';
  readonly code: X509InputErrorCode;

  constructor(code: X509InputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The same input fails the same way: it must change first. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}
