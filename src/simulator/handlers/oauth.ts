/**
 * The OAuth 2 authorization-code flow: `GET /oauth/authorize` (the sign-in form),
 * `POST /oauth/authorize` (its submission) and `POST /oauth/token` (code exchange).
 */
import type { FixtureApp } from '../fixture.js'
import type { Handler, HandlerContext } from '../handler-context.js'
import { renderErrorPage, renderLoginPage } from '../login-page.js'
import { html, json, redirect, type Reply } from '../reply.js'
import { SimError } from '../sim-error.js'

/** `GET /oauth/authorize`: validates client and redirect_uri (400 page), then the form. */
export const authorizePage: Handler = (ctx) => {
  const client = checkClient(ctx, { responseTypeRequired: true })
  if ('reply' in client) return client.reply
  return html(
    renderLoginPage({
      clientId: client.app.api_key,
      redirectUri: client.redirectUri,
      responseType: 'code',
      state: ctx.params.get('state'),
    }),
  )
}

/**
 * `POST /oauth/authorize`: re-validates the client, then `decision=deny` redirects with
 * `error=access_denied`; `approve` with the right username and password redirects with a
 * fresh code (wrong ones: 401 and the form again). `state` is passed back when given.
 */
export const authorizeSubmit: Handler = (ctx) => {
  const client = checkClient(ctx, { responseTypeRequired: false })
  if ('reply' in client) return client.reply
  const state = ctx.params.get('state')
  const decision = ctx.params.get('decision')
  const username = ctx.params.get('username')
  const form = (error: string, status: number): Reply =>
    html(
      renderLoginPage({
        clientId: client.app.api_key,
        redirectUri: client.redirectUri,
        responseType: 'code',
        state,
        username,
        error,
      }),
      status,
    )
  if (decision === 'deny') {
    return redirect(withQuery(client.redirectUri, { error: 'access_denied', state }))
  }
  if (decision !== 'approve') return form('Choose Approve or Deny.', 400)
  const user = username === undefined ? undefined : ctx.deps.world.userByUsername(username)
  const password = ctx.params.get('password')
  if (!user || password === undefined || user.password !== password) {
    return form('Wrong username or password.', 401)
  }
  const code = ctx.deps.codes.create({
    userId: user.id,
    clientId: client.app.api_key,
    redirectUri: client.redirectUri,
  })
  return redirect(withQuery(client.redirectUri, { code, state }))
}

/**
 * `POST /oauth/token` with `grant_type=authorization_code`: wrong client credentials are
 * 401; an unsupported grant, a missing, unknown, used or expired code, or a client_id or
 * redirect_uri other than the code's are 400. The code is consumed by the first attempt,
 * whatever its outcome.
 */
export const token: Handler = (ctx) => {
  const clientId = ctx.params.get('client_id')
  const app = clientId === undefined ? undefined : ctx.deps.world.appByKey(clientId)
  if (!app || ctx.params.get('client_secret') !== app.api_secret) {
    throw new SimError(401, 'Client authentication failed.')
  }
  if (ctx.params.get('grant_type') !== 'authorization_code') {
    throw new SimError(
      400,
      'The authorization grant type is not supported: use authorization_code.',
    )
  }
  const code = ctx.params.get('code')
  if (code === undefined) throw new SimError(400, 'The code is required.')
  const redirectUri = ctx.params.get('redirect_uri')
  const grant = ctx.deps.codes.consume(code)
  if (!grant) throw new SimError(400, 'The authorization code is invalid or was already used.')
  if (ctx.deps.clock.now() >= grant.expiresAt) {
    throw new SimError(400, 'The authorization code has expired.')
  }
  if (grant.clientId !== app.api_key) {
    throw new SimError(400, 'The authorization code was not issued to this client.')
  }
  if (redirectUri !== grant.redirectUri) {
    throw new SimError(
      400,
      `The redirect_uri ${JSON.stringify(redirectUri ?? null)} does not match ${JSON.stringify(grant.redirectUri)}, the one the code was issued for.`,
    )
  }
  const tokens = ctx.deps.tokens.issue(grant.userId)
  return json({
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
  })
}

type ClientCheck = { app: FixtureApp; redirectUri: string } | { reply: Reply }

/** The app of client_id and its exact redirect_uri, or a 400 page (never a redirect). */
function checkClient(ctx: HandlerContext, options: { responseTypeRequired: boolean }): ClientCheck {
  const fail = (title: string, message: string) => ({
    reply: html(renderErrorPage(title, message), 400),
  })
  const clientId = ctx.params.get('client_id')
  const app = clientId === undefined ? undefined : ctx.deps.world.appByKey(clientId)
  if (!app)
    return fail('Unknown application', 'The client_id is missing or not a registered application.')
  const redirectUri = ctx.params.get('redirect_uri')
  if (redirectUri === undefined || !app.redirect_uris.includes(redirectUri)) {
    const registered = app.redirect_uris.map((uri) => JSON.stringify(uri)).join(', ')
    return fail(
      'Redirect URI not registered',
      `${redirectUri === undefined ? 'The redirect_uri is missing' : `The redirect_uri ${JSON.stringify(redirectUri)} is not registered`}; the fixture registers ${registered || 'none'} for the app ${JSON.stringify(app.api_key)} (its redirect_uris). Add it there, or point the gate's VIBEGATE_PUBLIC_URL at a registered origin (its callback is /auth/callback).`,
    )
  }
  const responseType = ctx.params.get('response_type')
  if (responseType !== 'code' && (options.responseTypeRequired || responseType !== undefined)) {
    return fail('Unsupported response type', 'The response_type must be code.')
  }
  return { app, redirectUri }
}

/** `base` with the given parameters set (undefined ones left out), its own query kept. */
function withQuery(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base)
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value)
  }
  return url.toString()
}
