const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle (leaf + chain, as in `tls.crt`) into one PEM per certificate, in order. */
export function splitPemBundle(bundle: string): string[] {
  return (bundle.match(PEM_CERTIFICATE) ?? []).map((pem) => `${pem}\n`);
}
