/**
 * Every upstream endpoint of `oursong-open-api.txt`: method, path template and handler.
 */
import { UPLOAD_KINDS, type UploadKind } from '../oursong/upload-kinds.js'
import type { Handler } from './handler-context.js'
import { aiRapperCreateNftCard, aiRapperUseLicense } from './handlers/ai-rapper.js'
import { authUser, ownThisVibe } from './handlers/auth-user.js'
import { authorizePage, authorizeSubmit, token } from './handlers/oauth.js'
import { uploadHandler } from './handlers/upload.js'
import { collectedVibeList, createdVibeList, ownedTokenIdList } from './handlers/user-lists.js'
import { holderList, vibeProfile } from './handlers/vibe-profile.js'
import { contentTypeVibeList, tokenSpecList, tokenSpecVibeList } from './handlers/vibe-lists.js'
import { walletConnect, walletDisconnect, walletLogin } from './handlers/wallet.js'

/** One upstream endpoint. */
export interface UpstreamRoute {
  method: 'GET' | 'POST'
  template: string
  handler: Handler
  /** The `api_key` parameter is required and checked before the handler (/api/open-api/*). */
  apiKey: boolean
  /** Upload routes stream a multipart `file` of this kind. */
  upload?: UploadKind
}

const API = '/api/open-api'
const route = (method: 'GET' | 'POST', template: string, handler: Handler): UpstreamRoute => ({
  method,
  template,
  handler,
  apiKey: template.startsWith(`${API}/`),
})

const uploadRoutes = (Object.keys(UPLOAD_KINDS) as UploadKind[]).map((kind): UpstreamRoute => ({
  ...route('POST', UPLOAD_KINDS[kind].path, uploadHandler(kind)),
  upload: kind,
}))

/** The upstream routes, in the order of the upstream document. */
export const UPSTREAM_ROUTES: readonly UpstreamRoute[] = [
  route('GET', '/oauth/authorize', authorizePage),
  route('POST', '/oauth/authorize', authorizeSubmit),
  route('POST', '/oauth/token', token),
  route('POST', `${API}/wallet-login`, walletLogin),
  route('GET', `${API}/token-spec-list`, tokenSpecList),
  route('GET', `${API}/token-spec/{token_spec}/vibe-list`, tokenSpecVibeList),
  route('GET', `${API}/content-type/{content_type}/vibe-list`, contentTypeVibeList),
  route('GET', `${API}/user/{user_id}/collected-vibe-list`, collectedVibeList),
  route('GET', `${API}/user/{user_id}/created-vibe-list`, createdVibeList),
  route('GET', `${API}/user/{user_id}/vibe/{vibe_id}/owned-token-id-list`, ownedTokenIdList),
  route('GET', `${API}/vibe/{vibe_id}/profile`, vibeProfile),
  route('GET', `${API}/vibe/{vibe_id}/holder-list`, holderList),
  route('GET', `${API}/auth-user`, authUser),
  route('GET', `${API}/auth-user/own-this-vibe`, ownThisVibe),
  route('POST', `${API}/wallet-connect`, walletConnect),
  route('POST', `${API}/wallet-disconnect`, walletDisconnect),
  ...uploadRoutes,
  route('POST', `${API}/ai-rapper-use-license`, aiRapperUseLicense),
  route('POST', `${API}/ai-rapper-create-nft-card`, aiRapperCreateNftCard),
]
