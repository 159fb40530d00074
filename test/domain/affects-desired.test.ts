import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { affectsDesired } from '../../src/domain/affects-desired.js';
import { desiredCertificates } from '../../src/domain/desired.js';
import type { IngressView } from '../../src/domain/types.js';
import {
  OPT_IN,
  desiredPolicy,
  ingress,
  withAnnotation,
  withTls,
  withoutOptIn,
} from '../support/builders.js';

const annotated = ingress('web', withTls(['a.example'], 'web-tls'));
const notTrue = ingress('web', withAnnotation(OPT_IN, 'false'), withTls(['a.example'], 'web-tls'));
const plain = ingress('web', withoutOptIn(), withTls(['a.example'], 'web-tls'));
const plainOther = ingress('web', withoutOptIn(), withTls(['b.example'], 'other-tls'));

describe('affectsDesired()', () => {
  const cases: {
    name: string;
    previous: IngressView | undefined;
    current: IngressView | undefined;
    affects: boolean;
  }[] = [
    { name: 'an opted-in Ingress created', previous: undefined, current: annotated, affects: true },
    { name: 'an opted-in Ingress deleted', previous: annotated, current: undefined, affects: true },
    { name: 'the opt-in annotation removed', previous: annotated, current: plain, affects: true },
    { name: 'the opt-in annotation added', previous: plain, current: annotated, affects: true },
    { name: 'an annotation that is not "true"', previous: undefined, current: notTrue, affects: true },
    {
      name: 'an Ingress without the annotation created',
      previous: undefined,
      current: plain,
      affects: false,
    },
    {
      name: 'an Ingress without the annotation changed',
      previous: plain,
      current: plainOther,
      affects: false,
    },
    {
      name: 'an Ingress without the annotation deleted',
      previous: plain,
      current: undefined,
      affects: false,
    },
  ];
  for (const c of cases) {
    it(`${c.affects ? 'is true' : 'is false'} for ${c.name}`, () => {
      assert.equal(affectsDesired(c.previous, c.current, OPT_IN), c.affects);
    });
  }

  it('is false only where the desired certificates and problems are indeed unchanged', () => {
    const policy = desiredPolicy();
    const cluster = [
      ingress('a', withTls(['a.example'], 'a-tls')),
      ingress('b', withTls(['b.example'], 'shared-tls')),
      ingress('c', withTls(['c.example'], 'shared-tls')),
    ];
    const before = desiredCertificates(cluster, policy);
    for (const extra of [plain, plainOther, ingress('x', withoutOptIn(), withTls(['a.example'], 'a-tls'))]) {
      assert.equal(affectsDesired(undefined, extra, OPT_IN), false);
      const after = desiredCertificates([...cluster, extra], policy);
      assert.deepEqual(after.certificates, before.certificates);
      assert.deepEqual(after.problems, before.problems);
    }
  });
});
