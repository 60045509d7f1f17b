import { silentLogger, type Logger } from '../util/logger.js'
import { watchFile } from '../util/watched-file.js'
import { keyFileWarnings, KeySetError, parseKeySet, type KeySet } from './key-set.js'

/** What changed when the key file was read again. */
export type KeysReloadEvent =
  | {
      ok: true
      file: string
      /** The kid that signs from now on. */
      signingKid: string
      /** Every published kid, in file order. */
      kids: string[]
    }
  | {
      ok: false
      file: string
      /** Why the file was rejected; the previous keys stay in force. Never quotes key material. */
      error: KeySetError
    }

/** Options of {@link watchKeys}. */
export interface WatchKeysOptions {
  /** The private JWK set (`VIBEGATE_KEYS`); may be a symlink (Kubernetes Secret). */
  file: string
  /** Where reloads, rejections and permission warnings are logged; default silent. */
  logger?: Logger
  /** Called after every reload that changed something (not for the first load). */
  onReload?: (event: KeysReloadEvent) => void
  /** See `watchFile`: defaults 100 ms and 1000 ms. */
  debounceMs?: number
  pollIntervalMs?: number
}

/** The live key set: always a valid one, swapped atomically when the file changes. */
export interface KeysSource {
  /** The keys in force; synchronous and cheap (the issuer calls it per token). */
  current(): KeySet
  /** Reads the file now (SIGHUP, tests). */
  reload(): Promise<void>
  /** Stops watching; idempotent. */
  close(): Promise<void>
}

/**
 * Loads the key file and keeps it current, so a rotated file (a new first key, the old one
 * still listed so its tokens keep verifying) applies without a restart. The first load must
 * succeed: it rejects with a {@link KeySetError}. Afterwards a broken file is logged, problem
 * by problem, and the previous keys stay in force. Nothing that reaches the log quotes the
 * file's content: every parse failure is a `KeySetError` built from field names.
 *
 * @example
 * const keys = await watchKeys({ file: process.env.VIBEGATE_KEYS, logger })
 * const issuer = createTokenIssuer({ keys: keys.current, issuer: publicUrl })
 * // ... on shutdown
 * await keys.close()
 */
export async function watchKeys(options: WatchKeysOptions): Promise<KeysSource> {
  const logger = (options.logger ?? silentLogger()).child({ component: 'keys' })
  const warnAboutPermissions = async (file: string): Promise<void> => {
    for (const warning of await keyFileWarnings(file)) logger.warn({ file }, warning)
  }

  const watched = await watchFile({
    file: options.file,
    parse: (text, file) => {
      try {
        return parseKeySet(text, file)
      } catch (error) {
        // parseKeySet only throws KeySetError; anything else is replaced by a message that
        // cannot carry content, because watchFile logs the message as is.
        if (error instanceof KeySetError) throw error
        throw new KeySetError(file, [`${file}: cannot be parsed`])
      }
    },
    logger,
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    onReload: (event) => {
      if (event.ok) {
        const keys = watched.current()
        const kids = keys.publicJwks.keys.map((k) => k.kid)
        logger.info({ file: event.file, signingKid: keys.signing.kid, kids }, 'keys reloaded')
        void warnAboutPermissions(event.file)
        options.onReload?.({ ok: true, file: event.file, signingKid: keys.signing.kid, kids })
      } else {
        const error =
          event.error instanceof KeySetError
            ? event.error
            : new KeySetError(event.file, [
                `${event.file}: cannot read the file (${codeOf(event.error)})`,
              ])
        for (const problem of error.problems) {
          logger.error(
            { file: event.file, problem },
            'key file rejected; previous keys stay in force',
          )
        }
        options.onReload?.({ ok: false, file: event.file, error })
      }
    },
  }).catch((error: unknown) => {
    if (error instanceof KeySetError) throw error
    // The first read failed (a missing file): name it without the OS message's extras.
    throw new KeySetError(options.file, [
      `${options.file}: cannot read the file (${codeOf(error)})`,
    ])
  })
  await warnAboutPermissions(options.file)
  return {
    current: () => watched.current(),
    reload: async () => {
      await watched.reload()
    },
    close: () => watched.close(),
  }
}

function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code)
  return 'unknown error'
}
