import type { Logger } from '../../src/util/logger.js'

/** One line a {@link recordingLogger} received. */
export interface LoggedLine {
  level: string
  obj: object
  msg?: string | undefined
}

/** A logger that keeps every line it is given, for assertions about what was logged. */
export function recordingLogger(): Logger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = []
  const logger = {
    lines,
    debug: (obj: object, msg?: string) => void lines.push({ level: 'debug', obj, msg }),
    info: (obj: object, msg?: string) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg?: string) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj: object, msg?: string) => void lines.push({ level: 'error', obj, msg }),
    child: () => logger,
  }
  return logger
}
