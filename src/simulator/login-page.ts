/**
 * The HTML of the simulated OurSong sign-in: a login-and-approve form, and an error page
 * for requests that must not be redirected. Self-contained (inline CSS); every value is
 * HTML-escaped.
 */

/** Escapes `& < > " '` so a value is safe in element content and quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** What the login form shows and carries in hidden fields. */
export interface LoginPageOptions {
  clientId: string
  redirectUri: string
  responseType: string
  state: string | undefined
  /** Pre-filled username after a failed attempt. */
  username?: string | undefined
  /** A message shown above the form, e.g. wrong credentials. */
  error?: string | undefined
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;min-height:100vh;display:grid;place-items:center;background:#0f1020;
    font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d2c}
  main{width:min(380px,92vw);background:#fff;border-radius:16px;padding:28px 28px 20px;
    box-shadow:0 20px 60px rgba(0,0,0,.35)}
  h1{margin:0 0 4px;font-size:22px}
  .badge{font-size:11px;vertical-align:middle;background:#ffe9a8;color:#6b4e00;
    border-radius:6px;padding:2px 6px;margin-left:6px;font-weight:600}
  p{margin:8px 0 16px;color:#4a4a5e}
  code{background:#f1f1f6;border-radius:4px;padding:1px 4px;word-break:break-all}
  label{display:block;font-size:14px;font-weight:600;margin:12px 0 4px}
  input[type=text],input[type=password]{width:100%;padding:10px 12px;border:1px solid #c9c9d6;
    border-radius:8px;font:inherit}
  input:focus{outline:2px solid #6c5ce7;border-color:transparent}
  .error{background:#ffe3e3;color:#8a1010;border-radius:8px;padding:8px 12px}
  .actions{display:flex;gap:10px;margin-top:20px}
  /* Approve comes first in the markup (Enter submits it) but is shown on the right. */
  .actions{flex-direction:row-reverse}
  button{flex:1;padding:10px;border-radius:8px;border:1px solid #c9c9d6;background:#fff;
    font:inherit;font-weight:600;cursor:pointer}
  button.primary{background:#6c5ce7;border-color:#6c5ce7;color:#fff}
  .fine{font-size:12px;color:#8a8a9c;margin:16px 0 0}`

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`
}

/** The sign-in form: username, password, and Approve / Deny buttons (`decision`). */
export function renderLoginPage(options: LoginPageOptions): string {
  const hidden = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`
  let returnHost = options.redirectUri
  try {
    returnHost = new URL(options.redirectUri).host
  } catch {
    // Validated before rendering; the raw value is a harmless fallback.
  }
  const error =
    options.error === undefined
      ? ''
      : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`
  return page(
    'Sign in to OurSong',
    `<h1>OurSong <span class="badge">simulator</span></h1>
<p>The app <code>${escapeHtml(options.clientId)}</code> wants to see your profile and the vibes you hold.
You will return to <code>${escapeHtml(returnHost)}</code>.</p>
${error}
<form method="post" action="/oauth/authorize">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(options.username ?? '')}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
${hidden('client_id', options.clientId)}
${hidden('redirect_uri', options.redirectUri)}
${hidden('response_type', options.responseType)}
${hidden('state', options.state)}
<div class="actions">
<button type="submit" name="decision" value="approve" class="primary">Approve</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>
<p class="fine">This is the vibegate OurSong simulator: accounts come from its fixture file.</p>`,
  )
}

/** A page explaining why an authorization request cannot continue (never a redirect). */
export function renderErrorPage(title: string, message: string): string {
  return page(
    title,
    `<h1>${escapeHtml(title)} <span class="badge">simulator</span></h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p class="fine">Nothing was sent back to the application.</p>`,
  )
}
