import { readFile, stat } from 'node:fs/promises'

/** A file larger than the reader accepts; see {@link readLimited}. */
export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError'
  readonly code = 'file_too_large'
  constructor(
    readonly file: string,
    /** The file's size, in bytes. */
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`${file} is ${size} bytes; at most ${maxBytes} are accepted`)
  }
}

/**
 * Reads a whole file, refusing one larger than `maxBytes` (bytes; `Infinity` for no limit)
 * before reading it, so that a huge file never reaches memory; and after reading, in case it
 * grew in between.
 */
export async function readLimited(path: string, file: string, maxBytes: number): Promise<Buffer> {
  if (maxBytes !== Infinity) {
    const { size } = await stat(path)
    if (size > maxBytes) throw new FileTooLargeError(file, size, maxBytes)
  }
  const bytes = await readFile(path)
  if (bytes.length > maxBytes) throw new FileTooLargeError(file, bytes.length, maxBytes)
  return bytes
}
