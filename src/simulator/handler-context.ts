import type { IncomingHttpHeaders } from 'node:http'
import type { UploadKind } from '../oursong/upload-kinds.js'
import type { Clock } from '../util/clock.js'
import type { CodeStore } from './create-code-store.js'
import type { TokenStore } from './create-token-store.js'
import type { World } from './create-world.js'
import type { FixtureApp } from './fixture.js'
import type { Params } from './params.js'
import type { ReceivedFile } from './read-multipart.js'
import type { Reply } from './reply.js'

/** An upload the simulator remembers (metadata only). */
export interface UploadRecord {
  kind: UploadKind
  userId: string
  fileName: string
  url: string
}

/** What every handler may use; one set per simulator. */
export interface SimDeps {
  world: World
  tokens: TokenStore
  codes: CodeStore
  /** attach_id_encrypt -> upload. */
  uploads: Map<string, UploadRecord>
  clock: Clock
  /** Origin used in generated URLs, no trailing slash. */
  publicUrl: string
  /** Only `sign_data` = hex of "hello" is accepted for wallet signatures. */
  strictHello: boolean
}

/** One request as a handler sees it. */
export interface HandlerContext {
  deps: SimDeps
  params: Params
  /** Decoded path parameters, by placeholder name (`vibe_id`, `user_id`, ...). */
  pathParams: Readonly<Record<string, string>>
  headers: IncomingHttpHeaders
  /** The app whose api_key the request carried (checked before the handler for /api/open-api). */
  app: FixtureApp | undefined
  /** The uploaded file of an upload route. */
  file: ReceivedFile | undefined
}

/** A route handler; throwing a `SimError` answers with the upstream's error body. */
export type Handler = (ctx: HandlerContext) => Reply | Promise<Reply>

/** The value of a path parameter (the router guarantees every placeholder is filled). */
export function pathParam(ctx: HandlerContext, name: string): string {
  return ctx.pathParams[name] ?? ''
}
