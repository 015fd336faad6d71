// The whole `tcr-access` command line (commander): the subcommands (doctor, sync, rotate), --version, and how
// errors become exit codes. main.ts runs it.
import { Command, CommanderError } from 'commander';
import { accessCommands } from './access.ts';
import { doctorCommand } from './doctor.ts';
import { EXIT_OK, EXIT_USAGE, type Io } from './doctor/flags.ts';
import { VERSION } from '../version.ts';

/** The whole `tcr-access` CLI. Resolves to the process exit code. */
export async function runCli(argv: string[], io: Io, name = 'tcr-access'): Promise<number> {
  let code = EXIT_OK;
  const program = new Command(name)
    .description('Tools for tcr-access-operator: make Tencent Container Registry (TCR) pulls work, and say why they do not')
    .version(VERSION, '--version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(add --help for usage)');
  program.addCommand(doctorCommand(io, (c) => (code = c)));
  for (const c of accessCommands(io, (c) => (code = c))) program.addCommand(c);
  // addCommand does not copy settings: errors of the subcommands must not exit the process either.
  const settle = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showHelpAfterError('(add --help for usage)');
    cmd.commands.forEach(settle);
  };
  program.commands.forEach(settle);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    // --help and --version exit 0; every other commander error (unknown option, bad choice, missing argument) is a usage error.
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : '';
    io.err(`${name}: ${e instanceof Error ? e.message : String(e)}${cause}\n`);
    return EXIT_USAGE;
  }
}
