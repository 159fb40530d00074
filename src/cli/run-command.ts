import type { ConfigProblem, ConfigWarning } from '../config/config.js';
import { loadConfig } from '../config/load-config.js';
import { unknownVariableWarnings } from '../config/unknown-variables.js';
import { createLogger, type LogSink, type Logger } from '../log/logger.js';
import { Redactor } from '../log/redactor.js';
import { controllerSettings, startController } from '../app/main.js';
import { VERSION } from '../version.js';

export interface RunCommandOptions {
  /** The process environment (only the CLI entry point passes `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where log lines go (stderr). */
  readonly sink: LogSink;
}

function reportWarnings(logger: Logger, warnings: readonly ConfigWarning[]): void {
  for (const warning of warnings)
    logger.warn(warning.message, { context: 'kubelego', variable: warning.variable });
}

function reportProblems(logger: Logger, problems: readonly ConfigProblem[]): void {
  for (const problem of problems)
    logger.error(problem.message, { context: 'kubelego', variable: problem.variable });
  const count =
    problems.length === 1 ? '1 configuration problem' : `${problems.length} configuration problems`;
  logger.error(`Cannot start kube-lego ${VERSION}: ${count}, fix the environment variables named above`, {
    context: 'kubelego',
  });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/**
 * `kube-lego run`: reads the configuration, reports every problem (exit code 1, before doing anything else), or
 * logs the start line and runs the controller. Resolves to the process exit code.
 */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  const result = loadConfig(options.env);
  const unknown = unknownVariableWarnings(options.env);
  const redactor = new Redactor();
  if (!result.ok) {
    const logger = createLogger({ level: 'info', format: result.log.type, sink: options.sink, redactor });
    reportWarnings(logger, [...unknown, ...result.warnings]);
    reportProblems(logger, result.problems);
    return 1;
  }
  const { config } = result;
  const hmacKey = config.acme.externalAccountBinding?.hmacKey;
  if (hmacKey !== undefined) redactor.add(hmacKey.reveal());
  const tsigSecret = config.dns01?.tsigSecret.reveal();
  if (tsigSecret !== undefined && tsigSecret !== '') redactor.add(tsigSecret);
  const logger = createLogger({
    level: config.log.level,
    format: config.log.type,
    sink: options.sink,
    redactor,
  });
  reportWarnings(logger, [...unknown, ...result.warnings]);
  const prepared = controllerSettings(config);
  if (!prepared.ok) {
    reportProblems(logger, prepared.problems);
    return 1;
  }
  logger.info(`kube-lego ${VERSION} starting`, { context: 'kubelego' });
  try {
    await startController(prepared.settings, logger);
    return 0;
  } catch (error) {
    logger.error(error instanceof Error ? error.message : String(error), {
      context: 'kubelego',
      code: errorCode(error),
    });
    return 1;
  }
}
