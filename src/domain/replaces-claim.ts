import type { IssuanceRecord } from './types.js';

/** What is known when a renewal is about to be ordered. */
export interface ReplacesContext {
  /** The issuance record on the Secret (what kube-lego wrote when it stored the certificate). */
  readonly record: IssuanceRecord;
  /** ARI CertID of the certificate in the Secret; `undefined` when it has none (no Authority Key Identifier). */
  readonly certId: string | undefined;
  /** The directory kube-lego orders from now. */
  readonly directoryUrl: string;
  /** The account kube-lego orders with now. */
  readonly accountUrl: string;
}

/** Whether a renewal order carries ARI `replaces` (RFC 9773 §5), and why not when it does not. */
export type ReplacesClaim =
  | { readonly send: true; readonly certId: string }
  | {
      readonly send: false;
      readonly why: 'NoCertId' | 'OtherDirectory' | 'OtherCertificate' | 'OtherAccount';
    };

/**
 * Decides whether to send `replaces` for the certificate being renewed. The CA accepts it only for a
 * certificate it issued to the same account, so it is sent only when the record says this directory issued
 * the certificate now in the Secret to this account. A certificate with no record of this directory (another
 * CA's, or one kube-lego 0.1.7 or another tool obtained) never gets it.
 *
 * Secrets written before the account and CertID were recorded have neither: for them `replaces` is sent
 * when the record names this directory, and a refusal falls back to an order without it (obtainCertificate).
 * Those certificates were almost always ordered by the same account, so this keeps ARI's rate-limit
 * exemption for them; the rare refusal costs one extra newOrder, never the renewal. Pure.
 */
export function replacesClaim(context: ReplacesContext): ReplacesClaim {
  const { record, certId } = context;
  if (certId === undefined) return { send: false, why: 'NoCertId' };
  if (record.directoryUrl !== context.directoryUrl) return { send: false, why: 'OtherDirectory' };
  if (record.certId !== undefined && record.certId !== certId)
    return { send: false, why: 'OtherCertificate' };
  if (record.accountUrl !== undefined && record.accountUrl !== context.accountUrl) {
    return { send: false, why: 'OtherAccount' };
  }
  return { send: true, certId };
}
