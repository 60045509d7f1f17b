import busboy from 'busboy'
import type { IncomingMessage } from 'node:http'
import { extensionOf } from '../oursong/upload-kinds.js'
import type { BodyFields } from './params.js'
import { SimError } from './sim-error.js'

/** What was received of an uploaded file (its bytes are counted and discarded). */
export interface ReceivedFile {
  fileName: string
  /** Lower-cased extension without the dot. */
  extension: string
  /** Size in bytes. */
  size: number
}

/** Limits of one multipart body. */
export interface MultipartLimits {
  /**
   * The one accepted file part, named `file`: its byte limit and allowed extensions. Without
   * it, file parts are discarded.
   */
  file?: { maxBytes: number; extensions: readonly string[] }
  /** Limit of each non-file field in bytes (default 1 MiB). */
  maxFieldBytes?: number
}

/**
 * Streams a multipart/form-data body through busboy: fields are collected, the file's bytes
 * are counted and dropped (never buffered). Rejects with 413 as soon as the file exceeds its
 * limit, with 422 for a wrong extension, a second file or an oversized field. On rejection the
 * rest of the body is drained and discarded.
 */
export function readMultipart(
  req: IncomingMessage,
  limits: MultipartLimits,
): Promise<{ fields: BodyFields; file: ReceivedFile | undefined }> {
  return new Promise((resolve, reject) => {
    const fields: BodyFields = new Map()
    let file: ReceivedFile | undefined
    let settled = false
    let parser: busboy.Busboy
    const fail = (error: SimError): void => {
      if (settled) return
      settled = true
      req.unpipe(parser)
      req.resume()
      reject(error)
    }
    try {
      parser = busboy({
        headers: req.headers,
        limits: {
          // busboy reports 'limit' on reaching fileSize; a file of exactly maxBytes is allowed.
          fileSize: (limits.file?.maxBytes ?? Infinity) + 1,
          fieldSize: limits.maxFieldBytes ?? 1024 * 1024,
          fields: 100,
          parts: 110,
        },
      })
    } catch {
      reject(new SimError(400, 'The multipart/form-data body has no valid boundary.'))
      return
    }
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new SimError(413, `The ${name} field is too large.`))
      else fields.set(name, value)
    })
    parser.on('file', (name, stream, info) => {
      const spec = limits.file
      if (!spec || name !== 'file') {
        stream.resume()
        return
      }
      if (file) {
        stream.resume()
        fail(new SimError(422, 'Send exactly one file, in the file field.'))
        return
      }
      const extension = extensionOf(info.filename ?? '')
      if (!spec.extensions.includes(extension)) {
        stream.resume()
        fail(
          new SimError(
            422,
            `The file must be a file of type: ${spec.extensions.join(', ')} (got ${extension === '' ? 'no extension' : `.${extension}`}).`,
          ),
        )
        return
      }
      const received: ReceivedFile = { fileName: info.filename ?? '', extension, size: 0 }
      file = received
      stream.on('data', (chunk: Buffer) => {
        received.size += chunk.length
      })
      stream.on('limit', () => {
        fail(new SimError(413, `The file may not be greater than ${spec.maxBytes} bytes.`))
      })
    })
    parser.on('partsLimit', () => fail(new SimError(413, 'Too many parts in the form.')))
    parser.on('fieldsLimit', () => fail(new SimError(413, 'Too many fields in the form.')))
    parser.on('error', () => fail(new SimError(400, 'The multipart/form-data body is malformed.')))
    parser.on('close', () => {
      if (settled) return
      settled = true
      resolve({ fields, file })
    })
    req.on('error', () => fail(new SimError(400, 'The request body was cut short.')))
    req.pipe(parser)
  })
}
