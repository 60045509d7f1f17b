import type { Request, Response } from 'express'

/**
 * Sends an in-memory file with `Accept-Ranges`, answering a single `Range: bytes=` request
 * with 206 (media elements seek with ranges) and an unsatisfiable one with 416. Private
 * caching only: the content is behind the gate.
 */
export function sendBytes(req: Request, res: Response, bytes: Buffer, type: string): void {
  res.set({
    'Content-Type': type,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, max-age=60',
    'X-Content-Type-Options': 'nosniff',
  })
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '')
  if (!range || (!range[1] && !range[2])) return void res.status(200).send(bytes)
  const size = bytes.length
  // "bytes=-N" asks for the last N bytes.
  const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]))
  const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1
  if (start >= size || start > end) {
    res.set('Content-Range', `bytes */${size}`)
    return void res.status(416).end()
  }
  res.set('Content-Range', `bytes ${start}-${end}/${size}`)
  res.status(206).send(bytes.subarray(start, end + 1))
}
