import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IngressView } from '../../src/domain/types.js';
import { DesiredCache } from '../../src/reconcile/desired-index.js';
import { desiredPolicy, ingress, withTls } from '../support/builders.js';

describe('DesiredCache', () => {
  it('DesiredCache.peek() (a metrics scrape) does not take the fresh state from the next current() call', () => {
    let ingresses: IngressView[] = [ingress('web', withTls(['web.example.test'], 'web-tls'))];
    const cache = new DesiredCache(desiredPolicy(), () => ingresses);
    assert.deepEqual([...cache.peek().byKey.keys()], ['default/web-tls']);
    assert.equal(cache.current().fresh, true, 'the reconciler still sees the new state as fresh');
    assert.equal(cache.current().fresh, false);
    ingresses = [];
    cache.invalidate();
    assert.deepEqual([...cache.peek().byKey.keys()], []);
    const { index, fresh } = cache.current();
    assert.equal(fresh, true);
    assert.equal(index.byKey.size, 0);
  });
});
