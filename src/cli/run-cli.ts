import type { CliIo, Command, ExitCode } from './cli-io.js'
import { UsageError } from './cli-io.js'
import { keysCommand } from './keys-command.js'
import { demoCommand } from './demo-command.js'
import { rulesCommand } from './rules-command.js'
import { serveCommand } from './serve-command.js'
import { simulatorCommand } from './simulator-command.js'

/** Every command `vibegate` knows, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  demoCommand,
  keysCommand,
  rulesCommand,
  simulatorCommand,
]

function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)
  return `Usage: vibegate <command> [options]

Commands:
${lines.join('\n')}

Run 'vibegate <command> --help' for a command's options.`
}

/**
 * Runs `vibegate` with `argv` (the arguments after the program name) and returns the exit
 * code: 0 ok, 1 failure, 2 an unknown command or flag (with a usage line on stderr).
 */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${mainUsage()}\n`)
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    io.stderr.write(`vibegate: unknown command "${name}"\n${mainUsage()}\n`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${err.message}\n${command.usage.split('\n')[0]}\n`)
      return 2
    }
    throw err
  }
}
