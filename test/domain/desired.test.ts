import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  desiredCertificates,
  type DesiredPolicy,
  type DesiredProblemCode,
} from '../../src/domain/desired.js';
import { CHALLENGE_ANNOTATION, challengeForName } from '../../src/domain/challenge-choice.js';
import type { IngressView } from '../../src/domain/types.js';
import {
  OPT_IN,
  desiredPolicy,
  inNamespace,
  ingress,
  withAnnotation,
  withClassName,
  withTls,
  withTlsEntry,
  withUid,
  withoutOptIn,
} from '../support/builders.js';

describe('desiredCertificates() opt-in and class selection', () => {
  const cases: {
    name: string;
    ingress: IngressView;
    policy?: Partial<DesiredPolicy>;
    certificates: number;
    ignored?: string;
  }[] = [
    {
      name: 'selects an ingress annotated "true"',
      ingress: ingress('web', withTls(['a.example'], 's')),
      certificates: 1,
    },
    {
      name: 'accepts the annotation value case-insensitively',
      ingress: ingress('web', withAnnotation(OPT_IN, 'TRUE'), withTls(['a.example'], 's')),
      certificates: 1,
    },
    {
      name: "ignores an ingress without the annotation with kube-lego's log line",
      ingress: ingress('web', withoutOptIn(), withTls(['a.example'], 's')),
      certificates: 0,
      ignored: "ignoring as has no annotation 'kubernetes.io/tls-acme'",
    },
    {
      name: 'ignores an annotation that is not true',
      ingress: ingress('web', withAnnotation(OPT_IN, 'yes'), withTls(['a.example'], 's')),
      certificates: 0,
      ignored: "ignoring as annotation 'kubernetes.io/tls-acme' is not true",
    },
    {
      name: 'reads a custom opt-in annotation key',
      ingress: ingress(
        'web',
        withoutOptIn(),
        withAnnotation('example.com/acme', 'true'),
        withTls(['a.example'], 's'),
      ),
      policy: { annotationKey: 'example.com/acme' },
      certificates: 1,
    },
    {
      name: "ignores an unsupported class from the legacy annotation with kube-lego's log line",
      ingress: ingress(
        'web',
        withAnnotation('kubernetes.io/ingress.class', 'traefik'),
        withTls(['a.example'], 's'),
      ),
      certificates: 0,
      ignored:
        "ignoring as unsupported ingress class 'traefik'. Did you you forget to specify LEGO_DEFAULT_INGRESS_CLASS ?",
    },
    {
      name: 'ignores an empty class annotation as kube-lego did',
      ingress: ingress('web', withAnnotation('kubernetes.io/ingress.class', ''), withTls(['a.example'], 's')),
      certificates: 0,
      ignored:
        "ignoring as unsupported ingress class ''. Did you you forget to specify LEGO_DEFAULT_INGRESS_CLASS ?",
    },
    {
      name: 'reads the class from spec.ingressClassName',
      ingress: ingress('web', withClassName('traefik'), withTls(['a.example'], 's')),
      certificates: 0,
      ignored:
        "ignoring as unsupported ingress class 'traefik'. Did you you forget to specify LEGO_DEFAULT_INGRESS_CLASS ?",
    },
    {
      name: 'compares classes case-insensitively on both sides',
      ingress: ingress('web', withClassName('Nginx-External'), withTls(['a.example'], 's')),
      policy: { supportedClasses: ['NGINX-EXTERNAL'] },
      certificates: 1,
    },
  ];
  for (const c of cases) {
    it(`desiredCertificates() ${c.name}`, () => {
      const state = desiredCertificates([c.ingress], desiredPolicy(c.policy));
      assert.equal(state.certificates.length, c.certificates);
      assert.deepEqual(state.problems, []);
      if (c.ignored !== undefined) assert.equal(state.ignored[0]?.message, c.ignored);
    });
  }
});

describe('desiredCertificates() provider resolution', () => {
  const cases: {
    name: string;
    ingress: IngressView;
    policy?: Partial<DesiredPolicy>;
    provider: string;
    cls: string;
  }[] = [
    {
      name: 'defaults class and provider to nginx',
      ingress: ingress('web', withTls(['a.example'], 's')),
      provider: 'nginx',
      cls: 'nginx',
    },
    {
      name: 'uses class gce as the provider',
      ingress: ingress(
        'web',
        withAnnotation('kubernetes.io/ingress.class', 'GCE'),
        withTls(['a.example'], 's'),
      ),
      provider: 'gce',
      cls: 'gce',
    },
    {
      name: 'uses the default provider for a custom class',
      ingress: ingress('web', withClassName('nginx-external'), withTls(['a.example'], 's')),
      policy: { supportedClasses: ['nginx-external'] },
      provider: 'nginx',
      cls: 'nginx-external',
    },
    {
      name: 'lets the provider annotation win, lower-cased',
      ingress: ingress(
        'web',
        withClassName('gce'),
        withAnnotation('kubernetes.io/ingress.provider', 'NGINX'),
        withTls(['a.example'], 's'),
      ),
      provider: 'nginx',
      cls: 'gce',
    },
  ];
  for (const c of cases) {
    it(`desiredCertificates() ${c.name}`, () => {
      const [certificate] = desiredCertificates([c.ingress], desiredPolicy(c.policy)).certificates;
      assert.equal(certificate?.provider, c.provider);
      assert.equal(certificate.class, c.cls);
    });
  }

  it('desiredCertificates() reports an unknown provider instead of silently skipping it', () => {
    const state = desiredCertificates(
      [
        ingress(
          'web',
          withAnnotation('kubernetes.io/ingress.provider', 'traefik'),
          withTls(['a.example'], 's'),
        ),
      ],
      desiredPolicy(),
    );
    assert.deepEqual(state.certificates, []);
    assert.equal(state.problems.length, 1);
    assert.equal(state.problems[0]?.code, 'UnsupportedProvider');
    assert.match(state.problems[0].message, /provider "traefik" is not supported/);
  });
});

describe('desiredCertificates() hosts and entries', () => {
  it('desiredCertificates() makes one certificate per tls entry', () => {
    const state = desiredCertificates(
      [ingress('web', withTls(['a.example'], 'a-tls'), withTls(['b.example', 'c.example'], 'bc-tls'))],
      desiredPolicy(),
    );
    assert.deepEqual(
      state.certificates.map((c) => [c.key, c.hosts]),
      [
        ['default/a-tls', ['a.example']],
        ['default/bc-tls', ['b.example', 'c.example']],
      ],
    );
  });

  it('desiredCertificates() lower-cases and de-duplicates hosts, keeping their order (bug 16)', () => {
    const state = desiredCertificates(
      [ingress('web', withTls(['B.Example', 'a.example', 'b.example', ' A.EXAMPLE '], 's'))],
      desiredPolicy(),
    );
    assert.deepEqual(state.certificates[0]?.hosts, ['b.example', 'a.example']);
  });

  it('desiredCertificates() keeps the ingress uid and tls index in the source', () => {
    const state = desiredCertificates(
      [ingress('web', withUid('u-1'), withTls(['a.example'], 's'))],
      desiredPolicy(),
    );
    assert.deepEqual(state.certificates[0]?.sources, [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        namespace: 'default',
        name: 'web',
        uid: 'u-1',
        tlsIndex: 0,
        classSource: 'default',
      },
    ]);
  });

  const problems: {
    name: string;
    entry: { hosts?: string[]; secretName?: string };
    policy?: Partial<DesiredPolicy>;
    code: DesiredProblemCode;
    message: RegExp;
  }[] = [
    {
      name: 'reports an entry without hosts',
      entry: { secretName: 's' },
      code: 'NoHosts',
      message: /lists no hosts/,
    },
    {
      name: 'reports an empty secretName up front',
      entry: { hosts: ['a.example'], secretName: '' },
      code: 'EmptySecretName',
      message:
        /^Cannot issue certificate for "a.example": spec.tls\[0\] of ingress "default\/web" has an empty secretName/,
    },
    {
      name: 'reports a missing secretName',
      entry: { hosts: ['a.example'] },
      code: 'EmptySecretName',
      message: /empty secretName/,
    },
    {
      name: 'refuses a wildcard under http-01 (bug 16)',
      entry: { hosts: ['*.example.com'], secretName: 's' },
      code: 'WildcardNeedsDns01',
      message:
        /^Cannot issue certificate for "\*.example.com": wildcard names need the dns-01 challenge, which is not configured: set LEGO_DNS01_RFC2136_NAMESERVER, LEGO_DNS01_RFC2136_TSIG_KEY_NAME and LEGO_DNS01_RFC2136_TSIG_SECRET \(see docs\/dns01.md\)$/,
    },
    {
      name: 'refuses a label longer than 63 characters',
      entry: { hosts: [`${'a'.repeat(64)}.example`], secretName: 's' },
      code: 'InvalidHostName',
      message: /is not a valid DNS label/,
    },
    {
      name: 'refuses a name longer than 253 characters',
      entry: { hosts: [`${'abcdefghi.'.repeat(26)}example`], secretName: 's' },
      code: 'InvalidHostName',
      message: /at most 253 are allowed/,
    },
    {
      name: 'refuses a label starting with a hyphen',
      entry: { hosts: ['-a.example'], secretName: 's' },
      code: 'InvalidHostName',
      message: /label "-a"/,
    },
    {
      name: 'refuses an underscore',
      entry: { hosts: ['a_b.example'], secretName: 's' },
      code: 'InvalidHostName',
      message: /label "a_b"/,
    },
    {
      name: 'refuses a single-label name',
      entry: { hosts: ['localhost'], secretName: 's' },
      code: 'InvalidHostName',
      message: /at least two labels/,
    },
    {
      name: 'refuses a non-ASCII name with a hint to punycode',
      entry: { hosts: ['bücher.example'], secretName: 's' },
      code: 'InvalidHostName',
      message: /punycode/,
    },
    {
      name: 'refuses a trailing dot',
      entry: { hosts: ['a.example.'], secretName: 's' },
      code: 'InvalidHostName',
      message: /label ""/,
    },
    {
      name: 'refuses an IP address for now',
      entry: { hosts: ['192.0.2.1'], secretName: 's' },
      code: 'IpAddressNotSupported',
      message: /shortlived profile/,
    },
    {
      name: 'refuses an IPv6 literal for now',
      entry: { hosts: ['2001:db8::1'], secretName: 's' },
      code: 'IpAddressNotSupported',
      message: /shortlived profile/,
    },
    {
      name: 'refuses more names than the CA allows',
      entry: { hosts: ['a.example', 'b.example', 'c.example'], secretName: 's' },
      policy: { maxNamesPerCertificate: 2 },
      code: 'TooManyNames',
      message: /has 3 names, the CA allows at most 2/,
    },
  ];
  for (const c of problems) {
    it(`desiredCertificates() ${c.name}`, () => {
      const state = desiredCertificates([ingress('web', withTlsEntry(c.entry))], desiredPolicy(c.policy));
      assert.deepEqual(state.certificates, []);
      assert.equal(state.problems.length, 1);
      assert.equal(state.problems[0]?.code, c.code);
      assert.equal(state.problems[0].tlsIndex, 0);
      assert.match(state.problems[0].message, c.message);
      assert.doesNotMatch(state.problems[0].message, /\.$/);
    });
  }

  it('desiredCertificates() accepts a wildcard under dns-01', () => {
    const state = desiredCertificates(
      [ingress('web', withTls(['*.example.com', 'example.com'], 's'))],
      desiredPolicy({ dns01Configured: true }),
    );
    assert.deepEqual(state.problems, []);
    assert.deepEqual(state.certificates[0]?.hosts, ['*.example.com', 'example.com']);
    // The apex stays on http-01: only the wildcard needs dns-01 (a mixed order).
    assert.equal(state.certificates[0].challenge, undefined);
  });

  it('desiredCertificates() never issues a subset: one bad host blocks the whole entry (bug 4)', () => {
    const state = desiredCertificates(
      [ingress('web', withTls(['a.example', '*.b.example'], 's'))],
      desiredPolicy(),
    );
    assert.deepEqual(state.certificates, []);
    assert.deepEqual(state.problems[0]?.hosts, ['a.example', '*.b.example']);
  });

  it('desiredCertificates() keeps valid entries of an ingress that has an invalid one', () => {
    const state = desiredCertificates(
      [ingress('web', withTls(['*.a.example'], 'a-tls'), withTls(['b.example'], 'b-tls'))],
      desiredPolicy(),
    );
    assert.deepEqual(
      state.certificates.map((c) => c.key),
      ['default/b-tls'],
    );
    assert.equal(state.problems.length, 1);
  });
});

describe('desiredCertificates() shared secrets', () => {
  it('desiredCertificates() reports a secret claimed by two entries of one ingress with different hosts on both (bug 11)', () => {
    const state = desiredCertificates(
      [ingress('web', withTls(['a.example'], 's'), withTls(['b.example'], 's'))],
      desiredPolicy(),
    );
    assert.deepEqual(state.certificates, []);
    assert.deepEqual(
      state.problems.map((p) => [p.code, p.tlsIndex]),
      [
        ['SecretConflict', 0],
        ['SecretConflict', 1],
      ],
    );
  });

  it('desiredCertificates() reports a conflict across ingresses on every claimant, whatever the input order', () => {
    const one = ingress('one', withTls(['a.example'], 'shared'));
    const two = ingress('two', withTls(['a.example', 'b.example'], 'shared'));
    for (const order of [
      [one, two],
      [two, one],
    ]) {
      const state = desiredCertificates(order, desiredPolicy());
      assert.deepEqual(state.certificates, []);
      assert.deepEqual(
        state.problems.map((p) => [p.code, p.ingress.name, p.key]),
        [
          ['SecretConflict', 'one', 'default/shared'],
          ['SecretConflict', 'two', 'default/shared'],
        ],
      );
      assert.match(
        state.problems[0]?.message ?? '',
        /claimed with different hosts, providers, challenges or profiles by ingress "default\/one"/,
      );
    }
  });

  it('desiredCertificates() merges the same secret and hosts from two ingresses into one certificate with two sources', () => {
    const state = desiredCertificates(
      [
        ingress('two', withTls(['b.example', 'a.example'], 'shared')),
        ingress('one', withTls(['a.example', 'b.example'], 'shared')),
      ],
      desiredPolicy(),
    );
    assert.deepEqual(state.problems, []);
    assert.equal(state.certificates.length, 1);
    assert.deepEqual(state.certificates[0]?.hosts, ['a.example', 'b.example']);
    assert.deepEqual(
      state.certificates[0].sources.map((s) => s.name),
      ['one', 'two'],
    );
  });

  it('desiredCertificates() treats the same secretName in two namespaces as two secrets', () => {
    const state = desiredCertificates(
      [
        ingress('web', withTls(['a.example'], 's')),
        ingress('web', inNamespace('other'), withTls(['b.example'], 's')),
      ],
      desiredPolicy(),
    );
    assert.deepEqual(
      state.certificates.map((c) => c.key),
      ['default/s', 'other/s'],
    );
  });

  it('desiredCertificates() reports a conflict when the same hosts use different providers', () => {
    const state = desiredCertificates(
      [
        ingress('one', withTls(['a.example'], 's')),
        ingress('two', withClassName('gce'), withTls(['a.example'], 's')),
      ],
      desiredPolicy(),
    );
    assert.deepEqual(state.certificates, []);
    assert.equal(state.problems.length, 2);
  });
});

describe('desiredCertificates() challenge choice', () => {
  const annotated = (value: string) =>
    ingress('web', withTls(['a.example', '*.a.example'], 's'), withAnnotation(CHALLENGE_ANNOTATION, value));

  it('desiredCertificates() puts a certificate on dns-01 when its Ingress is annotated kube-lego/challenge: dns-01', () => {
    const state = desiredCertificates([annotated('DNS-01')], desiredPolicy({ dns01Configured: true }));
    assert.deepEqual(state.problems, []);
    assert.equal(state.certificates[0]?.challenge, 'dns-01');
  });

  it('desiredCertificates() puts every certificate on dns-01 under LEGO_DNS01_DEFAULT unless annotated http-01', () => {
    const policy = desiredPolicy({ dns01Configured: true, challengeType: 'dns-01' });
    const state = desiredCertificates(
      [ingress('a', withTls(['a.example'], 'a')), annotated('http-01')],
      policy,
    );
    assert.deepEqual(state.problems, []);
    assert.deepEqual(
      state.certificates.map((c) => [c.key, c.challenge]),
      [
        ['default/a', 'dns-01'],
        ['default/s', undefined],
      ],
    );
  });

  it('desiredCertificates() refuses an Ingress annotated dns-01 when dns-01 is not configured, saying what to set', () => {
    const state = desiredCertificates(
      [ingress('web', withTls(['a.example'], 's'), withAnnotation(CHALLENGE_ANNOTATION, 'dns-01'))],
      desiredPolicy(),
    );
    assert.deepEqual(state.certificates, []);
    assert.equal(state.problems[0]?.code, 'Dns01NotConfigured');
    assert.match(
      state.problems[0].message,
      /^Cannot issue certificate for "a.example": spec.tls\[0\] of ingress "default\/web" asks for the dns-01 challenge, which is not configured: set LEGO_DNS01_RFC2136_NAMESERVER/,
    );
  });

  it('desiredCertificates() reports two Ingresses naming one Secret with different challenges as a conflict on both', () => {
    const dns = ingress(
      'dns',
      withTls(['a.example'], 'shared'),
      withAnnotation(CHALLENGE_ANNOTATION, 'dns-01'),
    );
    const http = ingress('http', withTls(['a.example'], 'shared'));
    const state = desiredCertificates([http, dns], desiredPolicy({ dns01Configured: true }));
    assert.deepEqual(state.certificates, []);
    assert.deepEqual(
      state.problems.map((p) => [p.code, p.ingress.name]),
      [
        ['SecretConflict', 'dns'],
        ['SecretConflict', 'http'],
      ],
    );
  });

  it('desiredCertificates() refuses an unknown kube-lego/challenge value instead of guessing', () => {
    const state = desiredCertificates([annotated('dns')], desiredPolicy({ dns01Configured: true }));
    assert.deepEqual(state.certificates, []);
    assert.equal(state.problems[0]?.code, 'InvalidChallenge');
    assert.match(
      state.problems[0].message,
      /annotation kube-lego\/challenge is "dns", set it to dns-01 or http-01$/,
    );
  });
});

describe('challengeForName()', () => {
  const cases: [string, 'dns-01' | 'http-01' | undefined, string][] = [
    ['*.a.example', undefined, 'dns-01'],
    ['*.a.example', 'http-01', 'dns-01'],
    ['a.example', undefined, 'http-01'],
    ['a.example', 'http-01', 'http-01'],
    ['a.example', 'dns-01', 'dns-01'],
  ];
  for (const [name, certificate, expected] of cases) {
    it(`challengeForName() proves ${name} of a ${certificate ?? 'default'} certificate over ${expected}`, () => {
      assert.equal(challengeForName(name, certificate), expected);
    });
  }
});
