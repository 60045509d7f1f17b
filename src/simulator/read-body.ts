import type { IncomingMessage } from 'node:http'
import { NOT_SCALAR, type BodyFields } from './params.js'
import { readMultipart, type MultipartLimits, type ReceivedFile } from './read-multipart.js'
import { SimError } from './sim-error.js'

/** Default limit of a non-upload request body in bytes: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/** A request body read into parameters, and the uploaded file when there was one. */
export interface ReadBody {
  fields: BodyFields
  file: ReceivedFile | undefined
}

/**
 * Reads the body the way Laravel does: JSON (`application/json`, `*+json`), urlencoded or
 * multipart/form-data become parameters; other types are read and ignored. Bodies other
 * than multipart are bounded by `maxBytes` (413); malformed JSON is 400.
 */
export async function readBody(
  req: IncomingMessage,
  options: { maxBytes: number; multipart: MultipartLimits },
): Promise<ReadBody> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (type === 'multipart/form-data') return readMultipart(req, options.multipart)
  const text = await readText(req, options.maxBytes)
  if (type === 'application/x-www-form-urlencoded') {
    return { fields: new Map(new URLSearchParams(text)), file: undefined }
  }
  if (type === 'application/json' || type.endsWith('+json')) {
    return { fields: jsonFields(text), file: undefined }
  }
  return { fields: new Map(), file: undefined }
}

/** Reads a JSON body that must be an object (controls use it directly). */
export async function readJsonObject(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const text = await readText(req, maxBytes)
  const value = parseJson(text === '' ? '{}' : text)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimError(400, 'The JSON body must be an object.')
  }
  return value as Record<string, unknown>
}

function jsonFields(text: string): BodyFields {
  const fields: BodyFields = new Map()
  if (text.trim() === '') return fields
  const value = parseJson(text)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimError(400, 'The JSON body must be an object.')
  }
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === 'string') fields.set(name, v)
    else if (typeof v === 'number' || typeof v === 'boolean') fields.set(name, String(v))
    else if (v !== null) fields.set(name, NOT_SCALAR)
  }
  return fields
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new SimError(400, 'The body is not valid JSON.')
  }
}

/** The body as UTF-8, refusing (413) as soon as it passes `maxBytes`. */
function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume()
    return Promise.reject(tooLarge(maxBytes))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > maxBytes) {
        req.off('data', onData)
        req.resume()
        reject(tooLarge(maxBytes))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', () => reject(new SimError(400, 'The request body was cut short.')))
  })
}

function tooLarge(maxBytes: number): SimError {
  return new SimError(413, `The request body may not be greater than ${maxBytes} bytes.`)
}
