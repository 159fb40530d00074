import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { instructionPairs, parseDockerfile } from '../test/support/dockerfile.js';
import { projectRoot } from './tool-paths.js';

/**
 * The NODE_OPTIONS the image sets (`ENV NODE_OPTIONS=...` of the Dockerfile's final stage), read from the
 * file so the benchmark's controller runs as the image runs and the Dockerfile stays the one place the
 * value is written. An empty string when the image sets none.
 */
export function imageNodeOptions(root = projectRoot()): string {
  const dockerfile = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const final = dockerfile.stages.at(-1);
  const env = (final?.instructions ?? []).filter((instruction) => instruction.keyword === 'ENV');
  let value = '';
  for (const instruction of env) value = instructionPairs(instruction.args).get('NODE_OPTIONS') ?? value;
  return value;
}
