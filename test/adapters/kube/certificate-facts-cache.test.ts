import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertificateFactsCache } from '../../../src/adapters/kube/certificate-facts-cache.js';
import type { SecretObject } from '../../../src/adapters/kube/kube-types.js';
import type { CertParse } from '../../../src/domain/types.js';

function secret(uid: string, resourceVersion: string): SecretObject {
  return { metadata: { name: `s-${uid}`, namespace: 'default', uid, resourceVersion }, data: {} };
}

/** A cache whose parser counts its calls and tells each parse apart (the problem names the version). */
function countingCache(): { cache: CertificateFactsCache; parses: () => number } {
  let parses = 0;
  const cache = new CertificateFactsCache((object): CertParse => {
    parses += 1;
    return { state: 'invalid', problem: `${object.metadata?.uid}@${object.metadata?.resourceVersion}` };
  });
  return { cache, parses: () => parses };
}

describe('CertificateFactsCache', () => {
  it('parses each Secret version once', () => {
    const { cache, parses } = countingCache();
    const first = cache.facts(secret('a', '1'));
    assert.deepEqual(cache.facts(secret('a', '1')), first);
    assert.equal(parses(), 1);
  });

  it('replaces the entry of a Secret on its new resourceVersion (the old version is not kept)', () => {
    const { cache, parses } = countingCache();
    cache.facts(secret('a', '1'));
    assert.deepEqual(cache.facts(secret('a', '2')), { state: 'invalid', problem: 'a@2' });
    assert.equal(parses(), 2);
    assert.equal(cache.size, 1, 'one entry per Secret, whatever the number of versions seen');
    // Going back to the old version parses again: only the latest version of each Secret is kept.
    cache.facts(secret('a', '1'));
    assert.equal(parses(), 3);
  });

  it('carries the facts over our own write that kept the pair, and parses a write that changed it', () => {
    const { cache, parses } = countingCache();
    const pair = { 'tls.crt': 'Q1JU', 'tls.key': 'S0VZ' };
    const base = { ...secret('a', '1'), data: pair };
    const facts = cache.facts(base);
    const recordOnly = { ...secret('a', '2'), data: { ...pair, 'kube-lego.pending.key': 'UEs=' } };
    cache.carry(base, recordOnly);
    assert.deepEqual(cache.facts(recordOnly), facts, 'the version written over the same pair');
    assert.equal(parses(), 1, 'is not parsed');
    const newPair = { ...secret('a', '3'), data: { ...pair, 'tls.crt': 'TkVX' } };
    cache.carry(recordOnly, newPair);
    assert.deepEqual(cache.facts(newPair), { state: 'invalid', problem: 'a@3' });
    assert.equal(parses(), 2, 'a new certificate is parsed');
    // A base the cache no longer holds (or another Secret's) carries nothing.
    cache.carry(base, { ...secret('a', '4'), data: pair });
    cache.carry({ ...secret('b', '3'), data: pair }, { ...secret('a', '5'), data: pair });
    cache.facts({ ...secret('a', '5'), data: pair });
    assert.equal(parses(), 3);
  });

  it('forgets a deleted Secret', () => {
    const { cache, parses } = countingCache();
    cache.facts(secret('a', '1'));
    cache.facts(secret('b', '1'));
    cache.forget('a');
    assert.equal(cache.size, 1);
    cache.facts(secret('a', '1'));
    assert.equal(parses(), 3, 'the forgotten Secret is parsed again');
  });

  it('keeps every Secret of a 25,000-Secret cluster: a second pass parses nothing', () => {
    const { cache, parses } = countingCache();
    const secrets = Array.from({ length: 25_000 }, (_, i) => secret(`uid-${i}`, String(i + 1)));
    for (const s of secrets) cache.facts(s);
    assert.equal(parses(), 25_000);
    assert.equal(cache.size, 25_000);
    for (const s of secrets) cache.facts(s);
    assert.equal(parses(), 25_000, 'no Secret was evicted by a cap');
  });

  it('parses an object without uid or resourceVersion every time and keeps nothing for it', () => {
    const { cache, parses } = countingCache();
    cache.facts({ metadata: { name: 'new' } });
    cache.facts({ metadata: { name: 'new' } });
    assert.equal(parses(), 2);
    assert.equal(cache.size, 0);
  });
});
