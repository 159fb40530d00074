import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../src/domain/decide.js';
import { desiredCertificates } from '../../src/domain/desired.js';
import { problemEventReason } from '../../src/domain/event-reasons.js';
import {
  PROFILE_ANNOTATION,
  requestedProfile,
  type OfferedProfiles,
  type ProfileRequest,
} from '../../src/domain/profile-choice.js';
import { recordIssued } from '../../src/domain/record-outcome.js';
import { formatIssuanceRecord, parseIssuanceRecord } from '../../src/domain/secret-annotations.js';
import type { ObservedSecret } from '../../src/domain/types.js';
import {
  DAY_MS,
  MINUTE_MS,
  NOW_MS,
  PRODUCTION,
  cert,
  decisionPolicy,
  desired,
  desiredPolicy,
  ingress,
  record,
  withAnnotation,
  withTls,
} from '../support/builders.js';

const PEBBLE = 'https://127.0.0.1:14000/dir';
const offered: OfferedProfiles = { directoryUrl: PEBBLE, names: ['default', 'shortlived'] };

describe('requestedProfile()', () => {
  const cases: {
    name: string;
    annotations: Record<string, string>;
    defaultProfile?: string;
    offered?: OfferedProfiles;
    expected: ProfileRequest | RegExp;
  }[] = [
    {
      name: 'gives the CA default without annotation or default',
      annotations: {},
      expected: { ok: true, profile: undefined },
    },
    {
      name: 'gives LEGO_ACME_PROFILE without annotation',
      annotations: {},
      defaultProfile: 'tlsserver',
      expected: { ok: true, profile: 'tlsserver' },
    },
    {
      name: 'lets the annotation override LEGO_ACME_PROFILE, trimmed',
      annotations: { [PROFILE_ANNOTATION]: ' shortlived ' },
      defaultProfile: 'tlsserver',
      offered,
      expected: { ok: true, profile: 'shortlived' },
    },
    {
      name: 'takes any well-formed name while the directory is not read yet',
      annotations: { [PROFILE_ANNOTATION]: 'classic' },
      expected: { ok: true, profile: 'classic' },
    },
    {
      name: 'refuses a name that is not one token',
      annotations: { [PROFILE_ANNOTATION]: 'short lived' },
      expected: /^annotation kube-lego\/profile is "short lived", set it to a profile name/,
    },
    {
      name: 'refuses a name the directory does not offer, listing the ones it does',
      annotations: { [PROFILE_ANNOTATION]: 'classic' },
      offered,
      expected:
        /^annotation kube-lego\/profile is "classic" and the ACME server at https:\/\/127.0.0.1:14000\/dir offers only default, shortlived, set it to one of them$/,
    },
    {
      name: 'refuses any name at a CA without profiles, naming the CA',
      annotations: { [PROFILE_ANNOTATION]: 'shortlived' },
      offered: { directoryUrl: PEBBLE, names: [] },
      expected:
        /^annotation kube-lego\/profile is "shortlived" and the ACME server at https:\/\/127.0.0.1:14000\/dir offers no profiles, remove the annotation$/,
    },
  ];
  for (const c of cases) {
    it(`requestedProfile() ${c.name}`, () => {
      const got = requestedProfile(c.annotations, c.defaultProfile, c.offered);
      if (c.expected instanceof RegExp) {
        assert.equal(got.ok, false);
        assert.match(got.detail, c.expected);
      } else assert.deepEqual(got, c.expected);
    });
  }
});

describe('desiredCertificates() profile choice', () => {
  const short = (name: string, secretName = `${name}-tls`) =>
    ingress(name, withTls([`${name}.example`], secretName), withAnnotation(PROFILE_ANNOTATION, 'shortlived'));

  it('desiredCertificates() carries the annotated profile, and LEGO_ACME_PROFILE for the others', () => {
    const state = desiredCertificates(
      [short('a'), ingress('b', withTls(['b.example'], 'b-tls'))],
      desiredPolicy({ profile: 'default', offeredProfiles: offered }),
    );
    assert.deepEqual(state.problems, []);
    assert.deepEqual(
      state.certificates.map((c) => [c.key, c.profile]),
      [
        ['default/a-tls', 'shortlived'],
        ['default/b-tls', 'default'],
      ],
    );
  });

  it('desiredCertificates() leaves the profile out when neither the Ingress nor LEGO_ACME_PROFILE names one', () => {
    const state = desiredCertificates([ingress('b', withTls(['b.example'], 'b-tls'))], desiredPolicy());
    assert.equal(state.certificates.length, 1);
    assert.equal('profile' in (state.certificates[0] ?? {}), false);
  });

  it('desiredCertificates() refuses a profile the CA does not offer on its Ingress, naming it, the value and the fix', () => {
    const bad = ingress('web', withTls(['a.example'], 's'), withAnnotation(PROFILE_ANNOTATION, 'classic'));
    const state = desiredCertificates([bad], desiredPolicy({ offeredProfiles: offered }));
    assert.deepEqual(state.certificates, []);
    assert.deepEqual(
      state.problems.map((p) => [p.code, p.ingress.kind, p.ingress.name, p.key]),
      [['InvalidProfile', 'Ingress', 'web', 'default/s']],
    );
    assert.equal(
      state.problems[0]?.message,
      'Cannot issue certificate for "a.example" of ingress "default/web": annotation kube-lego/profile is "classic" and the ACME server at https://127.0.0.1:14000/dir offers only default, shortlived, set it to one of them',
    );
    assert.equal(problemEventReason('InvalidProfile'), 'InvalidIngress');
  });

  it('desiredCertificates() reports two Ingresses naming one Secret with different profiles as a conflict on both', () => {
    const state = desiredCertificates(
      [short('one', 'shared'), ingress('two', withTls(['one.example'], 'shared'))],
      desiredPolicy({ profile: 'default' }),
    );
    assert.deepEqual(state.certificates, []);
    assert.deepEqual(
      state.problems.map((p) => [p.code, p.ingress.name]),
      [
        ['SecretConflict', 'one'],
        ['SecretConflict', 'two'],
      ],
    );
    assert.match(
      state.problems[0]?.message ?? '',
      /profile "shortlived"\) and ingress "default\/two" spec.tls\[0\] \(one.example; provider nginx; profile "default"\)/,
    );
  });

  it('desiredCertificates() lets an Ingress naming the default profile share a Secret with one naming none', () => {
    const named = ingress(
      'one',
      withTls(['a.example'], 'shared'),
      withAnnotation(PROFILE_ANNOTATION, 'default'),
    );
    const state = desiredCertificates(
      [named, ingress('two', withTls(['a.example'], 'shared'))],
      desiredPolicy({ profile: 'default' }),
    );
    assert.deepEqual(state.problems, []);
    assert.deepEqual(
      state.certificates.map((c) => [c.key, c.profile, c.sources.length]),
      [['default/shared', 'default', 2]],
    );
  });
});

describe('decide() and the recorded profile', () => {
  const hosts = ['a.example'];
  const present = (profile: string | undefined): ObservedSecret => ({
    state: 'present',
    cert: cert(hosts),
    record: record({ directoryUrl: PRODUCTION, ...(profile === undefined ? {} : { profile }) }),
  });
  const cases: {
    name: string;
    recorded: string | undefined;
    wanted: string | undefined;
    defaultProfile?: string;
    kind: 'issue' | 'wait';
  }[] = [
    {
      name: 're-issues when the annotation changed the profile',
      recorded: 'default',
      wanted: 'shortlived',
      kind: 'issue',
    },
    {
      name: 'takes the default at the next renewal when the annotation was removed',
      recorded: 'shortlived',
      wanted: undefined,
      kind: 'wait',
    },
    {
      name: 'takes a changed LEGO_ACME_PROFILE at the next renewal, not at once for every certificate',
      recorded: 'classic',
      wanted: 'tlsserver',
      defaultProfile: 'tlsserver',
      kind: 'wait',
    },
    {
      name: 're-issues when the annotation asks for another profile than a changed LEGO_ACME_PROFILE',
      recorded: 'classic',
      wanted: 'shortlived',
      defaultProfile: 'tlsserver',
      kind: 'issue',
    },
    {
      name: 'keeps a certificate of the same profile',
      recorded: 'shortlived',
      wanted: 'shortlived',
      kind: 'wait',
    },
    {
      name: 'takes an unrecorded profile for LEGO_ACME_PROFILE (Secrets written before it was recorded)',
      recorded: undefined,
      wanted: 'tlsserver',
      defaultProfile: 'tlsserver',
      kind: 'wait',
    },
    {
      name: 're-issues an unrecorded profile when the Ingress names another',
      recorded: undefined,
      wanted: 'shortlived',
      kind: 'issue',
    },
  ];
  for (const c of cases) {
    it(`decide() ${c.name}`, () => {
      const want = { ...desired(hosts), ...(c.wanted === undefined ? {} : { profile: c.wanted }) };
      const decision = decide(
        want,
        present(c.recorded),
        NOW_MS,
        decisionPolicy({ profile: c.defaultProfile }),
        0.5,
      );
      assert.equal(decision.kind, c.kind);
      if (decision.kind === 'issue') {
        assert.equal(decision.reason, 'ProfileChanged');
        assert.equal(decision.renewal, undefined);
        assert.match(decision.detail, /^Issuing certificate for a.example: it was issued with /);
      }
    });
  }

  it('decide() opens a new order instead of resuming one recorded before the profile changed', () => {
    const observed: ObservedSecret = {
      state: 'present',
      cert: cert(hosts),
      record: record({
        directoryUrl: PRODUCTION,
        profile: 'default',
        hosts,
        orderUrl: 'https://acme-v02.api.letsencrypt.org/acme/order/1/2',
      }),
    };
    const decision = decide(
      { ...desired(hosts), profile: 'shortlived' },
      observed,
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'issue');
    assert.equal(decision.resumeOrderUrl, undefined);
  });

  it('decide() renews a certificate of minutes at half its lifetime, not 30 days before expiry', () => {
    const notBeforeMs = NOW_MS - 2 * MINUTE_MS;
    const short = cert(hosts, { notBeforeMs, notAfterMs: notBeforeMs + 10 * MINUTE_MS });
    const observed: ObservedSecret = {
      state: 'present',
      cert: short,
      record: record({ directoryUrl: PRODUCTION }),
    };
    const decision = decide(
      desired(hosts),
      observed,
      NOW_MS,
      decisionPolicy({ minimumValidityMs: 30 * DAY_MS }),
      0.5,
    );
    assert.equal(decision.kind, 'wait');
    assert.equal(decision.untilMs, notBeforeMs + 5 * MINUTE_MS);
    const due = decide(desired(hosts), observed, notBeforeMs + 5 * MINUTE_MS, decisionPolicy(), 0.5);
    assert.equal(due.kind === 'issue' ? due.reason : due.kind, 'RenewalDue');
  });

  it('decide() lets an earlier ARI window win over half the lifetime of a short certificate', () => {
    const notBeforeMs = NOW_MS - 2 * MINUTE_MS;
    const short = cert(hosts, { notBeforeMs, notAfterMs: notBeforeMs + 10 * MINUTE_MS });
    const window = { startMs: notBeforeMs + 3 * MINUTE_MS, endMs: notBeforeMs + 4 * MINUTE_MS };
    const observed: ObservedSecret = {
      state: 'present',
      cert: short,
      record: record({ directoryUrl: PRODUCTION, ariWindow: window }),
    };
    const decision = decide(desired(hosts), observed, NOW_MS, decisionPolicy(), 0.5);
    assert.equal(decision.kind, 'wait');
    assert.equal(decision.untilMs, notBeforeMs + 3.5 * MINUTE_MS);
  });
});

describe('the recorded profile', () => {
  it('recordIssued() records the profile and the Secret annotations read it back', () => {
    const issued = recordIssued({
      hosts: ['a.example'],
      directoryUrl: PRODUCTION,
      profile: 'shortlived',
      validity: { notBeforeMs: NOW_MS, notAfterMs: NOW_MS + DAY_MS },
      ingresses: ['default/web'],
      minimumValidityMs: 30 * DAY_MS,
    });
    const annotations = formatIssuanceRecord(issued);
    assert.equal(annotations['kube-lego/profile'], 'shortlived');
    assert.equal(parseIssuanceRecord(annotations).record.profile, 'shortlived');
    const { profile: _dropped, ...without } = issued;
    assert.equal('kube-lego/profile' in formatIssuanceRecord(without), false);
  });
});
