/** One instruction of a Dockerfile: its continuation lines joined, comment lines inside it dropped. */
export interface DockerfileInstruction {
  /** Upper-cased: `RUN`, `COPY`, `LABEL`... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

/** A build stage: its FROM and the instructions up to the next FROM. */
export interface DockerfileStage {
  /** The image or stage the stage starts from (`node:24-slim`, `scratch`, `build`). */
  readonly base: string;
  /** The `AS` name, if any. */
  readonly name: string | undefined;
  readonly instructions: readonly DockerfileInstruction[];
}

export interface ParsedDockerfile {
  /** The first line as written (where BuildKit reads the `# syntax=` directive). */
  readonly firstLine: string;
  /** ARG instructions before the first FROM. */
  readonly globalArgs: readonly DockerfileInstruction[];
  readonly stages: readonly DockerfileStage[];
}

function instructions(text: string): DockerfileInstruction[] {
  const lines = text.split('\n');
  const result: DockerfileInstruction[] = [];
  let pending: { line: number; parts: string[] } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    // Docker drops comment and empty lines, also between the continuation lines of one instruction.
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending ??= { line: index + 1, parts: [] };
    pending.parts.push(part);
    if (continued) return;
    const joined = pending.parts.join(' ');
    const space = joined.search(/\s/);
    result.push({
      keyword: (space === -1 ? joined : joined.slice(0, space)).toUpperCase(),
      args: space === -1 ? '' : joined.slice(space + 1).trim(),
      line: pending.line,
    });
    pending = undefined;
  });
  return result;
}

/**
 * Splits a Dockerfile into its stages (the default escape character `\`, no heredocs): enough to check the
 * invariants of kube-lego's own Dockerfile, not a general parser.
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  const globalArgs: DockerfileInstruction[] = [];
  const stages: { base: string; name: string | undefined; instructions: DockerfileInstruction[] }[] = [];
  for (const instruction of instructions(text)) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const as = words.findIndex((word) => word.toUpperCase() === 'AS');
      stages.push({ base: words[0] ?? '', name: as === -1 ? undefined : words[as + 1], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) globalArgs.push(instruction);
    else stage.instructions.push(instruction);
  }
  return { firstLine: text.split('\n')[0] ?? '', globalArgs, stages };
}

/** `key=value` pairs of LABEL, ENV or ARG arguments, values unquoted. */
export function instructionPairs(args: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const [, key = '', value = ''] = match;
    result.set(key, value.startsWith('"') ? value.slice(1, -1) : value);
  }
  return result;
}
