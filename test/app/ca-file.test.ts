import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { controllerSettings, type HostFiles } from '../../src/app/main.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createThrowawayTls } from '../support/throwaway-tls.js';

const disk: HostFiles = {
  exists: (path) => existsSync(path),
  read: (path) => readFileSync(path, 'utf8'),
  cwd: tmpdir(),
};

function configWith(caFile: string): Config {
  const result = loadConfig({ LEGO_EMAIL: 'admin@example.test', LEGO_ACME_CA_FILE: caFile });
  assert.ok(result.ok);
  return result.config;
}

describe('LEGO_ACME_CA_FILE is read once at start-up and reported as a configuration problem (issue 18 defect 9)', () => {
  let dir: string;
  let pem: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ca-file-'));
    pem = (await createThrowawayTls()).caPem;
    await writeFile(join(dir, 'ca.pem'), pem);
    await writeFile(join(dir, 'bundle.pem'), `# private CA\n${pem}${pem}`);
    await writeFile(join(dir, 'not-pem.txt'), 'this is not a certificate\n');
    await writeFile(
      join(dir, 'broken.pem'),
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
    );
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const problemFor = (path: string): string => {
    const result = controllerSettings(configWith(path), disk);
    if (result.ok) assert.fail(`${path} was accepted`);
    assert.equal(result.problems.length, 1);
    const problem = result.problems[0];
    if (problem === undefined) return assert.fail('no problem reported');
    assert.equal(problem.variable, 'LEGO_ACME_CA_FILE');
    assert.equal(problem.code, 'CONFIG_INVALID');
    return problem.message;
  };

  it('accepts a PEM file of one or more CA certificates and hands its content on', () => {
    for (const name of ['ca.pem', 'bundle.pem']) {
      const result = controllerSettings(configWith(join(dir, name)), disk);
      assert.ok(result.ok, name);
      assert.match(result.settings.acmeCaPem ?? '', /-----BEGIN CERTIFICATE-----/);
    }
  });

  it('says a missing file does not exist, naming the path', () => {
    const path = join(dir, 'missing.pem');
    assert.equal(
      problemFor(path),
      `Cannot use LEGO_ACME_CA_FILE=${JSON.stringify(path)}: the file does not exist, expected a PEM file of the CA certificates that sign the ACME server's TLS certificate`,
    );
  });

  it('says a directory is a directory', () => {
    assert.match(
      problemFor(dir),
      /^Cannot use LEGO_ACME_CA_FILE="[^"]+": it is a directory, expected a PEM file/,
    );
  });

  it('says a file without PEM certificates holds none', () => {
    assert.match(
      problemFor(join(dir, 'not-pem.txt')),
      /^Cannot use LEGO_ACME_CA_FILE="[^"]+": it holds no PEM certificate, expected one or more -----BEGIN CERTIFICATE----- blocks/,
    );
  });

  it('says which certificate of the file cannot be parsed', () => {
    assert.match(
      problemFor(join(dir, 'broken.pem')),
      /^Cannot use LEGO_ACME_CA_FILE="[^"]+": certificate 1 of the file is not a valid X\.509 certificate/,
    );
  });
});
