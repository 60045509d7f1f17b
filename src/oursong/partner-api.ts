import type { z } from 'zod'
import { required, type ApiContext, type CallOptions } from './api-context.js'
import {
  aiRapperCreateNftCardResponseSchema,
  aiRapperUseLicenseResponseSchema,
  uploadResponseSchema,
  type AiRapperLicense,
  type UploadResponse,
} from './schemas.js'
import { prepareUpload, type UploadSource } from './upload-file.js'
import { UPLOAD_KINDS, type UploadKind } from './upload-kinds.js'

/** What ai-rapper-create-nft-card answers. */
export type AiRapperNftCard = z.infer<typeof aiRapperCreateNftCardResponseSchema>

/** The parameters of ai-rapper-create-nft-card; the ids come from the upload endpoints. */
export interface NftCardParams {
  /** A vibe on the AI Rapper list. */
  remixFromId: string
  /** `attach_id_encrypt` of a video upload. */
  uploadContentId: string
  /** `attach_id_encrypt` of a photo upload. */
  uploadCoverId: string
  /** `attach_id_encrypt` of an archive upload. */
  uploadAttachId: string
  title: string
  description: string
}

/** The partner part of the OurSong API: uploads and the AI Rapper endpoints. */
export interface PartnerApi {
  /**
   * `POST /api/open-api/attach/upload-{kind}`: streams a file as multipart/form-data.
   * The extension, leading bytes and size are checked first (photo: jpg/jpeg/png up to
   * 100 MB; video: mp4; audio: mp3/wav; archive: zip/rar/mp3/wav; 500 MB), failing with
   * `upload_unsupported_type` or `upload_too_large` before anything is sent. Never retried;
   * the deadline is `uploadTimeoutMs`.
   */
  upload(
    accessToken: string,
    kind: UploadKind,
    file: UploadSource,
    options?: CallOptions,
  ): Promise<UploadResponse>
  /** `upload(accessToken, 'photo', file)`. */
  uploadPhoto(
    accessToken: string,
    file: UploadSource,
    options?: CallOptions,
  ): Promise<UploadResponse>
  /** `upload(accessToken, 'video', file)`. */
  uploadVideo(
    accessToken: string,
    file: UploadSource,
    options?: CallOptions,
  ): Promise<UploadResponse>
  /** `upload(accessToken, 'audio', file)`. */
  uploadAudio(
    accessToken: string,
    file: UploadSource,
    options?: CallOptions,
  ): Promise<UploadResponse>
  /** `upload(accessToken, 'archive', file)`. */
  uploadArchive(
    accessToken: string,
    file: UploadSource,
    options?: CallOptions,
  ): Promise<UploadResponse>
  /** `POST /api/open-api/ai-rapper-use-license`: an order id for remixing a listed vibe. */
  aiRapperUseLicense(
    accessToken: string,
    params: { remixFromId: string },
    options?: CallOptions,
  ): Promise<AiRapperLicense>
  /** `POST /api/open-api/ai-rapper-create-nft-card`: mints the remix as a new vibe. */
  aiRapperCreateNftCard(
    accessToken: string,
    params: NftCardParams,
    options?: CallOptions,
  ): Promise<AiRapperNftCard>
}

/** Builds the {@link PartnerApi} methods. */
export function partnerApi(ctx: ApiContext): PartnerApi {
  const post = <T>(
    path: string,
    accessToken: string,
    form: Record<string, string>,
    schema: z.ZodType<T>,
    options: CallOptions,
  ): Promise<T> =>
    ctx.transport.call({
      method: 'POST',
      template: path,
      path,
      form: { api_key: ctx.apiKey, ...form },
      accessToken: required('accessToken', accessToken),
      schema,
      signal: options.signal,
    })

  const api: PartnerApi = {
    async upload(accessToken, kind, file, options = {}) {
      const { path } = UPLOAD_KINDS[kind]
      required('accessToken', accessToken)
      const multipart = await prepareUpload(kind, file, `POST ${path}`, { api_key: ctx.apiKey })
      return ctx.transport.call({
        method: 'POST',
        template: path,
        path,
        multipart,
        accessToken,
        schema: uploadResponseSchema,
        signal: options.signal,
        timeoutMs: ctx.uploadTimeoutMs,
      })
    },
    uploadPhoto: (token, file, options) => api.upload(token, 'photo', file, options),
    uploadVideo: (token, file, options) => api.upload(token, 'video', file, options),
    uploadAudio: (token, file, options) => api.upload(token, 'audio', file, options),
    uploadArchive: (token, file, options) => api.upload(token, 'archive', file, options),

    aiRapperUseLicense: (accessToken, { remixFromId }, options = {}) =>
      post(
        '/api/open-api/ai-rapper-use-license',
        accessToken,
        { remix_from_id: required('remixFromId', remixFromId) },
        aiRapperUseLicenseResponseSchema,
        options,
      ),

    aiRapperCreateNftCard: (accessToken, params, options = {}) =>
      post(
        '/api/open-api/ai-rapper-create-nft-card',
        accessToken,
        {
          remix_from_id: required('remixFromId', params.remixFromId),
          upload_content_type: 'video',
          upload_content_id: required('uploadContentId', params.uploadContentId),
          upload_cover_id: required('uploadCoverId', params.uploadCoverId),
          upload_attach_id: required('uploadAttachId', params.uploadAttachId),
          title: required('title', params.title),
          description: required('description', params.description),
        },
        aiRapperCreateNftCardResponseSchema,
        options,
      ),
  }
  return api
}
