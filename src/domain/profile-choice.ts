/** The Ingress annotation that picks the ACME profile (draft-aaron-acme-profiles) of its certificates. */
export const PROFILE_ANNOTATION = 'kube-lego/profile';

/** The profiles a CA's directory advertises in `meta.profiles`, once kube-lego has read it. */
export interface OfferedProfiles {
  /** The directory they were read from, as refusals name the CA. */
  readonly directoryUrl: string;
  /** The profile names; empty when the CA offers no profiles. */
  readonly names: readonly string[];
}

/** The profile an Ingress asks for (`undefined`: the CA's default), or the sentence saying why it cannot be used. */
export type ProfileRequest =
  | { readonly ok: true; readonly profile: string | undefined }
  | { readonly ok: false; readonly detail: string };

/** A profile name is one token of printable ASCII, as `LEGO_ACME_PROFILE` is. */
const PROFILE_NAME = /^[\x21-\x7e]+$/;

/** `profile "shortlived"`, or the CA's default when none is named. */
export function describeProfile(profile: string | undefined): string {
  return profile === undefined ? "the CA's default profile" : `profile "${profile}"`;
}

/**
 * The profile of an Ingress's certificates: its `kube-lego/profile` annotation, else the default
 * (`LEGO_ACME_PROFILE`). An annotated name is checked against the directory's `meta.profiles` when they are
 * known: a name the CA does not offer, or any name at a CA without profiles, is refused, never ordered.
 */
export function requestedProfile(
  annotations: Readonly<Record<string, string>>,
  defaultProfile: string | undefined,
  offered: OfferedProfiles | undefined,
): ProfileRequest {
  const value = annotations[PROFILE_ANNOTATION];
  if (value === undefined) return { ok: true, profile: defaultProfile };
  const profile = value.trim();
  if (!PROFILE_NAME.test(profile)) {
    return {
      ok: false,
      detail: `annotation ${PROFILE_ANNOTATION} is "${value}", set it to a profile name of the CA's directory such as classic or shortlived, or remove it`,
    };
  }
  if (offered === undefined || offered.names.includes(profile)) return { ok: true, profile };
  if (offered.names.length === 0) {
    return {
      ok: false,
      detail: `annotation ${PROFILE_ANNOTATION} is "${value}" and the ACME server at ${offered.directoryUrl} offers no profiles, remove the annotation`,
    };
  }
  return {
    ok: false,
    detail: `annotation ${PROFILE_ANNOTATION} is "${value}" and the ACME server at ${offered.directoryUrl} offers only ${offered.names.join(', ')}, set it to one of them`,
  };
}
