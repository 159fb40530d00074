import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSteps, summarizePhases } from '../../bench/case1-phases.js';
import { phaseTables } from '../../bench/phase-report.js';
import type { TimedAcmeRequest } from '../../bench/counting-proxy.js';
import type { ControllerTrace, TracedApiRequest } from '../../bench/kube-lego-driver.js';

const t0 = 1_800_000_000_000;

function api(
  atMs: number,
  verb: string,
  resource: string,
  where: { by?: TracedApiRequest['by']; namespace?: string; name?: string } = {},
): TracedApiRequest {
  return {
    by: where.by ?? 'controller',
    verb,
    resource,
    namespace: where.namespace ?? 'default',
    name: where.name ?? '',
    atMs: t0 + atMs,
  };
}

function acme(kind: string, sentMs: number, answeredMs: number, orderStatus?: string): TimedAcmeRequest {
  return {
    kind,
    method: 'POST',
    sentAtMs: t0 + sentMs,
    answeredAtMs: t0 + answeredMs,
    status: 200,
    ...(orderStatus === undefined ? {} : { orderStatus }),
  };
}

/** One issuance as the audit log, the proxy and the controller's log lines saw it. */
function issuance(shiftMs = 0): { trace: ControllerTrace; acme: TimedAcmeRequest[] } {
  const at = (ms: number): number => ms + shiftMs;
  return {
    trace: {
      appliedAtMs: t0 - 1,
      seenAtMs: t0 + at(120),
      api: [
        // A watch opened before the apply is logged when it ends, with its start time: never a step.
        api(-5_000, 'watch', 'secrets', { namespace: '' }),
        api(0, 'create', 'ingresses', { by: 'benchmark' }),
        api(at(4), 'get', 'secrets', { name: 'web-tls' }),
        api(at(10), 'create', 'secrets'),
        api(at(30), 'create', 'services', { namespace: 'kube-lego' }),
        api(at(34), 'create', 'ingresses', { namespace: 'kube-lego' }),
        // Cleanup after the challenges were answered is not part of the routing.
        api(at(80), 'delete', 'ingresses', { namespace: 'kube-lego', name: 'kube-lego-nginx' }),
        api(at(110), 'update', 'secrets', { name: 'web-tls' }),
        // A later write (after the benchmark saw the certificate) does not end the timed interval.
        api(at(130), 'update', 'secrets', { name: 'web-tls' }),
      ],
      tokensServed: [
        { host: 'a.example', atMs: t0 + at(50) },
        { host: 'b.example', atMs: t0 + at(60) },
      ],
    },
    acme: [
      acme('newOrder', at(20), at(24), 'pending'),
      acme('authorization', at(25), at(27)),
      acme('challenge', at(40), at(42)),
      acme('challenge', at(45), at(47)),
      acme('order', at(65), at(70), 'ready'),
      acme('finalize', at(85), at(88), 'processing'),
      acme('order', at(95), at(97), 'valid'),
      acme('certificate', at(100), at(105)),
    ],
  };
}

describe('runSteps()', () => {
  it('dates each step from the source that saw it, relative to the Ingress create', () => {
    const { trace, acme: requests } = issuance();
    assert.deepEqual(runSteps(trace, requests), {
      'ingress-created': 0,
      'first-request': 4,
      'new-order': 20,
      'routing-done': 34,
      'challenge-answered': 45,
      'last-token-fetched': 60,
      'order-ready': 70,
      'finalize-sent': 85,
      'certificate-downloaded': 105,
      'secret-stored': 110,
      'seen-stored': 120,
    });
  });

  it('leaves out what no source saw, and has nothing without the Ingress create', () => {
    const { trace } = issuance();
    const steps = runSteps({ ...trace, tokensServed: [] }, []);
    assert.equal(steps['last-token-fetched'], undefined);
    assert.equal(steps['new-order'], undefined);
    // Without the challenge answers the routing's end cannot be told from the cleanup's writes.
    assert.equal(steps['routing-done'], undefined);
    assert.equal(steps['secret-stored'], 110);
    assert.deepEqual(
      runSteps({ ...trace, api: trace.api.filter((entry) => entry.by === 'controller') }, []),
      {},
    );
  });
});

describe('summarizePhases()', () => {
  it('takes the median of each phase over runs, each phase from the previous step seen in that run', () => {
    const runs = [0, 10, 20].map((shift) => {
      const { trace, acme: requests } = issuance(shift);
      return runSteps(trace, requests);
    });
    const phases = summarizePhases(runs, false);
    const row = (id: string) => phases.rows.find((candidate) => candidate.id === id);
    assert.equal(phases.runs, 3);
    // Every step after the first moves by the shift, so only the first phase grows with it: 4, 14, 24 ms.
    assert.equal(row('first-request')?.phase?.median, 14);
    assert.equal(row('new-order')?.phase?.median, 16);
    assert.equal(row('certificate-downloaded')?.phase?.median, 20);
    assert.equal(row('seen-stored')?.sinceCreated?.median, 130);
    assert.equal(row('ingress-created')?.phase, undefined);
    // Without the token fetches, order ready is measured from the last challenge answered.
    const withoutFetches = summarizePhases(
      [{ ...runs[0], 'last-token-fetched': undefined }].map((run) => {
        const { 'last-token-fetched': _dropped, ...rest } = run;
        return rest;
      }),
      true,
    );
    assert.equal(withoutFetches.rows.find((candidate) => candidate.id === 'order-ready')?.phase?.median, 25);
  });
});

describe('phaseTables()', () => {
  it('renders one table per traced row, naming the source of every step, and nothing for untraced rows', () => {
    const { trace, acme: requests } = issuance();
    const tool = { id: 'kube-lego', name: 'controller', kind: 'controller' as const, version: '1' };
    const traced = {
      tool,
      runs: 1,
      successes: 1,
      timesMs: [120],
      failures: [],
      phases: summarizePhases([runSteps(trace, requests)], false),
    };
    const { phases: _phases, ...untracedBase } = traced;
    const untraced = { ...untracedBase, tool: { ...tool, id: 'floor', name: 'floor' } };
    const lines = phaseTables([traced, untraced]);
    assert.equal(lines.filter((line) => line.startsWith('| Step (phase ends here)')).length, 1);
    assert.ok(lines.some((line) => line.includes('profiled run(s) after the timed ones')));
    assert.ok(lines.includes('| newOrder sent | counting proxy | 16.0 ms | 16.0 – 16.0 ms | 20.0 ms |'));
    assert.ok(
      lines.includes(
        '| last token fetched by the CA | controller debug log | 15.0 ms | 15.0 – 15.0 ms | 60.0 ms |',
      ),
    );
    assert.deepEqual(phaseTables([untraced]), []);
  });
});
