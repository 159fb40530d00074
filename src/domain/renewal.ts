import { toWholeSecondsMs } from './secret-annotations.js';
import type { IssuanceRecord, RenewalWindow } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Certificates shorter-lived than this renew at half their lifetime instead of two thirds (Let's Encrypt's advice). */
export const SHORT_LIFETIME_MS = 10 * DAY_MS;

/** The validity period of a certificate. */
export interface Validity {
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

/** Where a renewal time came from, for messages and metrics. */
export type RenewalBasis = 'lifetime' | 'minimumValidity' | 'ariWindow';

/** The renewal time of one certificate, and what the executor must persist so it is chosen only once. */
export interface RenewalSchedule {
  /** Whole seconds. */
  readonly renewAtMs: number;
  readonly basis: RenewalBasis;
  /** Present when the record does not yet hold this schedule: write it on the Secret. */
  readonly persist?: { readonly notAfterMs: number; readonly renewAtMs: number };
  /** Set when `minimumValidityMs` was ignored because it is not shorter than half the lifetime. */
  readonly minimumValidityIgnored: boolean;
}

/**
 * The renewal time without ARI: two thirds into the lifetime (half for lifetimes under 10 days), or
 * `minimumValidityMs` before notAfter when that is earlier and shorter than half the lifetime. A longer
 * minimum validity would be due as soon as a certificate is issued, so it is ignored for this certificate.
 */
export function lifetimeRenewalTime(
  validity: Validity,
  minimumValidityMs: number,
): { readonly renewAtMs: number; readonly basis: RenewalBasis; readonly minimumValidityIgnored: boolean } {
  const lifetimeMs = Math.max(0, validity.notAfterMs - validity.notBeforeMs);
  const fraction = lifetimeMs < SHORT_LIFETIME_MS ? 1 / 2 : 2 / 3;
  const byLifetime = toWholeSecondsMs(validity.notBeforeMs + lifetimeMs * fraction);
  const minimumValidityIgnored = minimumValidityMs >= lifetimeMs / 2;
  if (!minimumValidityIgnored) {
    const byMinimum = toWholeSecondsMs(validity.notAfterMs - minimumValidityMs);
    if (byMinimum < byLifetime)
      return { renewAtMs: byMinimum, basis: 'minimumValidity', minimumValidityIgnored };
  }
  return { renewAtMs: byLifetime, basis: 'lifetime', minimumValidityIgnored };
}

function drawInWindow(window: RenewalWindow, random: number): number {
  const unit = Math.min(Math.max(random, 0), 1);
  return toWholeSecondsMs(window.startMs + (window.endMs - window.startMs) * unit);
}

/**
 * The renewal time of a certificate: the earliest of the lifetime rule and, when the CA offered an ARI
 * window, a uniformly random time inside it. The random time is drawn once: a persisted renewal time
 * that one draw could have produced for this certificate and window is kept, so the schedule does not
 * move on every check.
 *
 * @param random a value in [0, 1) supplied by the caller (the core draws no random numbers)
 */
export function renewalSchedule(
  validity: Validity,
  record: IssuanceRecord,
  minimumValidityMs: number,
  random: number,
): RenewalSchedule {
  const base = lifetimeRenewalTime(validity, minimumValidityMs);
  const sameCertificate = record.notAfterMs === toWholeSecondsMs(validity.notAfterMs);
  const persisted = sameCertificate ? record.renewAtMs : undefined;
  const window = record.ariWindow;
  const keep = (renewAtMs: number, basis: RenewalBasis): RenewalSchedule =>
    persisted === renewAtMs
      ? { renewAtMs, basis, minimumValidityIgnored: base.minimumValidityIgnored }
      : {
          renewAtMs,
          basis,
          minimumValidityIgnored: base.minimumValidityIgnored,
          persist: { notAfterMs: toWholeSecondsMs(validity.notAfterMs), renewAtMs },
        };
  if (window === undefined || base.renewAtMs <= window.startMs) return keep(base.renewAtMs, base.basis);
  // Any min(draw, base) lies in [window.start, min(window.end, base)]: a persisted value there is a past draw.
  const latest = Math.min(window.endMs, base.renewAtMs);
  if (persisted !== undefined && persisted >= window.startMs && persisted <= latest) {
    return keep(persisted, persisted === base.renewAtMs ? base.basis : 'ariWindow');
  }
  const drawn = drawInWindow(window, random);
  return drawn < base.renewAtMs ? keep(drawn, 'ariWindow') : keep(base.renewAtMs, base.basis);
}
