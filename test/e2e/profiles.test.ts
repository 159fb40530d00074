import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { NGINX_ONLY } from '../support/controller-env.js';
import { runCli } from './controller-process.js';
import { startFaultRig, type FaultRig, type SecretJson } from './fault-rig.js';

const DAY_S = 24 * 3600;
const SHORT_S = 90;

interface EventList {
  readonly items: readonly {
    readonly reason?: string;
    readonly message?: string;
    readonly involvedObject?: { readonly kind?: string; readonly name?: string };
  }[];
}

/** The leaf certificate kube-lego stored (not the temporary self-signed one). */
function leafOf(secret: SecretJson | undefined): X509Certificate | undefined {
  const pem = Buffer.from(secret?.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
  if (!pem.includes('BEGIN CERTIFICATE')) return undefined;
  const leaf = new X509Certificate(pem);
  return leaf.issuer === leaf.subject ? undefined : leaf;
}

function lifetimeSeconds(leaf: X509Certificate): number {
  return (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 1000;
}

describe('kube-lego/profile: a profile per Ingress (real process, sandbox, Pebble with two profiles behind a counting proxy)', () => {
  let rig: FaultRig;

  before(async () => {
    rig = await startFaultRig({
      pebble: {
        profiles: {
          default: { description: 'Ninety days', validityPeriodSeconds: 90 * DAY_S },
          shortlived: { description: 'Ninety seconds', validityPeriodSeconds: SHORT_S },
        },
      },
    });
  });

  after(async () => {
    await rig.close();
  });

  /** The Secret `name` once it holds a CA-issued certificate satisfying `accept`. */
  function issued(
    name: string,
    accept: (leaf: X509Certificate, secret: SecretJson) => boolean = () => true,
    timeoutMs = 90_000,
  ): Promise<{ secret: SecretJson; leaf: X509Certificate }> {
    return rig.eventually(
      `${name} with a certificate`,
      async () => {
        const secret = await rig.secret(name);
        const leaf = leafOf(secret);
        return secret !== undefined && leaf !== undefined && accept(leaf, secret)
          ? { secret, leaf }
          : undefined;
      },
      timeoutMs,
    );
  }

  /** The profile named in each newOrder request for `host`, as the CA received them. */
  function orderedProfiles(host: string): unknown[] {
    return rig.ca
      .orderRequestsFor(host)
      .map((r) => (r.payload as { profile?: unknown } | undefined)?.profile);
  }

  it('issues each Ingress with its profile, renews the short-lived one with the same profile, re-issues on a change, and orders nothing for an unknown profile', async () => {
    await rig.applyIngress('long', ['long.example.test']);
    await rig.applyIngress('short', ['short.example.test'], { 'kube-lego/profile': 'shortlived' });
    await rig.applyIngress('bad', ['bad.example.test'], { 'kube-lego/profile': 'classic' });
    // With several profiles and none named, Pebble picks one at random: the default is named explicitly.
    rig.startController({ ...NGINX_ONLY, LEGO_ACME_PROFILE: 'default' });

    const long = await issued('long-tls');
    const short = await issued('short-tls');
    assert.ok(lifetimeSeconds(long.leaf) > 89 * DAY_S, `default lifetime ${lifetimeSeconds(long.leaf)} s`);
    assert.ok(
      lifetimeSeconds(short.leaf) <= SHORT_S && lifetimeSeconds(short.leaf) > SHORT_S - 10,
      `shortlived lifetime ${lifetimeSeconds(short.leaf)} s`,
    );
    assert.equal(long.secret.metadata?.annotations?.['kube-lego/profile'], 'default');
    assert.equal(short.secret.metadata?.annotations?.['kube-lego/profile'], 'shortlived');
    // Renewal by the certificate's own lifetime (half of 90 s), not 30 days before expiry.
    const renewAt = short.secret.metadata.annotations['kube-lego/renew-at'] ?? '';
    assert.ok(
      Date.parse(renewAt) <= Date.parse(short.leaf.validFrom) + (SHORT_S / 2) * 1000,
      `renew-at ${renewAt} for a certificate from ${short.leaf.validFrom}`,
    );

    // `kube-lego explain` names the profile, read with the user's kubeconfig as the controller decides.
    const explained = await runCli(['explain', 'default/short-tls'], {
      KUBECONFIG: rig.kubeconfig,
      LEGO_URL: rig.ca.directoryUrl,
      LEGO_ACME_PROFILE: 'default',
      HOME: tmpdir(),
    });
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /\nProfile: profile "shortlived"\n/);

    // The unknown profile: an Event on its Ingress naming the value and the offered ones, and no order.
    const refusal = await rig.eventually('an InvalidIngress Event on ingress bad', async () => {
      const events = JSON.parse(
        await rig.kubectl('get', 'events', '-n', 'default', '-o', 'json'),
      ) as EventList;
      return events.items.find(
        (e) =>
          e.involvedObject?.kind === 'Ingress' &&
          e.involvedObject.name === 'bad' &&
          e.reason === 'InvalidIngress',
      );
    });
    assert.match(
      refusal.message ?? '',
      /kube-lego\/profile is "classic" .* offers only default, shortlived, set it to one of them/,
    );

    // The short-lived certificate is renewed before it expires, again with its own profile.
    const renewed = await issued(
      'short-tls',
      (leaf) => leaf.serialNumber !== short.leaf.serialNumber,
      120_000,
    );
    assert.ok(Date.parse(renewed.leaf.validFrom) < Date.parse(short.leaf.validTo), 'renewed before expiry');
    assert.ok(
      lifetimeSeconds(renewed.leaf) <= SHORT_S,
      `renewed lifetime ${lifetimeSeconds(renewed.leaf)} s`,
    );
    assert.equal(renewed.secret.metadata?.annotations?.['kube-lego/profile'], 'shortlived');

    // A changed annotation re-issues at once, with the new profile.
    await rig.kubectl(
      'annotate',
      'ingress',
      'long',
      '-n',
      'default',
      '--overwrite',
      'kube-lego/profile=shortlived',
    );
    const changed = await issued('long-tls', (leaf) => leaf.serialNumber !== long.leaf.serialNumber, 60_000);
    assert.ok(
      lifetimeSeconds(changed.leaf) <= SHORT_S,
      `re-issued lifetime ${lifetimeSeconds(changed.leaf)} s`,
    );
    assert.equal(changed.secret.metadata?.annotations?.['kube-lego/profile'], 'shortlived');

    // What the CA received: every order named the profile of its Ingress; none for the unknown profile.
    const shortOrders = orderedProfiles('short.example.test');
    assert.ok(shortOrders.length >= 2, `${shortOrders.length} order(s) for short.example.test`);
    assert.deepEqual(new Set(shortOrders), new Set(['shortlived']));
    assert.deepEqual(orderedProfiles('long.example.test').slice(0, 2), ['default', 'shortlived']);
    assert.equal(rig.ca.ordersFor('bad.example.test'), 0);
    assert.equal(await rig.secret('bad-tls'), undefined, 'nothing is stored for the unknown profile');
  });
});
