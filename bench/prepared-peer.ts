import type { ToolInfo } from './bench-results.js';
import type { Peer } from './peer.js';

/** A peer with the outcome of its probe, so every case reports availability the same way. */
export interface PreparedPeer {
  readonly peer: Peer;
  readonly info: ToolInfo;
  readonly available: boolean;
  /** Whether its failure to produce a certificate is a benchmark failure (peers) or an expected gap (kube-lego parts not built yet). */
  readonly required: boolean;
}

/** Probes a peer once; `required` peers must be installed for the run to pass. */
export async function preparePeer(peer: Peer, required: boolean): Promise<PreparedPeer> {
  const availability = await peer.probe();
  const base = { id: peer.id, name: peer.name, kind: peer.kind };
  return availability.available
    ? { peer, info: { ...base, version: availability.version }, available: true, required }
    : { peer, info: { ...base, unavailableReason: availability.reason }, available: false, required };
}
