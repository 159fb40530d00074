import assert from 'node:assert/strict';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { splitPemBundle } from '../../src/x509/pem-bundle.js';

/**
 * Checks an issued chain with Node's own X509Certificate: the names, a validity that contains `nowMs`,
 * the key match, and every link of the chain up to the given root.
 */
export function assertIssued(options: {
  readonly chainPem: string;
  readonly rootPem: string;
  readonly key: KeyObject;
  readonly names: readonly string[];
  readonly nowMs: number;
}): X509Certificate {
  const pems = splitPemBundle(options.chainPem);
  assert.ok(pems.length >= 2, `expected leaf and chain, got ${pems.length} certificate(s)`);
  const certs = pems.map((pem) => new X509Certificate(pem));
  const leaf = certs[0]!;
  const sans = (leaf.subjectAltName ?? '')
    .split(', ')
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''));
  assert.deepEqual([...sans].sort(), [...options.names].sort());
  assert.ok(
    Date.parse(leaf.validFrom) <= options.nowMs + 60_000,
    `notBefore ${leaf.validFrom} is in the future`,
  );
  assert.ok(Date.parse(leaf.validTo) > options.nowMs, `notAfter ${leaf.validTo} has passed`);
  assert.equal(leaf.checkPrivateKey(options.key), true, 'the certificate does not match the private key');
  const root = new X509Certificate(options.rootPem);
  const all = [...certs, root];
  for (let i = 0; i < all.length - 1; i++) {
    assert.ok(
      all[i]!.verify(all[i + 1]!.publicKey),
      `certificate ${i} is not signed by certificate ${i + 1}`,
    );
  }
  assert.ok(root.verify(root.publicKey), 'the root is not self-signed');
  return leaf;
}
