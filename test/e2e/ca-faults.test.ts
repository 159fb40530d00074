import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startFaultRig, type FaultRig, type SecretJson } from './fault-rig.js';

const RATE_LIMITED = 'urn:ietf:params:acme:error:rateLimited';
const SERVER_INTERNAL = 'urn:ietf:params:acme:error:serverInternal';

interface EventList {
  readonly items: readonly {
    readonly reason?: string;
    readonly involvedObject?: { readonly kind?: string; readonly name?: string };
  }[];
}

function annotation(secret: SecretJson | undefined, name: string): string | undefined {
  return secret?.metadata?.annotations?.[`kube-lego/${name}`];
}

describe('CA faults: 429 and 503 with Retry-After on newOrder and on the account request, across a restart (real process, sandbox, Pebble behind a counting proxy)', () => {
  let rig: FaultRig;

  before(async () => {
    rig = await startFaultRig();
  });

  after(async () => {
    await rig.close();
  });

  /** The Events on the Ingress `name`. */
  async function eventsFor(name: string): Promise<EventList['items']> {
    const events = JSON.parse(await rig.kubectl('get', 'events', '-n', 'default', '-o', 'json')) as EventList;
    return events.items.filter((e) => e.involvedObject?.kind === 'Ingress' && e.involvedObject.name === name);
  }

  /** Waits for the persisted failure record of `secretName` with `reason`. */
  function failureRecorded(secretName: string, reason: string): Promise<SecretJson> {
    return rig.eventually(`${secretName} with a ${reason} record`, async () => {
      const s = await rig.secret(secretName);
      return annotation(s, 'last-failure-reason') === reason &&
        annotation(s, 'retry-not-before') !== undefined
        ? s
        : undefined;
    });
  }

  function issued(secretName: string): Promise<SecretJson> {
    return rig.eventually(
      `${secretName} with a certificate`,
      async () => {
        const s = await rig.secret(secretName);
        return annotation(s, 'not-after') !== undefined ? s : undefined;
      },
      90_000,
    );
  }

  /**
   * One fault on newOrder for `host`, a restart (`how`; `none`: the same process waits it out) of the
   * controller while it waits, issuance after the wait; reports the figures measured at the proxy.
   */
  async function faultAcrossRestart(
    t: TestContext,
    options: {
      readonly name: string;
      readonly status: number;
      readonly problemType: string;
      readonly retryAfterSeconds: number;
      readonly expectedReason: string;
      readonly how: 'SIGKILL' | 'SIGTERM' | 'none';
    },
  ): Promise<void> {
    const host = `${options.name}.ca-faults.example.test`;
    const secretName = `${options.name}-tls`;
    rig.ca.failNext({
      pathPattern: /^\/order-plz/,
      count: 1,
      status: options.status,
      retryAfterSeconds: options.retryAfterSeconds,
      problemType: options.problemType,
      detail: `injected ${String(options.status)} for ${host}`,
    });
    const first = rig.startController();
    await rig.applyIngress(options.name, [host]);
    const recorded = await failureRecorded(secretName, options.expectedReason);
    const [rejected] = rig.ca.orderRequestsFor(host);
    assert.ok(rejected?.injected === true, 'the first newOrder met the injected fault');
    const retryAllowedMs = rejected.atMs + options.retryAfterSeconds * 1000;
    const retryNotBeforeMs = Date.parse(annotation(recorded, 'retry-not-before') ?? '');
    assert.ok(
      retryNotBeforeMs >= retryAllowedMs,
      `the persisted retry-not-before ${new Date(retryNotBeforeMs).toISOString()} honours Retry-After (${new Date(retryAllowedMs).toISOString()})`,
    );
    assert.equal(
      annotation(recorded, 'failures') ?? '0',
      options.expectedReason === 'RateLimited' ? '1' : '0',
      'a rate limit counts at most the first failure, an unavailable CA none',
    );
    assert.ok(
      (await eventsFor(options.name)).some((e) => e.reason === options.expectedReason),
      `an Event with reason ${options.expectedReason}`,
    );
    assert.ok(
      !(await eventsFor(options.name)).some(
        (e) => e.reason === (options.expectedReason === 'RateLimited' ? 'CaUnavailable' : 'RateLimited'),
      ),
      'the other class is not named',
    );

    if (options.how !== 'none')
      assert.equal(
        await (options.how === 'SIGKILL' ? first.kill() : first.terminate()),
        options.how === 'SIGKILL' ? null : 0,
      );
    // Without a restart, every newOrder after the rejected one counts.
    const restartedAtMs = options.how === 'none' ? rejected.atMs + 1 : Date.now();
    assert.ok(restartedAtMs < retryAllowedMs, 'the restart happens while the controller waits');
    const second = options.how === 'none' ? first : rig.startController();
    const stored = await issued(secretName);
    const orders = rig.ca.orderRequestsFor(host);
    assert.equal(orders.length, 2, 'the rejected newOrder and one after the wait');
    const retried = orders[1];
    assert.ok(retried !== undefined);
    const waitedMs = retried.atMs - rejected.atMs;
    const secondProcessEarlyRequests = rig.ca.requests.filter(
      (r) => r.atMs >= restartedAtMs && r.atMs < retryAllowedMs && r.path.startsWith('/order-plz'),
    ).length;
    assert.ok(
      retried.atMs >= retryAllowedMs,
      `the controller waited: newOrder ${String(waitedMs)} ms after the ${String(options.status)}, Retry-After ${String(options.retryAfterSeconds)} s`,
    );
    assert.equal(secondProcessEarlyRequests, 0, 'no newOrder before the Retry-After time');
    assert.equal(annotation(stored, 'failures'), undefined, 'the failure record is cleared by the issuance');
    assert.equal(await second.terminate(), 0);
    t.diagnostic(
      `${String(options.status)} ${options.problemType} Retry-After ${String(options.retryAfterSeconds)} s, ${options.how === 'none' ? 'no restart' : `${options.how} while waiting`}: reason ${options.expectedReason}, next newOrder after ${String(waitedMs)} ms, ${String(secondProcessEarlyRequests)} newOrder before the Retry-After time, orders at the CA 2 (1 rejected)`,
    );
  }

  const newOrderCases = [
    {
      title:
        '429 rateLimited with Retry-After on newOrder: the process waits exactly that long, then one order issues',
      name: 'limited-once',
      status: 429,
      problemType: RATE_LIMITED,
      retryAfterSeconds: 8,
      expectedReason: 'RateLimited',
      how: 'none',
    },
    {
      title:
        '429 rateLimited with Retry-After on newOrder: the persisted wait survives a SIGKILL, then one order issues',
      name: 'limited',
      status: 429,
      problemType: RATE_LIMITED,
      retryAfterSeconds: 15,
      expectedReason: 'RateLimited',
      how: 'SIGKILL',
    },
    {
      title:
        '503 with Retry-After on newOrder is CA unavailable, not a rate limit: waited across a SIGTERM, then one order issues',
      name: 'unavailable',
      status: 503,
      problemType: SERVER_INTERNAL,
      retryAfterSeconds: 12,
      expectedReason: 'CaUnavailable',
      how: 'SIGTERM',
    },
  ] as const;
  for (const { title, ...options } of newOrderCases) {
    it(title, async (t) => {
      await faultAcrossRestart(t, options);
    });
  }

  it('503 with Retry-After on the account request: the wait survives a SIGKILL, a certificate asked for after the restart waits too, no failure counted', async (t) => {
    const retryAfterSeconds = 15;
    rig.ca.failNext({
      pathPattern: /^\/sign-me-up/,
      count: 1,
      status: 503,
      retryAfterSeconds,
      problemType: SERVER_INTERNAL,
      detail: 'injected 503 for the account',
    });
    const first = rig.startController();
    await rig.applyIngress('account-first', ['account-first.ca-faults.example.test']);
    await failureRecorded('account-first-tls', 'CaUnavailable');
    const rejected = rig.ca.requests.find((r) => r.injected === true && r.path.startsWith('/sign-me-up'));
    assert.ok(rejected !== undefined, 'the account request met the injected 503');
    const retryAllowedMs = rejected.atMs + retryAfterSeconds * 1000;
    assert.equal(await first.kill(), null);
    const restartedAtMs = Date.now();
    assert.ok(restartedAtMs < retryAllowedMs, 'the restart happens while the controller waits');
    const second = rig.startController();
    // A certificate the restarted process has no record for: only the account's persisted wait holds it.
    await rig.applyIngress('account-later', ['account-later.ca-faults.example.test']);
    const [firstStored, laterStored] = await Promise.all([
      issued('account-first-tls'),
      issued('account-later-tls'),
    ]);
    const early = rig.ca.requests.filter(
      (r) =>
        r.atMs >= restartedAtMs &&
        r.atMs < retryAllowedMs &&
        (r.path.startsWith('/sign-me-up') || r.path.startsWith('/order-plz')),
    );
    const afterWait = rig.ca.requests.find(
      (r) => r.atMs >= restartedAtMs && r.path.startsWith('/sign-me-up'),
    );
    t.diagnostic(
      `503 Retry-After ${String(retryAfterSeconds)} s on the account request, SIGKILL while waiting: the restarted process asked for the account ${String((afterWait?.atMs ?? 0) - rejected.atMs)} ms after the 503, ${String(early.length)} account or order requests before the Retry-After time`,
    );
    assert.deepEqual(
      early.map((r) => r.path),
      [],
      'the restarted process asks the CA nothing before the Retry-After time',
    );
    for (const stored of [firstStored, laterStored]) assert.equal(annotation(stored, 'failures'), undefined);
    const laterEvents = await eventsFor('account-later');
    assert.ok(
      !laterEvents.some((e) => e.reason === 'IssuanceFailed' || e.reason === 'BackingOff'),
      `waiting for the CA is no failure: ${laterEvents.map((e) => e.reason ?? '').join(', ')}`,
    );
    assert.equal(rig.ca.ordersFor('account-later.ca-faults.example.test'), 1);
    assert.equal(await second.terminate(), 0);
  });
});
