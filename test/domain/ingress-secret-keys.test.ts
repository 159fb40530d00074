import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingressSecretKeys } from '../../src/domain/ingress-secret-keys.js';
import type { IngressView } from '../../src/domain/types.js';
import { inNamespace, ingress, withTls, withTlsEntry, withoutOptIn } from '../support/builders.js';

describe('ingressSecretKeys()', () => {
  const cases: { name: string; ingress: IngressView | undefined; keys: string[] }[] = [
    { name: 'names no key for a deleted (absent) ingress', ingress: undefined, keys: [] },
    { name: 'names no key for an ingress without tls entries', ingress: ingress('web'), keys: [] },
    {
      name: 'names the secret of each tls entry, in the ingress namespace',
      ingress: ingress(
        'web',
        inNamespace('shop'),
        withTls(['a.example'], 'a-tls'),
        withTls(['b.example'], 'b-tls'),
      ),
      keys: ['shop/a-tls', 'shop/b-tls'],
    },
    {
      name: 'skips entries without a secret name or with an empty one',
      ingress: ingress(
        'web',
        withTlsEntry({ hosts: ['a.example'] }),
        withTls(['b.example'], ''),
        withTls(['c.example'], 'c-tls'),
      ),
      keys: ['default/c-tls'],
    },
    {
      name: 'keeps a secret named twice twice (the caller de-duplicates across old and new)',
      ingress: ingress('web', withTls(['a.example'], 'tls'), withTls(['b.example'], 'tls')),
      keys: ['default/tls', 'default/tls'],
    },
    {
      name: 'names the secrets of an ingress that has not opted in (removing the annotation must requeue them)',
      ingress: ingress('web', withoutOptIn(), withTls(['a.example'], 'a-tls')),
      keys: ['default/a-tls'],
    },
  ];
  for (const c of cases) {
    it(`ingressSecretKeys() ${c.name}`, () => {
      assert.deepEqual(ingressSecretKeys(c.ingress), c.keys);
    });
  }
});
