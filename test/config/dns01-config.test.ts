import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { loadConfig, loadDecisionConfig } from '../../src/config/load-config.js';

type Env = Readonly<Record<string, string | undefined>>;
const SECRET = 'c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cw==';
const base: Env = { LEGO_EMAIL: 'certs@example.com' };
const dns01: Env = {
  LEGO_DNS01_RFC2136_NAMESERVER: '10.0.0.53:5353',
  LEGO_DNS01_RFC2136_TSIG_KEY_NAME: 'Kube-Lego.',
  LEGO_DNS01_RFC2136_TSIG_SECRET: SECRET,
};

function problemsFor(env: Env): string[] {
  const result = loadConfig({ ...base, ...env });
  return result.ok ? [] : result.problems.map((p) => `${p.variable}: ${p.message}`);
}

describe('loadConfig() LEGO_DNS01_*', () => {
  it('leaves dns-01 off when LEGO_DNS01_RFC2136_NAMESERVER is unset', () => {
    const result = loadConfig(base);
    assert.ok(result.ok);
    assert.equal(result.config.dns01, undefined);
  });

  it('reads the nameserver, key, algorithm, zones, timeout and default', () => {
    const result = loadConfig({
      ...base,
      ...dns01,
      LEGO_DNS01_RFC2136_TSIG_ALGORITHM: 'HMAC-SHA512',
      LEGO_DNS01_ZONES: 'Example.com., acme.example.net',
      LEGO_DNS01_PROPAGATION_TIMEOUT: '90s',
      LEGO_DNS01_DEFAULT: 'true',
    });
    assert.ok(result.ok, JSON.stringify(result));
    const config = result.config.dns01;
    assert.ok(config !== undefined);
    assert.deepEqual(config.nameserver, { host: '10.0.0.53', port: 5353 });
    assert.equal(config.tsigKeyName, 'kube-lego');
    assert.equal(config.tsigAlgorithm, 'hmac-sha512');
    assert.equal(config.tsigSecret.reveal(), SECRET);
    assert.deepEqual(config.zones, ['example.com', 'acme.example.net']);
    assert.equal(config.propagationTimeoutMs, 90_000);
    assert.equal(config.default, true);
  });

  const servers: [string, { host: string; port: number }][] = [
    ['ns1.example.com', { host: 'ns1.example.com', port: 53 }],
    ['[2001:db8::53]:5300', { host: '2001:db8::53', port: 5300 }],
    ['2001:db8::53', { host: '2001:db8::53', port: 53 }],
  ];
  for (const [value, expected] of servers) {
    it(`reads LEGO_DNS01_RFC2136_NAMESERVER=${value}`, () => {
      const result = loadConfig({ ...base, ...dns01, LEGO_DNS01_RFC2136_NAMESERVER: value });
      assert.ok(result.ok);
      assert.deepEqual(result.config.dns01?.nameserver, expected);
    });
  }

  const refused: [string, Env, RegExp][] = [
    [
      'a nameserver that is no address',
      { LEGO_DNS01_RFC2136_NAMESERVER: 'ns1.example.com:99999' },
      /^LEGO_DNS01_RFC2136_NAMESERVER: Cannot use LEGO_DNS01_RFC2136_NAMESERVER="ns1.example.com:99999": not a server address, expected host:port/,
    ],
    [
      'the nameserver without a key name',
      { LEGO_DNS01_RFC2136_TSIG_KEY_NAME: undefined },
      /^LEGO_DNS01_RFC2136_TSIG_KEY_NAME: Cannot sign updates to LEGO_DNS01_RFC2136_NAMESERVER="10.0.0.53:5353" without a key: set LEGO_DNS01_RFC2136_TSIG_KEY_NAME/,
    ],
    [
      'the nameserver without a secret',
      { LEGO_DNS01_RFC2136_TSIG_SECRET: undefined },
      /^LEGO_DNS01_RFC2136_TSIG_SECRET: .*set LEGO_DNS01_RFC2136_TSIG_SECRET from a Secret/,
    ],
    [
      'a secret that is not base64, without echoing it',
      { LEGO_DNS01_RFC2136_TSIG_SECRET: 'not base64!' },
      /^LEGO_DNS01_RFC2136_TSIG_SECRET: Cannot use LEGO_DNS01_RFC2136_TSIG_SECRET \(value hidden\): not base64/,
    ],
    [
      'an unknown algorithm',
      { LEGO_DNS01_RFC2136_TSIG_ALGORITHM: 'hmac-md5' },
      /^LEGO_DNS01_RFC2136_TSIG_ALGORITHM: Cannot use LEGO_DNS01_RFC2136_TSIG_ALGORITHM="hmac-md5": accepted values are hmac-sha256, hmac-sha512$/,
    ],
    [
      'a zone that is no name',
      { LEGO_DNS01_ZONES: 'example.com,exa mple.org' },
      /^LEGO_DNS01_ZONES: Cannot use LEGO_DNS01_ZONES="example.com,exa mple.org": "exa mple.org" is not a zone name/,
    ],
    [
      'a propagation timeout under 1s',
      { LEGO_DNS01_PROPAGATION_TIMEOUT: '500ms' },
      /^LEGO_DNS01_PROPAGATION_TIMEOUT: Cannot use LEGO_DNS01_PROPAGATION_TIMEOUT="500ms": too short/,
    ],
    [
      'a key without the nameserver',
      { LEGO_DNS01_RFC2136_NAMESERVER: undefined },
      /^LEGO_DNS01_RFC2136_NAMESERVER: Cannot use LEGO_DNS01_RFC2136_TSIG_KEY_NAME without LEGO_DNS01_RFC2136_NAMESERVER/,
    ],
    [
      'LEGO_DNS01_DEFAULT=true without the nameserver',
      { LEGO_DNS01_RFC2136_NAMESERVER: undefined, LEGO_DNS01_DEFAULT: 'true' },
      /^LEGO_DNS01_RFC2136_NAMESERVER: Cannot use LEGO_DNS01_DEFAULT without LEGO_DNS01_RFC2136_NAMESERVER/,
    ],
  ];
  for (const [what, env, message] of refused) {
    it(`refuses ${what}, naming the variable, the value and the fix`, () => {
      const problems = problemsFor({ ...dns01, ...env });
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0] ?? '', message);
      assert.doesNotMatch(problems[0] ?? '', /\.$/);
    });
  }

  it('never shows the TSIG secret in the configuration, its JSON or its inspection', () => {
    const result = loadConfig({ ...base, ...dns01 });
    assert.ok(result.ok);
    const shown = `${JSON.stringify(result.config)} ${inspect(result.config, { depth: 10 })}`;
    assert.ok(!shown.includes(SECRET));
    assert.match(shown, /\[redacted\]/);
  });

  it('loadDecisionConfig() tells kube-lego status whether dns-01 is on and the default', () => {
    const result = loadDecisionConfig({ ...dns01, LEGO_DNS01_DEFAULT: 'true' });
    assert.ok(result.ok);
    assert.deepEqual(result.config.dns01, { configured: true, default: true });
  });
});
