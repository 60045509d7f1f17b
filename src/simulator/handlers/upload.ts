import { randomBytes, randomUUID } from 'node:crypto'
import type { UploadKind } from '../../oursong/upload-kinds.js'
import { requireBearerUser } from '../authenticate.js'
import type { Handler } from '../handler-context.js'
import { json } from '../reply.js'
import { SimError } from '../sim-error.js'

/**
 * `POST /api/open-api/attach/upload-{kind}`: the body was already streamed (size and
 * extension enforced while reading); only metadata is kept. `attach_id_encrypt` is an opaque
 * random string, `attach_file_name` a uuid with the file's extension.
 */
export function uploadHandler(kind: UploadKind): Handler {
  return (ctx) => {
    const user = requireBearerUser(ctx)
    if (!ctx.file) throw new SimError(422, 'The file field is required.')
    const attachId = randomBytes(24).toString('base64url')
    const fileName = `${randomUUID()}.${ctx.file.extension}`
    const url = `${ctx.deps.publicUrl}/attach/${kind}/${fileName}`
    ctx.deps.uploads.set(attachId, { kind, userId: user.id, fileName, url })
    return json({
      status: 'success',
      type: kind,
      attach_id_encrypt: attachId,
      attach_file_name: fileName,
      attach_file_url: url,
    })
  }
}
