/** The OurSong Open API client: `import { createOurSongClient } from 'vibegate/oursong'`. */
export { createOurSongClient, type OurSongClient } from './oursong-client.js'
export type { OurSongClientOptions } from './client-options.js'
export type { CallOptions, PageOptions } from './api-context.js'
export type { OAuthApi, WalletSignature } from './oauth-api.js'
export type {
  PublicApi,
  VibeListPage,
  OwnedTokenIdListPage,
  HolderListPage,
  TokenSpecList,
  OptionalTokenOptions,
  UserVibeListOptions,
} from './public-api.js'
export type { UserApi, WalletConnectResponse, WalletDisconnectResponse } from './user-api.js'
export type { PartnerApi, NftCardParams, AiRapperNftCard } from './partner-api.js'
export type { UploadSource } from './upload-file.js'
export { UPLOAD_KINDS, type UploadKind } from './upload-kinds.js'
export { paginate, type PaginateOptions } from './paginate.js'
export { OurSongError, isOurSongError } from './oursong-error.js'
export type { UpstreamCallEvent } from './transport.js'
export type * from './schemas.js'
