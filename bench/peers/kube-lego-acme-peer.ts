import type { Peer } from '../peer.js';

const reason = "kube-lego's ACME client (obtainCertificate in src/acme/) is not in this build";

/**
 * kube-lego's own ACME client, in-process, as the controller uses it. Reports itself unavailable until the
 * client's orchestrator is part of the build; it never produces a number without a certificate.
 */
export function kubeLegoAcmePeer(): Peer {
  return {
    id: 'kube-lego-acme',
    name: "kube-lego's ACME client (in-process)",
    kind: 'in-process',
    probe: () => Promise.resolve({ available: false, reason }),
    issue: () => Promise.resolve({ ok: false, elapsedMs: 0, error: reason }),
    issueMany: () => Promise.resolve({ elapsedMs: 0, mode: 'not available', results: [] }),
  };
}
