import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { systemClock, type Clock } from '../util/clock.js'

/** Who made a change, as the history records it. */
export interface Author {
  /** OurSong user id. */
  id: string
  name: string
  uuid: string
}

/** One saved version of the rules file. */
export interface HistoryEntry {
  /** `<ms since epoch, 13 digits>-<8 hex>`; sorts by time. */
  id: string
  /** ISO 8601. */
  at: string
  /** Undefined for `original`: the file as it was before the console first changed it. */
  who: Author | undefined
  action: 'original' | 'save' | 'rollback'
  /** For `rollback`: the version restored. */
  restored?: string
  /** sha256 (hex) of the content. */
  hash: string
  bytes: number
}

/** Options of {@link createRulesHistory}. */
export interface RulesHistoryOptions {
  /** The rules file; the history lives in `.vibegate-history/` beside it. */
  file: string
  /** Versions kept; the oldest are deleted beyond it. Default 50. */
  maxVersions?: number
  clock?: Clock
}

/** The bounded history of a rules file's versions. */
export interface RulesHistory {
  /** The directory holding it. */
  readonly dir: string
  /** Newest first. */
  list(): Promise<HistoryEntry[]>
  /** The content of a version; undefined for an id that is not well-formed or not kept. */
  read(id: string): Promise<string | undefined>
  /** Records a version and drops the oldest beyond the bound. */
  record(
    content: string,
    hash: string,
    meta: Pick<HistoryEntry, 'who' | 'action' | 'restored'>,
  ): Promise<HistoryEntry>
}

/** Version ids: nothing else is ever joined to the history directory's path. */
export const VERSION_ID = /^\d{13}-[0-9a-f]{8}$/

/**
 * Keeps versions of the rules file as `<id>.yaml` with a `<id>.json` beside it (who, when,
 * what), in `.vibegate-history/<file name>/` next to the file, at most `maxVersions` of them.
 * Ids are checked against {@link VERSION_ID} before any path is built, so no id can name a
 * file outside the directory.
 */
export function createRulesHistory(options: RulesHistoryOptions): RulesHistory {
  const clock = options.clock ?? systemClock
  const maxVersions = options.maxVersions ?? 50
  if (!Number.isInteger(maxVersions) || maxVersions < 2)
    throw new TypeError(`maxVersions must be a whole number of at least 2, got ${maxVersions}`)
  // Ids must sort in the order versions were recorded, even two in the same millisecond.
  let last = 0
  const dir = join(dirname(options.file), '.vibegate-history', basename(options.file))

  const ids = async (): Promise<string[]> => {
    let names: string[]
    try {
      names = await readdir(dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -5))
      .filter((id) => VERSION_ID.test(id))
      .sort()
      .reverse()
  }

  return {
    dir,
    async list() {
      const entries: HistoryEntry[] = []
      for (const id of await ids()) {
        try {
          entries.push(JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as HistoryEntry)
        } catch {
          // A version being pruned by another save: skipped.
        }
      }
      return entries
    },
    async read(id) {
      if (!VERSION_ID.test(id)) return undefined
      try {
        return await readFile(join(dir, `${id}.yaml`), 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },
    async record(content, hash, meta) {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const now = Math.max(clock.now(), last + 1)
      last = now
      const id = `${String(now).padStart(13, '0')}-${randomBytes(4).toString('hex')}`
      const entry: HistoryEntry = {
        id,
        at: new Date(now).toISOString(),
        who: meta.who,
        action: meta.action,
        ...(meta.restored ? { restored: meta.restored } : {}),
        hash,
        bytes: Buffer.byteLength(content),
      }
      // Content first: a listed version always has its content.
      await writeFile(join(dir, `${id}.yaml`), content, { mode: 0o600 })
      await writeFile(join(dir, `${id}.json`), `${JSON.stringify(entry)}\n`, { mode: 0o600 })
      for (const old of (await ids()).slice(maxVersions)) {
        await rm(join(dir, `${old}.json`), { force: true })
        await rm(join(dir, `${old}.yaml`), { force: true })
      }
      return entry
    },
  }
}
