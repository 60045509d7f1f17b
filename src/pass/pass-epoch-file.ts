import { randomBytes } from 'node:crypto'
import { rename, unlink, writeFile } from 'node:fs/promises'

/** A user's revocation: passes of `user` issued at or before `at` (Unix seconds) are refused. */
export interface PassRevocation {
  user: string
  at: number
}

/** The text of the epoch file: `<epoch>\n`, then one `<uuid> <revoked-at>\n` per revocation. */
export function epochFileText(epoch: number, revocations: readonly PassRevocation[]): string {
  let text = `${epoch}\n`
  for (const r of revocations) text += `${r.user} ${r.at}\n`
  return text
}

/**
 * Writes the epoch file atomically: a temporary file beside it, then a rename, so the edge
 * reads the old content or the new, never a part. Several processes may write one file.
 */
export async function writeEpochFile(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(temp, text, { mode: 0o644 })
    await rename(temp, file)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw err
  }
}

/** Removes the epoch file (the edge then falls back to the gate for every pass); absent is fine. */
export async function removeEpochFile(file: string): Promise<void> {
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err
  })
}
