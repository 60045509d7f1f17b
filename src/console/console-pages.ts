import { escapeHtml } from '../http/html-page.js'
import { METHODS } from '../rules/rules-schema.js'
import type { RulesCheck } from './check-rules-text.js'
import type { HistoryEntry } from './rules-history.js'

/** The signed-out page: sign in with OurSong (or a wallet), then back to `returnTo`. */
export function signInBody(returnTo: string): string {
  const login = `/auth/login?return_to=${encodeURIComponent(returnTo)}`
  return `<div class="center"><p>The operator console is for the people who run this fan club. Sign in with the OurSong account or wallet listed in <code>VIBEGATE_OPERATORS</code>.</p>
<p class="toolbar"><a class="button primary" href="${escapeHtml(login)}" id="oursong-login">Sign in with OurSong</a>
<button type="button" id="wallet-login">Sign in with a wallet</button></p>
<p class="hint" id="wallet-hint" hidden>No browser wallet was found on this page.</p></div>`
}

/** The page for a signed-in person who is not an operator. */
export function forbiddenBody(name: string): string {
  return `<div class="center"><p>You are signed in as <strong>${escapeHtml(name)}</strong>, which is not an operator of this gate.</p>
<p>Operators are listed in <code>VIBEGATE_OPERATORS</code> (OurSong user ids, uuids or wallet addresses). Ask whoever runs the gate to add you, or sign in with another account.</p>
<p class="toolbar"><button type="button" id="sign-out">Sign out</button></p></div>`
}

/** A page for any other refusal or failure of a console page. */
export function errorBody(message: string): string {
  return `<div class="center"><p>${escapeHtml(message)}</p><p><a href="/console">Back to the console</a></p></div>`
}

/** Where a check's problems are shown (filled and updated by the script). */
export function problemsHtml(check: RulesCheck | undefined): string {
  if (!check) return '<ul class="problems" id="problems" aria-live="polite"></ul>'
  const items = check.ok ? [`<li class="ok">${escapeHtml(check.summary)}</li>`] : []
  for (const p of check.problems) items.push(`<li class="${p.severity}">${escapeHtml(p.text)}</li>`)
  return `<ul class="problems" id="problems" aria-live="polite">${items.join('')}</ul>`
}

/** The preview panel every change goes through: diff, check result, Save or Cancel. */
export const PREVIEW_HTML = `<section id="preview" hidden aria-labelledby="preview-title" tabindex="-1">
<h2 id="preview-title">Review the change</h2>
<p class="hint">Lines with + are added, lines with − removed. Nothing is saved until you press Save.</p>
<div class="diff" id="diff" role="region" aria-label="Differences" tabindex="0"></div>
<ul class="problems" id="preview-problems" aria-live="polite"></ul>
<div class="toolbar"><button type="button" class="primary" id="save">Save and apply</button><button type="button" id="cancel">Cancel</button></div>
</section>`

/** The rules screen: the cards, and the file's state when it is broken on disk. */
export function rulesBody(cards: string, diskCheck: RulesCheck, file: string): string {
  const broken = diskCheck.ok
    ? ''
    : `<div class="status bad"><p>The file on disk, <code>${escapeHtml(file)}</code>, does not pass the checks, so the previous rules stay in force. Fix it in the <a href="/console/yaml">YAML</a> tab.</p>${problemsHtml(diskCheck)}</div>`
  return `${broken}<p class="hint">First match in file order wins. File: <code>${escapeHtml(file)}</code>. <a href="/console/rules/new">Add a rule</a></p>
${PREVIEW_HTML}${cards}`
}

/** The raw YAML screen: the file, checked as you type, previewed and saved. */
export function yamlBody(text: string, check: RulesCheck, file: string): string {
  return `<p class="hint">Edit <code>${escapeHtml(file)}</code> directly. Every keystroke is checked exactly as <code>vibegate rules check</code> would; nothing is saved until you review the change.</p>
<label for="yaml" class="sr">Rules file</label>
<textarea id="yaml" spellcheck="false" autocapitalize="off" autocomplete="off" aria-describedby="problems">${escapeHtml(text)}</textarea>
${problemsHtml(check)}
<div class="toolbar"><button type="button" class="primary" id="review">Review and save</button><button type="button" id="revert">Discard edits</button></div>
${PREVIEW_HTML}`
}

/** The history screen: saved versions, newest first, each restorable in one click. */
export function historyBody(entries: readonly HistoryEntry[], hash: string): string {
  if (entries.length === 0)
    return '<p class="empty">No versions yet: the history starts with the first save from the console.</p>'
  const rows = entries.map((e) => {
    const who = e.who ? `${e.who.name} (${e.who.id})` : 'before the console'
    const what =
      e.action === 'original'
        ? 'file as it was'
        : e.action === 'rollback'
          ? `restored ${e.restored ?? ''}`
          : 'saved'
    const current = e.hash === hash
    return `<tr><td><time datetime="${escapeHtml(e.at)}">${escapeHtml(e.at.replace('T', ' ').slice(0, 19))} UTC</time></td><td>${escapeHtml(who)}</td><td>${escapeHtml(what)}</td><td class="mono">${escapeHtml(e.hash.slice(0, 12))}</td>
<td>${current ? '<span class="badge public">in the file</span>' : `<button type="button" data-rollback="${escapeHtml(e.id)}" aria-label="Restore the version of ${escapeHtml(e.at)}">Restore</button>`}</td></tr>`
  })
  return `<p class="hint">Every save is kept (the last 50). Restore puts a version back through the same checks as a save.</p>
<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">sha256</th><th scope="col"><span class="sr">Action</span></th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/** The explain screen: a request and a user in, the decision and every rule for that user out. */
export function explainBody(): string {
  const methods = METHODS.map((m) => `<option>${m}</option>`).join('')
  return `<p class="hint">The decision the gate would make, and why, with what OurSong reports the user holds (their public vibes).</p>
<form id="explain-form" novalidate><div class="row">
<div><label for="x-method">Method</label><select id="x-method" name="method">${methods}</select></div>
<div><label for="x-url">URL or path</label><input id="x-url" name="url" required placeholder="/videos/yellow/hd or https://fans.example.com/videos/x" autocomplete="off"></div>
<div><label for="x-user">OurSong user <span class="muted">(optional)</span></label><input id="x-user" name="user" autocomplete="off" aria-describedby="x-user-hint"><p class="hint" id="x-user-hint">An OurSong user id or uuid. Empty: a signed-out visitor.</p></div>
</div><div class="toolbar"><button type="submit" class="primary">Explain</button></div></form>
<section id="explain-result" class="result" hidden aria-live="polite"></section>`
}
