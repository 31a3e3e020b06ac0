/**
 * The `deeperthings` command: thin over the modules (DESIGN.md: cli → broker/planner/worker → shared).
 * Errors a user can fix print as one line and exit non-zero; never a stack trace for bad input.
 */
import { helpText, parseCommand, type Command } from './args.ts';
import { UsageError, ModelFormatError, PlanInfeasibleError } from '../shared/errors.ts';
import { commands } from './commands.ts';
import { installSignalHandlers, stopSignal } from './signals.ts';

function usage(): string {
  const lines = ['Usage: deeperthings <command> [options]', '', 'Commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `deeperthings <command> --help` for the options of one command.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd: Command | undefined = commands.find((c) => c.name === name);
  if (!cmd) throw new UsageError(`unknown command '${name}'. Commands: ${commands.map((c) => c.name).join(', ')}`);
  const { opts, positionals, help } = parseCommand(cmd, rest);
  if (help) {
    process.stdout.write(helpText(cmd) + '\n');
    return 0;
  }
  return cmd.run(opts, positionals);
}

/** Errors caused by the user's input: one line, no stack. */
function isUserError(e: unknown): e is Error {
  return e instanceof UsageError || e instanceof ModelFormatError || e instanceof PlanInfeasibleError ||
    (e instanceof Error && /^[a-z-]+: /.test(e.message) && (e as NodeJS.ErrnoException).code === undefined);
}

installSignalHandlers();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // After a signal, a reconnecting client or a socket must not keep the process alive.
    if (stopSignal()) process.exit(code);
  },
  (e: unknown) => {
    if (isUserError(e)) {
      process.stderr.write(`deeperthings: ${e.message}\n`);
      process.exitCode = e instanceof UsageError ? e.exitCode : 1;
    } else if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') {
      process.stderr.write(`deeperthings: no such file: ${(e as NodeJS.ErrnoException).path}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`deeperthings: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 70;
    }
    // A failed command exits with its reason now, even if a client or a child still holds the loop.
    process.exit(process.exitCode);
  },
);
