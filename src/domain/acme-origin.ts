/**
 * Whether a URL read back from an object (an annotation, a Secret's data) may be requested on behalf of
 * the ACME account. Anyone who may annotate a Secret could otherwise make kube-lego send JWS-signed POSTs
 * to any address, internal ones included (SSRF). Only URLs on the ACME directory's own origin (scheme,
 * host and port) are followed: https, or http when the directory itself is http.
 */
export type UrlTrust = { readonly trusted: true } | { readonly trusted: false; readonly why: string };

/** Checks `value` against the origin of `directoryUrl`; pure, never throws. */
export function onDirectoryOrigin(value: string, directoryUrl: string): UrlTrust {
  let url: URL;
  let directory: URL;
  try {
    url = new URL(value);
    directory = new URL(directoryUrl);
  } catch {
    return { trusted: false, why: 'it is not an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && directory.protocol === 'http:')) {
    return {
      trusted: false,
      why: `it uses ${url.protocol.replace(/:$/, '')}, kube-lego follows only https URLs of the ACME directory ${directoryUrl}`,
    };
  }
  if (url.username !== '' || url.password !== '') {
    return { trusted: false, why: 'it carries credentials' };
  }
  if (url.origin !== directory.origin) {
    return {
      trusted: false,
      why: `it is not on the origin ${directory.origin} of the ACME directory ${directoryUrl}`,
    };
  }
  return { trusted: true };
}
