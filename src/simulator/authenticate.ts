import type { FixtureApp, FixtureUser } from './fixture.js'
import type { HandlerContext, SimDeps } from './handler-context.js'
import type { Params } from './params.js'
import { SimError } from './sim-error.js'

/** The app named by the `api_key` parameter; 401 when it is missing or unknown. */
export function requireApp(deps: SimDeps, params: Params): FixtureApp {
  const apiKey = params.get('api_key')
  if (apiKey === undefined) throw new SimError(401, 'The api_key is required.')
  const app = deps.world.appByKey(apiKey)
  if (!app) throw new SimError(401, 'The api_key is invalid.')
  return app
}

/**
 * The user of the `Authorization: Bearer` token, or undefined when there is no
 * Authorization header. A header that is present but not a valid, unexpired Bearer token is
 * 401, even where the token is optional.
 */
export function optionalBearerUser(ctx: HandlerContext): FixtureUser | undefined {
  const header = ctx.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer +(\S+) *$/i.exec(header)
  const token = match?.[1]
  if (token === undefined)
    throw new SimError(401, 'The Authorization header must be "Bearer <access token>".')
  const userId = ctx.deps.tokens.resolve(token)
  const user = userId === undefined ? undefined : ctx.deps.world.userById(userId)
  if (!user) throw new SimError(401, 'Unauthenticated: the access token is invalid or expired.')
  return user
}

/** The user of the Bearer token; 401 when there is none or it is invalid. */
export function requireBearerUser(ctx: HandlerContext): FixtureUser {
  const user = optionalBearerUser(ctx)
  if (!user)
    throw new SimError(401, 'Unauthenticated: an Authorization: Bearer access token is required.')
  return user
}
