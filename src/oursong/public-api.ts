import type { z } from 'zod'
import {
  pageQuery,
  segment,
  type ApiContext,
  type CallOptions,
  type PageOptions,
} from './api-context.js'
import {
  holderListResponseSchema,
  ownedTokenIdListResponseSchema,
  tokenSpecListResponseSchema,
  vibeListResponseSchema,
  vibeProfileSchema,
  type VibeProfile,
} from './schemas.js'

/** One page of a vibe list. */
export type VibeListPage = z.infer<typeof vibeListResponseSchema>
/** One page of a user's token ids of a vibe. */
export type OwnedTokenIdListPage = z.infer<typeof ownedTokenIdListResponseSchema>
/** One page of a vibe's holders. */
export type HolderListPage = z.infer<typeof holderListResponseSchema>
/** The token specs OurSong supports. */
export type TokenSpecList = z.infer<typeof tokenSpecListResponseSchema>

/** Options of the endpoints whose `Authorization` is optional (it reveals hidden vibes). */
export interface OptionalTokenOptions extends CallOptions {
  /** The user's OurSong access token; shows the hidden vibes that user may see. */
  accessToken?: string
}

/** Filters of a user's collected or created vibes. */
export interface UserVibeListOptions extends PageOptions, OptionalTokenOptions {
  /** Only these token specs, e.g. `['erc721', 'polygon1155']`. */
  tokenSpecs?: readonly string[]
  /** Only these content types: video, audio, photo, 3dmodel, space_theme. */
  contentTypes?: readonly string[]
}

/** The access-token-free part of the OurSong API (vibes, users' vibes, holders). */
export interface PublicApi {
  /** `GET /api/open-api/token-spec-list`: the token specs OurSong supports. */
  tokenSpecList(options?: CallOptions): Promise<TokenSpecList>
  /** `GET /api/open-api/token-spec/{token_spec}/vibe-list`: one page of a spec's vibes. */
  tokenSpecVibeList(tokenSpec: string, options?: PageOptions): Promise<VibeListPage>
  /** `GET /api/open-api/content-type/{content_type}/vibe-list`: one page of a type's vibes. */
  contentTypeVibeList(contentType: string, options?: PageOptions): Promise<VibeListPage>
  /**
   * `GET /api/open-api/user/{user}/collected-vibe-list`: one page of the vibes a user holds.
   * `user` is the user's id or uuid. Fails with `oursong_not_found` for an unknown user.
   */
  collectedVibeList(user: string, options?: UserVibeListOptions): Promise<VibeListPage>
  /** `GET /api/open-api/user/{user}/created-vibe-list`: one page of the vibes a user issued. */
  createdVibeList(user: string, options?: UserVibeListOptions): Promise<VibeListPage>
  /** `GET /api/open-api/user/{user}/vibe/{vibe}/owned-token-id-list`: one page of token ids. */
  ownedTokenIdList(
    user: string,
    vibeId: string,
    options?: PageOptions & OptionalTokenOptions,
  ): Promise<OwnedTokenIdListPage>
  /** `GET /api/open-api/vibe/{vibe}/profile`: title (`name`), images, issuer, external_url. */
  vibeProfile(vibeId: string, options?: OptionalTokenOptions): Promise<VibeProfile>
  /** `GET /api/open-api/vibe/{vibe}/holder-list`: one page of holders with amounts. */
  holderList(vibeId: string, options?: PageOptions & OptionalTokenOptions): Promise<HolderListPage>
}

/** Builds the {@link PublicApi} methods. */
export function publicApi(ctx: ApiContext): PublicApi {
  const get = <T>(
    template: string,
    path: string,
    schema: z.ZodType<T>,
    options: PageOptions & OptionalTokenOptions,
    query: Record<string, string | number | undefined> = {},
  ): Promise<T> =>
    ctx.transport.call({
      method: 'GET',
      template,
      path,
      query: { api_key: ctx.apiKey, ...query },
      accessToken: options.accessToken,
      schema,
      signal: options.signal,
    })

  const userVibeList =
    (kind: 'collected' | 'created') =>
    (user: string, options: UserVibeListOptions = {}): Promise<VibeListPage> =>
      get(
        `/api/open-api/user/{user_id}/${kind}-vibe-list`,
        `/api/open-api/user/${segment('user', user)}/${kind}-vibe-list`,
        vibeListResponseSchema,
        options,
        {
          ...pageQuery(options),
          token_spec: options.tokenSpecs?.join(','),
          content_type: options.contentTypes?.join(','),
        },
      )

  return {
    tokenSpecList: (options = {}) =>
      get(
        '/api/open-api/token-spec-list',
        '/api/open-api/token-spec-list',
        tokenSpecListResponseSchema,
        options,
      ),

    tokenSpecVibeList: (tokenSpec, options = {}) =>
      get(
        '/api/open-api/token-spec/{token_spec}/vibe-list',
        `/api/open-api/token-spec/${segment('tokenSpec', tokenSpec)}/vibe-list`,
        vibeListResponseSchema,
        options,
        pageQuery(options),
      ),

    contentTypeVibeList: (contentType, options = {}) =>
      get(
        '/api/open-api/content-type/{content_type}/vibe-list',
        `/api/open-api/content-type/${segment('contentType', contentType)}/vibe-list`,
        vibeListResponseSchema,
        options,
        pageQuery(options),
      ),

    collectedVibeList: userVibeList('collected'),
    createdVibeList: userVibeList('created'),

    ownedTokenIdList: (user, vibeId, options = {}) =>
      get(
        '/api/open-api/user/{user_id}/vibe/{vibe_id}/owned-token-id-list',
        `/api/open-api/user/${segment('user', user)}/vibe/${segment('vibeId', vibeId)}/owned-token-id-list`,
        ownedTokenIdListResponseSchema,
        options,
        pageQuery(options),
      ),

    vibeProfile: (vibeId, options = {}) =>
      get(
        '/api/open-api/vibe/{vibe_id}/profile',
        `/api/open-api/vibe/${segment('vibeId', vibeId)}/profile`,
        vibeProfileSchema,
        options,
      ),

    holderList: (vibeId, options = {}) =>
      get(
        '/api/open-api/vibe/{vibe_id}/holder-list',
        `/api/open-api/vibe/${segment('vibeId', vibeId)}/holder-list`,
        holderListResponseSchema,
        options,
        pageQuery(options),
      ),
  }
}
