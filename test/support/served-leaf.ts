import type { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';

/** The leaf a TLS listener on 127.0.0.1:`port` serves for the SNI `host` (a handshake of the test's own). */
export function servedLeaf(port: number, host: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: host, rejectUnauthorized: false }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.destroy();
      if (peer === undefined) reject(new Error('no certificate served'));
      else resolve(peer);
    });
    socket.once('error', reject);
  });
}
