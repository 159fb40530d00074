import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { unknownVariableWarnings } from '../../src/config/unknown-variables.js';

type Env = Readonly<Record<string, string | undefined>>;
const base: Env = { LEGO_EMAIL: 'certs@example.com' };

function messagesFor(env: Env): string[] {
  const result = loadConfig({ ...base, ...env });
  return result.ok ? [] : result.problems.map((p) => `${p.variable}: ${p.message}`);
}

describe('loadConfig() checks names against the Kubernetes rules (issue 18 defect 9)', () => {
  const refused: [string, string, RegExp][] = [
    [
      'LEGO_NAMESPACE',
      'Kube-Lego',
      /^LEGO_NAMESPACE: Cannot use LEGO_NAMESPACE="Kube-Lego": not a namespace name/,
    ],
    ['LEGO_NAMESPACE', 'kube_lego', /not a namespace name/],
    ['LEGO_NAMESPACE', 'a'.repeat(64), /at most 63 characters/],
    [
      'LEGO_WATCH_NAMESPACE',
      'team.a',
      /^LEGO_WATCH_NAMESPACE: Cannot use LEGO_WATCH_NAMESPACE="team.a": not a namespace name/,
    ],
    ['LEGO_WATCH_NAMESPACE', '-team', /not a namespace name/],
    [
      'LEGO_SECRET_NAME',
      'Kube-Lego-Account',
      /^LEGO_SECRET_NAME: Cannot use LEGO_SECRET_NAME="Kube-Lego-Account": not a Secret name/,
    ],
    ['LEGO_SECRET_NAME', 'account/key', /not a Secret name/],
    ['LEGO_SECRET_NAME', 'a'.repeat(254), /at most 253 characters/],
    [
      'LEGO_KUBE_ANNOTATION',
      'kubernetes.io/',
      /^LEGO_KUBE_ANNOTATION: Cannot use LEGO_KUBE_ANNOTATION="kubernetes.io\/": not an annotation key/,
    ],
    ['LEGO_KUBE_ANNOTATION', 'tls acme', /not an annotation key/],
    ['LEGO_KUBE_ANNOTATION', 'Example.COM/tls-acme', /not an annotation key/],
    ['LEGO_KUBE_ANNOTATION', 'a/b/c', /not an annotation key/],
    ['LEGO_KUBE_ANNOTATION', `example.com/${'x'.repeat(64)}`, /not an annotation key/],
  ];
  for (const [name, value, pattern] of refused) {
    it(`refuses ${name}=${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)}`, () => {
      const messages = messagesFor({ [name]: value });
      assert.ok(
        messages.some((m) => pattern.test(m)),
        `no problem matching ${String(pattern)} in ${JSON.stringify(messages)}`,
      );
    });
  }

  const accepted: [string, string][] = [
    ['LEGO_NAMESPACE', 'kube-lego'],
    ['LEGO_NAMESPACE', 'a'.repeat(63)],
    ['LEGO_WATCH_NAMESPACE', 'team-a1'],
    ['LEGO_SECRET_NAME', 'kube-lego.account-1'],
    ['LEGO_KUBE_ANNOTATION', 'kubernetes.io/tls-acme'],
    ['LEGO_KUBE_ANNOTATION', 'staging.example.com/Tls_Acme.v2'],
    ['LEGO_KUBE_ANNOTATION', 'tls-acme'],
  ];
  for (const [name, value] of accepted) {
    it(`accepts ${name}=${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)}`, () => {
      assert.deepEqual(messagesFor({ [name]: value }), []);
    });
  }
});

describe('unknownVariableWarnings() warns about unknown LEGO_ variables (issue 18 defect 9)', () => {
  const warningsFor = (env: Env) => unknownVariableWarnings({ ...base, ...env });

  it('names the closest known variable for a misspelt LEGO_EMIAL', () => {
    const [warning, ...rest] = warningsFor({ LEGO_EMIAL: 'certs@example.com' });
    assert.deepEqual(rest, []);
    assert.equal(warning?.variable, 'LEGO_EMIAL');
    assert.equal(
      warning.message,
      'Ignoring LEGO_EMIAL: kube-lego has no such variable, did you mean LEGO_EMAIL? (docs/configuration.md lists them all)',
    );
  });

  it('names the closest variable for other typos and never echoes the value', () => {
    const [warning] = warningsFor({ LEGO_EAB_HMAC: 'c2VjcmV0LWhtYWM' });
    assert.match(warning?.message ?? '', /did you mean LEGO_EAB_HMAC_KEY\?/);
    assert.doesNotMatch(warning?.message ?? '', /c2VjcmV0/);
    assert.match(warningsFor({ LEGO_CHECKINTERVAL: '8h' })[0]?.message ?? '', /LEGO_CHECK_INTERVAL\?/);
  });

  it('says nothing about known variables, empty unknown ones or variables without the LEGO_ prefix', () => {
    assert.deepEqual(warningsFor({ LEGO_PORT: '8080', HOME: '/root', KUBECONFIG: 'x', LEGO_UNUSED: '' }), []);
  });
});
