import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VERSION } from '../../src/version.js';
import { runCli } from '../e2e/controller-process.js';

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('kube-lego CLI', () => {
  it('--version prints the version', async () => {
    const run = await runCli(['--version'], {});
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `${VERSION}\n`);
  });

  it('with a bad environment exits 1 and prints every problem to stderr in text format', async () => {
    const run = await runCli([], {
      LEGO_PORT: '0',
      LEGO_LOG_TYPE: 'xml',
      LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx',
    });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 4, run.stderr);
    for (const line of lines) assert.match(line, /^time="[^"]+" level=error msg="[^\n]+" context=kubelego/);
    assert.match(
      lines[0]!,
      /msg="Please provide an email address in LEGO_EMAIL: .*" context=kubelego variable=LEGO_EMAIL$/,
    );
    assert.match(
      lines[1]!,
      /msg="Cannot use LEGO_PORT=\\"0\\": wrong port, accepted are integers from 1 to 65534" context=kubelego variable=LEGO_PORT$/,
    );
    assert.match(
      lines[2]!,
      /msg="Cannot use LEGO_LOG_TYPE=\\"xml\\": accepted values are text, json" context=kubelego variable=LEGO_LOG_TYPE$/,
    );
    assert.match(
      lines[3]!,
      /msg="Cannot start kube-lego .*: 3 configuration problems, fix the environment variables named above"/,
    );
  });

  it('with a bad environment and LEGO_LOG_TYPE=json prints the problems as JSON lines', async () => {
    const run = await runCli([], {
      LEGO_EMAIL: 'certs@example.com',
      LEGO_LOG_TYPE: 'json',
      LEGO_CHECK_INTERVAL: '1m',
      LEGO_EAB_KEY_ID: 'kid-1',
    });
    assert.equal(run.code, 1);
    const lines = jsonLines(run.stderr);
    assert.deepEqual(
      lines.map((line) => [line.level, line.variable]),
      [
        ['warning', 'LEGO_POD_IP'],
        ['error', 'LEGO_CHECK_INTERVAL'],
        ['error', 'LEGO_EAB_HMAC_KEY'],
        ['error', undefined],
      ],
    );
    assert.equal(
      lines[1]!.msg,
      'Cannot use LEGO_CHECK_INTERVAL="1m": the minimum check interval is 5 minutes, accepted are durations of 5m or longer',
    );
  });

  it('with a valid environment but no reachable API server logs the start line, names the URL and exits 1', async () => {
    const run = await runCli([], {
      LEGO_EMAIL: 'certs@example.com',
      LEGO_LOG_TYPE: 'json',
      LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx',
      // Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
      LEGO_KUBE_API_URL: 'http://127.0.0.1:9',
    });
    const lines = jsonLines(run.stderr);
    assert.deepEqual(lines[0], {
      context: 'kubelego',
      level: 'info',
      msg: `kube-lego ${VERSION} starting`,
      time: lines[0]!.time,
    });
    assert.equal(lines[1]!.msg, 'connecting to kubernetes api: http://127.0.0.1:9');
    const failure = lines[2]!;
    assert.equal(failure.level, 'error');
    assert.equal(failure.code, 'kubeConnectionInvalid');
    assert.match(String(failure.msg), /^Cannot connect to the Kubernetes API at http:\/\/127\.0\.0\.1:9: /);
    assert.match(String(failure.msg), /KUBECONFIG or LEGO_KUBE_API_URL/);
    assert.equal(run.code, 1);
  });
});
