import { openAsBlob } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { FormData } from 'undici'
import { OurSongError } from './oursong-error.js'
import { UPLOAD_KINDS, UPLOAD_MIME_TYPES, extensionOf, type UploadKind } from './upload-kinds.js'

/** A file to upload: a path on disk (streamed, never read whole), or bytes in memory. */
export type UploadSource =
  { path: string; fileName?: string } | { data: Uint8Array | Blob; fileName: string }

const SNIFF_BYTES = 12

/** Leading bytes each accepted extension must start with, so a renamed file is refused. */
const SIGNATURES: Readonly<Record<string, (head: Uint8Array) => boolean>> = {
  jpg: (h) => startsWith(h, [0xff, 0xd8, 0xff]),
  jpeg: (h) => startsWith(h, [0xff, 0xd8, 0xff]),
  png: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  mp4: (h) => ascii(h, 4, 8) === 'ftyp',
  mp3: (h) =>
    ascii(h, 0, 3) === 'ID3' || (h[0] === 0xff && h[1] !== undefined && (h[1] & 0xe0) === 0xe0),
  wav: (h) => ascii(h, 0, 4) === 'RIFF' && ascii(h, 8, 12) === 'WAVE',
  zip: (h) =>
    startsWith(h, [0x50, 0x4b, 0x03, 0x04]) ||
    startsWith(h, [0x50, 0x4b, 0x05, 0x06]) ||
    startsWith(h, [0x50, 0x4b, 0x07, 0x08]),
  rar: (h) => startsWith(h, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]),
}

/**
 * Checks a file against what OurSong accepts for `kind` (extension, leading bytes, size)
 * before a byte is sent, and builds the multipart body: `fields` first (so the upstream can
 * refuse bad credentials before the file), then the file, streamed from a file-backed Blob
 * when it is on disk. Throws `upload_unsupported_type` or `upload_too_large`.
 */
export async function prepareUpload(
  kind: UploadKind,
  source: UploadSource,
  endpoint: string,
  fields: Readonly<Record<string, string>>,
): Promise<FormData> {
  const limits = UPLOAD_KINDS[kind]
  const fileName = 'path' in source ? (source.fileName ?? source.path) : source.fileName
  const baseName = fileName.slice(fileName.lastIndexOf('/') + 1)
  const extension = extensionOf(baseName)
  const accepted: readonly string[] = limits.extensions
  if (!accepted.includes(extension)) {
    throw new OurSongError('upload_unsupported_type', endpoint, {
      detail: `"${baseName}": a ${kind} upload takes ${accepted.join(', ')} files`,
    })
  }
  const size = 'path' in source ? (await stat(source.path)).size : byteSize(source.data)
  if (size > limits.maxBytes) {
    throw new OurSongError('upload_too_large', endpoint, {
      detail: `"${baseName}" is ${size} bytes; a ${kind} upload takes at most ${limits.maxBytes}`,
    })
  }
  const head = await readHead(source)
  if (!SIGNATURES[extension]?.(head)) {
    throw new OurSongError('upload_unsupported_type', endpoint, {
      detail: `"${baseName}" does not start like a .${extension} file`,
    })
  }
  const type = UPLOAD_MIME_TYPES[extension] ?? 'application/octet-stream'
  const blob =
    'path' in source ? await openAsBlob(source.path, { type }) : new Blob([source.data], { type })
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  form.append('file', blob, baseName)
  return form
}

function byteSize(data: Uint8Array | Blob): number {
  return data instanceof Blob ? data.size : data.byteLength
}

async function readHead(source: UploadSource): Promise<Uint8Array> {
  if ('data' in source) {
    const data = source.data
    return data instanceof Blob
      ? new Uint8Array(await data.slice(0, SNIFF_BYTES).arrayBuffer())
      : data.subarray(0, SNIFF_BYTES)
  }
  const handle = await open(source.path, 'r')
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

function startsWith(head: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, i) => head[i] === byte)
}

function ascii(head: Uint8Array, from: number, to: number): string {
  return Buffer.from(head.subarray(from, to)).toString('latin1')
}
