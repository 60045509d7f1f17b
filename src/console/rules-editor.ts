import { createHash, randomBytes } from 'node:crypto'
import { open, readFile, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { RulesLimits } from '../rules/rules-limits.js'
import { checkRulesText, type RulesCheck } from './check-rules-text.js'
import { ConsoleError } from './console-error.js'
import type { Author, HistoryEntry, RulesHistory } from './rules-history.js'

/** The rules file as the console sees it. */
export interface RulesText {
  text: string
  /** sha256 (hex) of `text`: the base a save names, and what the reload status reports. */
  hash: string
}

/** Options of {@link createRulesEditor}. */
export interface RulesEditorOptions {
  file: string
  history: RulesHistory
  limits?: Partial<RulesLimits>
  /** Asks the rules watcher to re-read the file now, once it is written (it would within ~1 s anyway). */
  reload?: () => Promise<void>
}

/** Reads, checks, saves and rolls back the rules file. */
export interface RulesEditor {
  read(): Promise<RulesText>
  /** The checks of `vibegate rules check`, on a text that would replace the file. */
  check(text: string): RulesCheck
  /**
   * Saves `text` when it passes the checks and the file still has `baseHash`: throws
   * `console_rules_invalid` (with the problem lines) or `console_rules_conflict` otherwise.
   */
  save(text: string, baseHash: string, who: Author): Promise<{ hash: string; entry: HistoryEntry }>
  /** Saves a version from the history again (checked like any save). */
  rollback(id: string, who: Author): Promise<{ hash: string; entry: HistoryEntry }>
}

/**
 * The console's access to the rules file. A save is checked exactly as `rules check` would,
 * written atomically (a temporary file in the same directory, flushed, then renamed over the
 * file, keeping its mode), recorded in the history with who saved it, and handed to the rules
 * watcher, whose hot reload puts it in force. Saves are done one at a time.
 */
export function createRulesEditor(options: RulesEditorOptions): RulesEditor {
  const { file, history } = options
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task)
    queue = run.catch(() => undefined)
    return run
  }
  const read = async (): Promise<RulesText> => {
    const text = await readFile(file, 'utf8')
    return { text, hash: sha256(text) }
  }
  const check = (text: string): RulesCheck => checkRulesText(text, file, options.limits)

  const write = async (
    text: string,
    baseHash: string | undefined,
    who: Author,
    meta: Pick<HistoryEntry, 'action' | 'restored'>,
  ): Promise<{ hash: string; entry: HistoryEntry }> => {
    const result = check(text)
    if (!result.ok)
      throw new ConsoleError(
        'console_rules_invalid',
        `${result.problems.length} problem(s)`,
        result.problems.map((p) => p.text),
      )
    const current = await read()
    if (baseHash !== undefined && current.hash !== baseHash)
      throw new ConsoleError('console_rules_conflict', `on disk ${current.hash.slice(0, 12)}`)
    // The version the console first replaces is kept, so the first save can be undone too.
    if ((await history.list()).length === 0)
      await history.record(current.text, current.hash, { who: undefined, action: 'original' })
    await writeAtomically(file, text)
    const hash = sha256(text)
    const entry = await history.record(text, hash, { who, ...meta })
    await options.reload?.()
    return { hash, entry }
  }

  return {
    read,
    check,
    save: (text, baseHash, who) => serial(() => write(text, baseHash, who, { action: 'save' })),
    rollback: (id, who) =>
      serial(async () => {
        const text = await history.read(id)
        if (text === undefined) throw new ConsoleError('console_version_not_found', id.slice(0, 40))
        return write(text, undefined, who, { action: 'rollback', restored: id })
      }),
  }
}

/**
 * Replaces `file` with `text` so that a reader sees the old content or the new, never a part:
 * a temporary file in the same directory (same file system), flushed to disk, renamed over it.
 */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const mode = await stat(file).then(
    (s) => s.mode & 0o777,
    () => 0o644,
  )
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx', mode)
  try {
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(temp, file)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
