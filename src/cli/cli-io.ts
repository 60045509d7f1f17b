/** Where a command writes, injected so commands can be tested without a child process. */
export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /**
   * Resolves when the process is asked to stop (SIGINT or SIGTERM); long-running commands
   * wait on it before shutting down.
   */
  stopRequested: Promise<void>
}

/** A command's result: the process exit code (0 ok, 1 failure, 2 usage). */
export type ExitCode = 0 | 1 | 2

/** A CLI subcommand. */
export interface Command {
  /** The name typed after `vibegate`. */
  name: string
  /** One line for `vibegate --help`. */
  summary: string
  /** The full `--help` text. */
  usage: string
  run(args: string[], io: CliIo): Promise<ExitCode>
}

/** Thrown by argument parsing: the command exits 2 with its usage line. */
export class UsageError extends Error {
  override name = 'UsageError'
}
