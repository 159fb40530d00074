/** A self-signed certificate and its key, PEM: what a TLS Secret holds until the CA's certificate arrives. */
export interface TemporaryCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** Makes temporary certificates (x509's createTemporaryCertificate); never counted as a valid certificate. */
export interface TemporaryCertificates {
  create(hosts: readonly string[], nowMs: number): Promise<TemporaryCertificate>;
}
