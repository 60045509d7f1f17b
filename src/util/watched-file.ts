/**
 * A hot-reloading file source that validates before it swaps: the rules file (and the key
 * file) are read and parsed again whenever they change, and a file that fails to read or
 * parse leaves the previous value in force (CONTRACT section 4: new rules apply within 2 s,
 * a broken file is reported in the log and in /metrics, through `onReload`).
 *
 * Changes are noticed two ways, because neither is enough alone: `fs.watch` on the file's
 * directory (prompt; sees atomic rename-over and Kubernetes ConfigMap symlink swaps) and a
 * `stat` poll that follows symlinks (fs.watch misses events on network and overlay
 * filesystems and once the watched directory is replaced). Reloads are serialized, and
 * content whose SHA-256 equals the current one is not parsed again.
 */
import { createHash } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { lstat, stat } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { silentLogger, type Logger } from './logger.js'
import { FileTooLargeError, readLimited } from './read-limited.js'

/** Options of {@link watchFile}. Checked once; a bad one rejects with a `TypeError`. */
export interface WatchedFileOptions<T> {
  /** Path of the file, absolute or relative to the working directory at start; may be a symlink. */
  file: string
  /**
   * Turns the file's text (UTF-8) into a value; throws on an invalid file. The thrown
   * error's message is logged as is, so a parser for a secret file must not quote content.
   */
  parse?: (text: string, file: string) => T
  /**
   * Instead of `parse`: turns the file's bytes into a value asynchronously (the rules file is
   * parsed in a worker thread); rejects on an invalid file. Exactly one of the two is given.
   * An error with `retryable: true` says the parse failed, not the content (a worker that
   * timed out): it is reported once, and the next reload parses the same content again.
   */
  parseBytes?: (bytes: Buffer, file: string) => Promise<T>
  /**
   * Largest file accepted, in bytes; default unlimited. A larger file is rejected with a
   * `FileTooLargeError` before it is read.
   */
  maxBytes?: number
  /** Where reloads and failures are logged; default a silent logger. */
  logger?: Logger
  /** Quiet period after the last watch event before reloading, in milliseconds; default 100. */
  debounceMs?: number
  /** Interval of the `stat` poll that backs up `fs.watch`, in milliseconds; default 1000. */
  pollIntervalMs?: number
  /**
   * Called after every reload that changed something: a new value (`ok: true`), a failure
   * (`ok: false`, reported once per distinct failure), or recovery from a failure to the
   * content already in force (`ok: true`, same hash). Not called for the first load.
   */
  onReload?: (event: ReloadEvent) => void
}

/** Outcome of a reload: the hash now in force, or why the file was rejected. */
export type ReloadEvent =
  { ok: true; file: string; hash: string } | { ok: false; file: string; error: unknown }

/** A file's last good parsed value, kept up to date. */
export interface WatchedFile<T> {
  /** The last good value; synchronous and cheap, for the hot path. */
  current(): T
  /** SHA-256 (hex) of the bytes {@link WatchedFile.current} was parsed from. */
  readonly hash: string
  /**
   * Reads the file now (tests, SIGHUP). Calls arriving while a reload runs share one
   * follow-up reload. Never rejects; after `close()` it reads nothing and reports the
   * hash in force.
   */
  reload(): Promise<ReloadEvent>
  /** Stops the watcher and timers, waiting for a running reload; idempotent. */
  close(): Promise<void>
}

const DEFAULT_DEBOUNCE_MS = 100
const DEFAULT_POLL_INTERVAL_MS = 1000
// setTimeout treats larger delays as 1 ms, which would turn the poll into a busy loop.
const MAX_DELAY_MS = 2 ** 31 - 1

/**
 * Loads `options.file` and keeps the value current until `close()`. Rejects with the read
 * or parse error if the first load fails, so a caller never starts without a value. The
 * watcher and timers never keep the process alive.
 */
export async function watchFile<T>(options: WatchedFileOptions<T>): Promise<WatchedFile<T>> {
  const { file, parse, parseBytes, onReload } = options
  if (typeof file !== 'string' || file === '') {
    throw new TypeError('watchFile: options.file must be a non-empty path')
  }
  if ((typeof parse === 'function') === (typeof parseBytes === 'function')) {
    throw new TypeError('watchFile: give exactly one of options.parse and options.parseBytes')
  }
  const toValue = (bytes: Buffer): T | Promise<T> =>
    parse ? parse(bytes.toString('utf8'), file) : parseBytes!(bytes, file)
  const maxBytes = options.maxBytes ?? Infinity
  if (maxBytes !== Infinity && !(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) {
    throw new TypeError('watchFile: options.maxBytes must be a non-negative integer')
  }
  const debounceMs = delay(options.debounceMs, DEFAULT_DEBOUNCE_MS, 'debounceMs', 0)
  const pollIntervalMs = delay(
    options.pollIntervalMs,
    DEFAULT_POLL_INTERVAL_MS,
    'pollIntervalMs',
    1,
  )
  const log = (options.logger ?? silentLogger()).child({ component: 'watched-file' })
  const path = resolve(file)
  const dir = dirname(path)
  const name = basename(path)

  // Stat before reading: a change racing the read then differs from the recorded signature.
  let signature = await signatureOf(path)
  const firstBytes = await readLimited(path, file, maxBytes)
  let value: T = await toValue(firstBytes)
  let hash = sha256(firstBytes)
  let isSymlink = await isSymbolicLink(path)
  // The failure now reported (content hash or read error code), so it is reported once.
  let failure: { key: string; event: ReloadEvent } | undefined
  let closed = false
  let settleTimer: NodeJS.Timeout | undefined

  const emit = (event: ReloadEvent): void => {
    try {
      onReload?.(event)
    } catch (error) {
      log.error({ file, error: messageOf(error) }, 'onReload listener threw')
    }
  }

  const reject = (key: string, error: unknown): ReloadEvent => {
    if (failure?.key === key) return failure.event
    const event: ReloadEvent = { ok: false, file, error }
    failure = { key, event }
    // The message only: never the content, which may be secret (the key file).
    log.error({ file, error: messageOf(error) }, 'file rejected; keeping the previous value')
    emit(event)
    return event
  }

  const load = async (automatic: boolean): Promise<ReloadEvent> => {
    signature = await signatureOf(path)
    isSymlink = await isSymbolicLink(path)
    let bytes: Buffer
    try {
      bytes = await readLimited(path, file, maxBytes)
    } catch (error) {
      const tooLarge = error instanceof FileTooLargeError
      return reject(tooLarge ? `too-large:${signature}` : `read:${codeOf(error)}`, error)
    }
    // A file still being written (non-atomically) must not be applied half-way: if it
    // changed while we read it, or was modified within the debounce window, try again
    // once it has settled. Atomic renames never get here twice.
    const info = await stat(path).catch(() => undefined)
    const after = await signatureOf(path)
    // A modification time in the future (skewed clocks, network filesystems) says nothing.
    const age = Date.now() - (info?.mtimeMs ?? 0)
    const unsettled = after !== signature || (automatic && age >= 0 && age < debounceMs)
    // Only regular files are written in place; a pipe's times move with every read.
    if (info?.isFile() && unsettled) {
      signature = ''
      settleTimer = setTimeout(() => void reload(true), debounceMs)
      settleTimer.unref()
      return { ok: true, file, hash }
    }
    const nextHash = sha256(bytes)
    if (nextHash === hash) {
      const event: ReloadEvent = { ok: true, file, hash }
      if (failure === undefined) return event
      // Back to the content in force after a failure: /metrics must stop reporting it.
      failure = undefined
      log.info({ file, hash }, 'file restored')
      emit(event)
      return event
    }
    if (failure?.key === nextHash) return failure.event
    let next: T
    try {
      next = await toValue(bytes)
    } catch (error) {
      // Closed while an asynchronous parse ran (and was stopped): nothing to report.
      if (closed) return { ok: true, file, hash }
      // Remembered for this content, or for this content as of this modification only.
      return reject(isRetryable(error) ? `${nextHash}@${signature}` : nextHash, error)
    }
    if (closed) return { ok: true, file, hash }
    value = next
    hash = nextHash
    failure = undefined
    const event: ReloadEvent = { ok: true, file, hash }
    log.info({ file, hash }, 'file reloaded')
    emit(event)
    return event
  }

  // One reload runs at a time; callers arriving meanwhile share one follow-up reload, which
  // reads whatever changed while the first one was reading.
  let running: Promise<ReloadEvent> | undefined
  let queued: Promise<ReloadEvent> | undefined
  const run = (automatic: boolean): Promise<ReloadEvent> => {
    if (closed) return Promise.resolve({ ok: true, file, hash })
    const current = load(automatic).finally(() => {
      running = undefined
    })
    running = current
    return current
  }
  // `automatic`: triggered by the watcher or the poll, which may catch a file mid-write;
  // an explicit reload() (SIGHUP, tests) reads at once.
  const reload = (automatic = false): Promise<ReloadEvent> => {
    if (closed) return Promise.resolve({ ok: true, file, hash })
    if (queued !== undefined) return queued
    if (running === undefined) return run(automatic)
    const next = running.then(() => {
      queued = undefined
      return run(automatic)
    })
    queued = next
    return next
  }

  let debounceTimer: NodeJS.Timeout | undefined
  const onWatchEvent = (filename: string | null): void => {
    // Another entry of the directory cannot change a regular file. A symlink can change
    // through any entry (Kubernetes swaps `..data`), and reloading unchanged content is cheap.
    if (closed || (!isSymlink && filename !== null && filename !== name)) return
    clearTimeout(debounceTimer)
    debounceTimer = setTimeout(() => void reload(true), debounceMs)
    debounceTimer.unref()
  }

  let watcher: FSWatcher | undefined
  let watchedDir: string | undefined
  let watchFailureLogged = false
  // Warn once: the poll keeps working, and it retries the watch every interval.
  const watchFailed = (error: unknown, msg: string): void => {
    const entry = { file, error: messageOf(error) }
    if (watchFailureLogged) log.debug(entry, msg)
    else log.warn(entry, msg)
    watchFailureLogged = true
  }
  const stopWatching = (): void => {
    watcher?.close()
    watcher = undefined
    watchedDir = undefined
  }
  // (Re)starts the directory watcher. A watcher silently stops when its directory is
  // removed or replaced, so the poll restarts it when the directory's identity changes.
  const ensureWatching = async (): Promise<void> => {
    const dirSignature = await signatureOf(dir)
    if (closed || (watcher !== undefined && dirSignature === watchedDir)) return
    stopWatching()
    try {
      const started = watch(dir, { persistent: false }, (_event, filename) =>
        onWatchEvent(filename),
      )
      started.on('error', (error) => {
        watchFailed(error, 'directory watch failed; polling only')
        if (watcher === started) stopWatching()
      })
      watcher = started
      watchedDir = dirSignature
    } catch (error) {
      watchFailed(error, 'cannot watch directory; polling only')
    }
  }

  let pollTimer: NodeJS.Timeout | undefined
  const poll = async (): Promise<void> => {
    await ensureWatching()
    if (!closed && (await signatureOf(path)) !== signature) await reload(true)
    if (closed) return
    pollTimer = setTimeout(() => void poll(), pollIntervalMs)
    pollTimer.unref()
  }

  await ensureWatching()
  pollTimer = setTimeout(() => void poll(), pollIntervalMs)
  pollTimer.unref()

  return {
    current: () => value,
    get hash() {
      return hash
    },
    reload: () => reload(false),
    async close() {
      closed = true
      clearTimeout(debounceTimer)
      clearTimeout(settleTimer)
      clearTimeout(pollTimer)
      stopWatching()
      await (queued ?? running)
    },
  }
}

function delay(value: number | undefined, fallback: number, option: string, min: number): number {
  const ms = value ?? fallback
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < min || ms > MAX_DELAY_MS) {
    throw new TypeError(`watchFile: options.${option} must be between ${min} and ${MAX_DELAY_MS}`)
  }
  return ms
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

// What the poll compares: identity, size and mtime of the file symlinks lead to.
async function signatureOf(path: string): Promise<string> {
  try {
    const s = await stat(path)
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`
  } catch (error) {
    return `error:${codeOf(error)}`
  }
}

async function isSymbolicLink(path: string): Promise<boolean> {
  // Unknown counts as a symlink, which only disables the cheap event filter.
  return lstat(path).then(
    (s) => s.isSymbolicLink(),
    () => true,
  )
}

function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'retryable' in error && !!error.retryable
}

function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code)
  return messageOf(error)
}

// Not `instanceof Error`: errors from another realm (vm, jest) are not instances of ours.
function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String(error.message)
  }
  return String(error)
}
