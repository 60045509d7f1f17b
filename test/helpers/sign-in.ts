import { expect } from '@jest/globals'
import { Browser } from './auth-app.js'

/**
 * Signs `username` in at a gate through the simulator's OAuth login page, as a browser
 * would; returns the `vibegate_session` cookie's value. The user's password is
 * `<username>-pass` in the test fixtures.
 */
export async function signInWithOAuth(
  simUrl: string,
  gateUrl: string,
  username: string,
): Promise<string> {
  const browser = new Browser()
  const login = await browser.request(`${gateUrl}/auth/login?return_to=/`)
  const authorize = new URL(login.headers.get('location')!)
  const approved = await browser.request(`${simUrl}/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username,
      password: `${username}-pass`,
      client_id: authorize.searchParams.get('client_id')!,
      redirect_uri: authorize.searchParams.get('redirect_uri')!,
      response_type: 'code',
      state: authorize.searchParams.get('state')!,
      decision: 'approve',
    }),
  })
  const callback = new URL(approved.headers.get('location')!)
  const done = await browser.request(`${gateUrl}${callback.pathname}${callback.search}`)
  expect(done.status).toBe(302)
  const session = browser.jar(gateUrl).get('vibegate_session')
  expect(session).toBeDefined()
  return session!
}
