import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './cli-io.js'

/**
 * `node:util` parseArgs in strict mode, with its errors (unknown flag, missing value)
 * turned into a {@link UsageError} naming the command.
 */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true })
  } catch (err) {
    throw new UsageError(`vibegate ${command}: ${(err as Error).message}`)
  }
}

/** A TCP port from a flag; anything but an integer 0-65535 is a {@link UsageError}. */
export function parsePort(command: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(
      `vibegate ${command}: --port must be an integer from 0 to 65535, got "${value}"`,
    )
  }
  return port
}
