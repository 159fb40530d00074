import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knownCertbotFlaw } from '../../bench/peers/certbot-peer.js';

describe('knownCertbotFlaw()', () => {
  it('labels the versions before 2.2 that crash on a repeated badNonce', () => {
    for (const version of ['2.1.0', '2.0.0', '1.12.0', '0.31.0']) {
      assert.equal(knownCertbotFlaw(version), ', crashes on badNonce (certbot#9539)', version);
    }
  });

  it('labels nothing from 2.2 on, whatever the major version', () => {
    for (const version of ['2.2.0', '2.11.0', '3.0.1', '5.5.0', '12.1.0']) {
      assert.equal(knownCertbotFlaw(version), '', version);
    }
  });
});
