import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const cli = fileURLToPath(new URL('../../../dev/cli/main.js', import.meta.url));

describe('kube-lego-dev demo (smoke test)', () => {
  it('obtains, shows and verifies a certificate, then exits 0', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [cli, 'demo'],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 90_000, killSignal: 'SIGKILL' },
        (_error, stdout, stderr) => {
          resolve({ code: child.exitCode, stdout, stderr });
        },
      );
    });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const lines = result.stdout.split('\n');
    const expected = [
      /msg="requesting certificate for myapp.example.test,www.myapp.example.test"/,
      /msg="authorization successful" context=acme domain=(www\.)?myapp\.example\.test/,
      /msg="authorization successful" context=acme domain=(www\.)?myapp\.example\.test/,
      /msg="successfully got certificate: domains=\[myapp.example.test www.myapp.example.test\]/,
      /msg="Secret successfully stored" context=secret name=myingress-tls namespace=default/,
      /The load balancer at 127\.0\.0\.1 serves the new certificate of secret \\?"myingress-tls\\?" for (www\.)?myapp\.example\.test, [\dhm.]*\d+[ms] after it was stored/,
      /The load balancer at 127\.0\.0\.1 serves the new certificate of secret \\?"myingress-tls\\?" for (www\.)?myapp\.example\.test, [\dhm.]*\d+[ms] after it was stored/,
      /^SECRET +HOSTS +ISSUER +NOT AFTER +NEXT RENEWAL$/,
      /^default\/myingress-tls +myapp.example.test,www.myapp.example.test +CN=Pebble Intermediate CA \w+ +\d{4}-\d\d-\d\dT\S+ +\d{4}-\d\d-\d\dT\S+$/,
      /^certificate verified/,
    ];
    let at = -1;
    for (const pattern of expected) {
      const index = lines.findIndex((line, i) => i > at && pattern.test(line));
      assert.ok(index > at, `${String(pattern)} missing or out of order:\n${result.stdout}`);
      at = index;
    }
    const domains = lines.flatMap(
      (line) => /msg="authorization successful" .*domain=(\S+)/.exec(line)?.[1] ?? [],
    );
    assert.deepEqual(domains.sort(), ['myapp.example.test', 'www.myapp.example.test'], 'one line per domain');
    // The temporary certificate is there before the CA's (the order runs meanwhile, so its log lines interleave).
    const temporary = lines.findIndex((line) =>
      /^ {2}temporary self-signed certificate in default\/myingress-tls after \d+ ms \(CN=kube-lego temporary certificate\), until the CA's arrives$/.test(
        line,
      ),
    );
    const stored = lines.findIndex((line) => /msg="Secret successfully stored"/.test(line));
    assert.ok(
      temporary !== -1 && temporary < stored,
      `the temporary certificate comes first:\n${result.stdout}`,
    );
    assert.equal(result.stderr, '');
  });
});
