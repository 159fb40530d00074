import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  instructionPairs as pairs,
  parseDockerfile,
  type DockerfileInstruction,
  type DockerfileStage,
  type ParsedDockerfile,
} from '../support/dockerfile.js';

/** The project root, three levels above this compiled test (dist/test/image). */
const root = new URL('../../../', import.meta.url);

const REQUIRED_LABELS = ['version', 'revision', 'source'].map((key) => `org.opencontainers.image.${key}`);
const BUILD_TOOLS = /(^|[\s;&|/])(npm|npx|corepack|yarn)(\s|$)/;

function of(stage: DockerfileStage, keyword: string): DockerfileInstruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The invariants of the image (README "Image", docs/adr/0008-image-build.md), each broken one as a sentence. */
function imageProblems(dockerfile: ParsedDockerfile): string[] {
  const problems: string[] = [];
  if (dockerfile.firstLine !== '# syntax=docker/dockerfile:1') {
    problems.push(`line 1 is "${dockerfile.firstLine}", not the directive "# syntax=docker/dockerfile:1"`);
  }
  const final = dockerfile.stages.at(-1);
  if (final === undefined) return [...problems, 'no FROM'];
  if (dockerfile.stages.length < 2) problems.push('a single stage: the build tools end up in the image');

  // Deleting npm in a RUN of a stage on node:24-slim leaves it in the base's layer: the image starts from
  // scratch with the root filesystem of a stage that removed it.
  if (final.base !== 'scratch') problems.push(`the final stage starts from ${final.base}, not scratch`);
  for (const run of of(final, 'RUN')) {
    if (BUILD_TOOLS.test(run.args)) problems.push(`line ${run.line}: the final stage runs ${run.args}`);
  }
  const rootFrom = of(final, 'COPY')
    .map((copy) => /^--from=(\S+)\s+\/\s+\/$/.exec(copy.args)?.[1])
    .find((name) => name !== undefined);
  const rootStage = dockerfile.stages.find((stage) => rootFrom !== undefined && stage.name === rootFrom);
  const removesNpm = /\brm -rf\b.*\/usr\/local\/lib\/node_modules\b.*\/usr\/local\/bin\/npm\b/;
  if (rootStage === undefined) {
    problems.push('the final stage copies no root filesystem from a stage of this file');
  } else if (!of(rootStage, 'RUN').some((run) => removesNpm.test(run.args))) {
    problems.push(`stage ${rootFrom ?? ''}, the final root filesystem, does not remove npm`);
  }

  const user = of(final, 'USER').at(-1)?.args ?? '';
  if (!/^[1-9]\d*(:\d+)?$/.test(user))
    problems.push(`the final USER is "${user}", not a numeric non-root uid`);

  const labels = new Map(of(final, 'LABEL').flatMap((label) => [...pairs(label.args)]));
  const args = new Map(of(final, 'ARG').flatMap((arg) => [...pairs(arg.args)]));
  for (const key of REQUIRED_LABELS) {
    const variable = /^\$\{(\w+)\}$/.exec(labels.get(key) ?? '')?.[1];
    if (variable === undefined) problems.push(`label ${key} is not set from a build argument`);
    else if ((args.get(variable) ?? '') === '')
      problems.push(`ARG ${variable} (label ${key}) has no default`);
  }
  const env = new Map(of(final, 'ENV').flatMap((instruction) => [...pairs(instruction.args)]));
  if (!(env.get('NODE_OPTIONS') ?? '').includes('--max-semi-space-size=8')) {
    problems.push('NODE_OPTIONS does not bound the semi-spaces (--max-semi-space-size=8)');
  }
  if (!(env.get('NODE_OPTIONS') ?? '').includes('--max-old-space-size-percentage=75')) {
    problems.push(
      "NODE_OPTIONS does not size the heap from the pod's limit (--max-old-space-size-percentage=75)",
    );
  }
  return problems;
}

describe('the Dockerfile', () => {
  it('keeps the image invariants: syntax directive, no npm, numeric user, OCI labels, NODE_OPTIONS', () => {
    const dockerfile = parseDockerfile(readFileSync(new URL('Dockerfile', root), 'utf8'));
    assert.deepEqual(imageProblems(dockerfile), []);
  });

  it('the invariant checks name each one a Dockerfile breaks', () => {
    const broken = [
      '# kube-lego',
      '# syntax=docker/dockerfile:1',
      'FROM node:24-slim',
      'RUN npm ci && \\',
      '    # a comment inside the continuation',
      '    node scripts/bundle.mjs',
      'LABEL org.opencontainers.image.version="1.0.0" \\',
      '      org.opencontainers.image.revision="${REVISION}"',
      'ARG REVISION',
      'USER node',
    ].join('\n');
    assert.deepEqual(imageProblems(parseDockerfile(broken)), [
      'line 1 is "# kube-lego", not the directive "# syntax=docker/dockerfile:1"',
      'a single stage: the build tools end up in the image',
      'the final stage starts from node:24-slim, not scratch',
      'line 4: the final stage runs npm ci && node scripts/bundle.mjs',
      'the final stage copies no root filesystem from a stage of this file',
      'the final USER is "node", not a numeric non-root uid',
      'label org.opencontainers.image.version is not set from a build argument',
      'ARG REVISION (label org.opencontainers.image.revision) has no default',
      'label org.opencontainers.image.source is not set from a build argument',
      'NODE_OPTIONS does not bound the semi-spaces (--max-semi-space-size=8)',
      "NODE_OPTIONS does not size the heap from the pod's limit (--max-old-space-size-percentage=75)",
    ]);
  });
});
