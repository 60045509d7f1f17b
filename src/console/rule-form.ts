import { escapeHtml } from '../http/html-page.js'
import { METHODS, type RuleInput } from '../rules/rules-schema.js'
import { PREVIEW_HTML } from './console-pages.js'
import type { RuleForm } from './rule-edits.js'

// What the form can show and write back unchanged; anything else stays in the YAML tab, so
// saving a form never drops a field the operator wrote by hand.
const FORM_KEYS: Record<string, readonly string[]> = {
  rule: ['id', 'description', 'match', 'require', 'access', 'token'],
  match: ['paths', 'methods', 'hosts'],
  require: ['vibe', 'token_ids'],
  token: ['ttl'],
}

/**
 * The form's view of a rule as written, or why the form cannot edit it (a sentence naming the
 * field): composite requirements (`any`, `all`, `issuer`), `min_amount`, `token.audience`,
 * methods the form does not offer and any field added later are edited in the YAML tab.
 */
export function formOfRule(rule: RuleInput): RuleForm | string {
  const extra = (kind: string, value: object | undefined, at: string): string | undefined => {
    const key = Object.keys(value ?? {}).find((k) => !FORM_KEYS[kind]!.includes(k))
    return key === undefined ? undefined : `${at}${key}`
  }
  const unsupported =
    extra('rule', rule, '') ??
    extra('match', rule.match, 'match.') ??
    extra('require', rule.require, 'require.') ??
    extra('token', rule.token, 'token.') ??
    rule.match.methods?.find((m) => !(METHODS as readonly string[]).includes(m))
  if (unsupported !== undefined)
    return `This rule uses ${unsupported}, which the form does not cover. Edit it in the YAML tab.`
  const require = rule.require as { vibe: string; token_ids?: (number | string)[] } | undefined
  return {
    id: rule.id,
    ...(rule.description ? { description: rule.description } : {}),
    paths: rule.match.paths,
    ...(rule.match.methods ? { methods: rule.match.methods } : {}),
    ...(rule.match.hosts ? { hosts: rule.match.hosts } : {}),
    ...(require
      ? { vibe: require.vibe, ...(require.token_ids ? { tokenIds: require.token_ids } : {}) }
      : { access: rule.access ?? 'authenticated' }),
    ...(rule.token?.ttl !== undefined
      ? { ttl: typeof rule.token.ttl === 'number' ? `${rule.token.ttl}s` : rule.token.ttl }
      : {}),
  }
}

/**
 * The rule form, empty to add a rule or filled with `editing` to change one in place (its
 * position stays; renaming the id is allowed). Submitting previews the change; the script
 * sends `add` or `replace` edits.
 */
export function ruleFormBody(editing?: RuleForm): string {
  const f = editing
  const value = (v: string | undefined): string => (v ? ` value="${escapeHtml(v)}"` : '')
  const kind = f?.vibe !== undefined ? 'vibe' : (f?.access ?? 'vibe')
  const methods = METHODS.map(
    (m) =>
      `<label><input type="checkbox" name="methods" value="${m}"${f?.methods?.includes(m) ? ' checked' : ''}> ${m}</label>`,
  ).join('')
  const radio = (v: string, label: string): string =>
    `<label><input type="radio" name="kind" value="${v}"${kind === v ? ' checked' : ''}> ${label}</label>`
  const position = f
    ? `<input type="hidden" name="position" value="end">`
    : `<label for="f-position">Position</label><select id="f-position" name="position"><option value="end">Last (checked after every other rule)</option><option value="0">First (checked before every other rule)</option></select>`
  const replace = f ? ` data-replace="${escapeHtml(f.id)}"` : ''
  return `<form id="rule-form" novalidate${replace}>
<fieldset><legend>Which requests</legend>
<div class="row"><div><label for="f-id">Rule id</label><input id="f-id" name="id" required pattern="[a-z0-9][a-z0-9_\\-]*" autocomplete="off" aria-describedby="f-id-hint"${value(f?.id)}><p class="hint" id="f-id-hint">Lower-case letters, digits, - and _, e.g. <code>vip-videos</code>.</p></div>
<div><label for="f-description">Description <span class="muted">(optional)</span></label><input id="f-description" name="description" autocomplete="off"${value(f?.description)}></div></div>
<label for="f-paths">Paths</label><textarea id="f-paths" name="paths" rows="3" required aria-describedby="f-paths-hint">${escapeHtml(f?.paths.join('\n') ?? '')}</textarea>
<p class="hint" id="f-paths-hint">One per line. <code>*</code> is one path segment, <code>**</code> any number, e.g. <code>/videos/vip/**</code>.</p>
<label id="f-methods">Methods <span class="muted">(none ticked: every method)</span></label><div class="choices" role="group" aria-labelledby="f-methods">${methods}</div>
<label for="f-hosts">Hosts <span class="muted">(optional)</span></label><input id="f-hosts" name="hosts" autocomplete="off" aria-describedby="f-hosts-hint"${value(f?.hosts?.join(', '))}><p class="hint" id="f-hosts-hint">Comma-separated, e.g. <code>fans.example.com, *.example.com</code>. Empty: every host.</p>
</fieldset>
<fieldset><legend>Who gets in</legend>
<div class="choices" role="radiogroup" aria-label="Access">${radio('vibe', 'Holders of a vibe')}${radio('authenticated', 'Any signed-in fan')}${radio('public', 'Everyone (public)')}</div>
<div class="row" id="vibe-fields"><div><label for="f-vibe">Vibe id</label><input id="f-vibe" name="vibe" autocomplete="off" aria-describedby="f-vibe-hint"${value(f?.vibe)}><p class="hint" id="f-vibe-hint">From the vibe's OurSong URL, e.g. <code>nxwyqqow</code>.</p></div>
<div><label for="f-token-ids">Token ids <span class="muted">(optional)</span></label><input id="f-token-ids" name="token_ids" autocomplete="off" aria-describedby="f-token-hint"${value(f?.tokenIds?.join(', '))}><p class="hint" id="f-token-hint">e.g. <code>1, 3-5</code>: holding any one of them unlocks. Empty: any token.</p></div></div>
<label for="f-ttl">Token lifetime <span class="muted">(optional)</span></label><input id="f-ttl" name="ttl" placeholder="120s" autocomplete="off" aria-describedby="f-ttl-hint"${value(f?.ttl)}><p class="hint" id="f-ttl-hint">How long the gate's JWT lives, e.g. <code>90s</code>, <code>2m</code>; at most 15m.</p>
${position}
</fieldset>
<div class="toolbar"><button type="submit" class="primary">Preview</button>${f ? '<a class="button" href="/console">Cancel</a>' : ''}</div>
</form>${PREVIEW_HTML}`
}
