import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { loadAll } from 'js-yaml';
import { VERSION } from '../../src/version.js';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { kustomize, REPO_ROOT } from '../support/kustomize.js';

const exec = promisify(execFile);
const REMOTE_BASE = 'https://github.com/kube-lego/kube-lego//deploy/base?ref=v';

interface RenderedObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly data?: Readonly<Record<string, string>>;
  readonly spec?: { readonly template?: { readonly spec: { readonly containers: { image: string }[] } } };
}

function objectsOf(yaml: string): RenderedObject[] {
  return loadAll(yaml) as RenderedObject[];
}

function imagesOf(yaml: string): string[] {
  return objectsOf(yaml).flatMap((o) => o.spec?.template?.spec.containers.map((c) => c.image) ?? []);
}

async function repoFile(path: string): Promise<string> {
  return readFile(join(REPO_ROOT, path), 'utf8');
}

describe('the release', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-release-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has one version: package.json, src/version.ts, the image in deploy/ and release.yaml, the changelog', async () => {
    const { version } = JSON.parse(await repoFile('package.json')) as { version: string };
    assert.match(version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    assert.equal(VERSION, version);
    assert.deepEqual(imagesOf(await kustomize('deploy')), [`kube-lego/kube-lego:${version}`]);
    assert.deepEqual(imagesOf(await repoFile('deploy/release.yaml')), [`kube-lego/kube-lego:${version}`]);
    const example = await repoFile('deploy/examples/remote-overlay/kustomization.yaml');
    assert.ok(
      example.includes(`${REMOTE_BASE}${version}\n`),
      'the remote-overlay example names this release',
    );
    assert.match(example, new RegExp(`newTag: ${version.replaceAll('.', '\\.')}\\n`));
    const changelog = await repoFile('CHANGELOG.md');
    assert.match(
      changelog,
      new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'),
    );
  });

  it('ships the Apache-2.0 text its package.json names', async () => {
    const { license } = JSON.parse(await repoFile('package.json')) as { license: string };
    assert.equal(license, 'Apache-2.0');
    const text = await repoFile('LICENSE');
    assert.match(text, /^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    assert.match(text, /END OF TERMS AND CONDITIONS/);
    assert.equal(text.split('\n').length, 202, 'the full 201-line text');
  });

  it('deploy/release.yaml is what scripts/render-release.sh renders from deploy/ now', async () => {
    const fresh = join(dir, 'release.yaml');
    await exec('bash', [join(REPO_ROOT, 'scripts/render-release.sh'), fresh], { timeout: 60_000 });
    const rendered = await readFile(fresh, 'utf8');
    assert.ok(
      rendered === (await repoFile('deploy/release.yaml')),
      'deploy/release.yaml is stale: run bash scripts/render-release.sh and commit the result',
    );
    // The script's file is kubectl kustomize's output behind a comment header, nothing else.
    assert.equal(rendered.replace(/^(#.*\n)+/, ''), await kustomize('deploy'));
  });

  describe('a remote-base overlay of the user (deploy/examples/remote-overlay, base pointed at this clone)', () => {
    let sandbox: Sandbox;
    let kubeconfig: string;
    let overlay: string;
    let rendered: string;

    const kubectl = async (...args: string[]): Promise<string> =>
      (await exec('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 })).stdout;

    before(async () => {
      sandbox = await startSandbox({ auditLog: false });
      kubeconfig = join(dir, 'kubeconfig');
      await sandbox.writeKubeconfig(kubeconfig);
      // The user's own directory outside the clone, with the example's resource rewritten to a local path.
      overlay = await mkdtemp(join(dir, 'my-platform-'));
      const example = await repoFile('deploy/examples/remote-overlay/kustomization.yaml');
      const remote = `${REMOTE_BASE}${VERSION}`;
      assert.ok(example.includes(remote));
      await writeFile(
        join(overlay, 'kustomization.yaml'),
        example.replace(remote, relative(overlay, join(REPO_ROOT, 'deploy/base'))),
      );
      rendered = await kustomize(overlay);
      await writeFile(join(overlay, 'rendered.yaml'), rendered);
    });

    after(async () => {
      await sandbox.close();
    });

    it('renders the base with the e-mail, the production URL and the image of the overlay', () => {
      const objects = objectsOf(rendered);
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kube-lego');
      assert.deepEqual(configMap?.data, {
        'lego.email': 'platform-team@example.org',
        'lego.url': 'https://acme-v02.api.letsencrypt.org/directory',
      });
      assert.deepEqual(imagesOf(rendered), [`registry.example.org/platform/kube-lego:${VERSION}`]);
      const base = objectsOf(rendered).map(
        (o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`,
      );
      assert.equal(base.length, 10, 'every object of the base');
    });

    it('applies with kubectl apply -k: server dry run with strict validation, then for real', async () => {
      // A server dry run creates nothing, so the namespaced objects need their Namespace to exist already
      // (a real API server answers NotFound just the same).
      await kubectl('create', 'namespace', 'kube-lego');
      const dryRun = await kubectl('apply', '-k', overlay, '--dry-run=server', '--validate=strict');
      assert.match(dryRun, /deployment\.apps\/kube-lego created \(server dry run\)/);
      await assert.rejects(
        kubectl('get', 'deployment', 'kube-lego', '-n', 'kube-lego'),
        /NotFound|not found/,
      );
      const applied = await kubectl('apply', '-k', overlay, '--validate=strict');
      assert.equal(applied.trim().split('\n').length, 10, applied);
      const stored = JSON.parse(
        await kubectl('get', 'configmap', 'kube-lego', '-n', 'kube-lego', '-o', 'json'),
      ) as {
        data: Record<string, string>;
      };
      assert.equal(stored.data['lego.email'], 'platform-team@example.org');
      const image = await kubectl(
        'get',
        'deployment',
        'kube-lego',
        '-n',
        'kube-lego',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      );
      assert.equal(image, `registry.example.org/platform/kube-lego:${VERSION}`);
      // A second apply changes nothing: the overlay is a stable install.
      assert.doesNotMatch(await kubectl('apply', '-k', overlay, '--validate=strict'), /created|configured/);
      // The single-file release passes the same server-side checks over that install.
      const release = await kubectl(
        'apply',
        '-f',
        join(REPO_ROOT, 'deploy/release.yaml'),
        '--dry-run=server',
        '--validate=strict',
      );
      assert.match(release, /deployment\.apps\/kube-lego configured \(server dry run\)/);
    });
  });
});
