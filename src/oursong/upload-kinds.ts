/**
 * The four OurSong upload endpoints and what each accepts, from the upstream document.
 * Shared by the client (which checks before sending a byte) and the simulator (which
 * enforces the same limits on what it receives).
 */
export const UPLOAD_KINDS = {
  photo: {
    path: '/api/open-api/attach/upload-photo',
    maxBytes: 100 * 1024 * 1024,
    extensions: ['jpg', 'jpeg', 'png'],
  },
  video: {
    path: '/api/open-api/attach/upload-video',
    maxBytes: 500 * 1024 * 1024,
    extensions: ['mp4'],
  },
  audio: {
    path: '/api/open-api/attach/upload-audio',
    maxBytes: 500 * 1024 * 1024,
    extensions: ['mp3', 'wav'],
  },
  archive: {
    path: '/api/open-api/attach/upload-archive',
    maxBytes: 500 * 1024 * 1024,
    extensions: ['zip', 'rar', 'mp3', 'wav'],
  },
} as const satisfies Record<
  string,
  { path: string; maxBytes: number; extensions: readonly string[] }
>

/** One of `photo`, `video`, `audio`, `archive`. */
export type UploadKind = keyof typeof UPLOAD_KINDS

/** The MIME type sent for each accepted extension. */
export const UPLOAD_MIME_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  zip: 'application/zip',
  rar: 'application/vnd.rar',
}

/** The lower-cased extension of a file name, without the dot, or '' when it has none. */
export function extensionOf(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1)
  const dot = base.lastIndexOf('.')
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase()
}
