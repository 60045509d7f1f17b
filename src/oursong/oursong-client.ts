import { Agent } from 'undici'
import { silentLogger } from '../util/logger.js'
import { resolveClientOptions, type OurSongClientOptions } from './client-options.js'
import { oauthApi, type OAuthApi } from './oauth-api.js'
import { partnerApi, type PartnerApi } from './partner-api.js'
import { publicApi, type PublicApi } from './public-api.js'
import { createTransport } from './transport.js'
import { userApi, type UserApi } from './user-api.js'

/**
 * A typed client for every endpoint of the OurSong Open API. Every response is validated;
 * every failure is an {@link OurSongError} with a stable code; every call has a deadline;
 * GETs are retried on network errors and 5xx, and identical concurrent GETs share one
 * request. Method groups follow the upstream document's sections.
 */
export interface OurSongClient extends OAuthApi, PublicApi, UserApi, PartnerApi {
  /** Closes the connection pool, when the client created it (not an injected dispatcher). */
  close(): Promise<void>
}

/**
 * Creates an {@link OurSongClient}. Bad options throw a `TypeError` naming each of them.
 *
 * ```ts
 * const oursong = createOurSongClient({ baseUrl: 'https://www.oursong.com', apiKey, apiSecret })
 * const user = await oursong.authUser(accessToken)
 * ```
 */
export function createOurSongClient(options: OurSongClientOptions): OurSongClient {
  const resolved = resolveClientOptions(options)
  const owned = resolved.dispatcher
    ? undefined
    : new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 128 })
  const dispatcher = resolved.dispatcher ?? owned!
  const transport = createTransport({
    baseUrl: resolved.baseUrl,
    dispatcher,
    timeoutMs: resolved.timeoutMs,
    totalTimeoutMs: resolved.totalTimeoutMs,
    retries: resolved.retries,
    retryBaseDelayMs: resolved.retryBaseDelayMs,
    retryMaxDelayMs: resolved.retryMaxDelayMs,
    maxResponseBytes: resolved.maxResponseBytes,
    secrets: [resolved.apiSecret],
    logger: resolved.logger ?? silentLogger(),
    random: resolved.random,
    onCall: resolved.onCall,
  })
  const ctx = {
    transport,
    baseUrl: resolved.baseUrl,
    apiKey: resolved.apiKey,
    apiSecret: resolved.apiSecret,
    uploadTimeoutMs: resolved.uploadTimeoutMs,
  }
  return {
    ...oauthApi(ctx),
    ...publicApi(ctx),
    ...userApi(ctx),
    ...partnerApi(ctx),
    close: async () => {
      await owned?.close()
    },
  }
}
