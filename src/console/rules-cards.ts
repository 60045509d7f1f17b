import type { Unlock } from '../decision/vibe-catalog.js'
import { escapeHtml } from '../http/html-page.js'
import { parseDuration } from '../rules/duration.js'
import type { RequirementInput, RuleInput } from '../rules/rules-schema.js'

/** A vibe's title and cover, from the vibe catalog; null fields when OurSong did not say. */
export type VibeInfo = Extract<Unlock, { vibe: string }>

/** Every vibe id a requirement names, for one catalog look-up per vibe. */
export function vibesOf(
  requirement: RequirementInput | undefined,
  into = new Set<string>(),
): Set<string> {
  if (!requirement) return into
  if ('vibe' in requirement) into.add(requirement.vibe)
  else if ('any' in requirement) requirement.any.forEach((r) => vibesOf(r, into))
  else if ('all' in requirement) requirement.all.forEach((r) => vibesOf(r, into))
  return into
}

/**
 * The rules as readable cards: paths, methods, hosts, what unlocks each (vibe titles and covers),
 * access, token ttl; each with a link to its edit form and buttons to move it up or down
 * and to delete it. Everything
 * written by the operator or OurSong is escaped.
 */
export function rulesCards(
  rules: readonly RuleInput[],
  lines: readonly number[],
  vibes: ReadonlyMap<string, VibeInfo>,
): string {
  if (rules.length === 0)
    return '<p class="empty">No rules yet: every request gets the default. <a href="/console/rules/new">Add the first rule</a>.</p>'
  const cards = rules.map((rule, index) => {
    const list = (items: readonly string[] | undefined, all: string): string =>
      items?.length
        ? items.map((i) => `<code>${escapeHtml(i)}</code>`).join(' ')
        : `<span class="muted">${all}</span>`
    const access = rule.require
      ? '<span class="badge require">holders only</span>'
      : `<span class="badge ${rule.access === 'public' ? 'public' : 'authenticated'}">${rule.access === 'public' ? 'public' : 'signed-in fans'}</span>`
    const ttl = rule.token?.ttl === undefined ? 120 : parseDuration(rule.token.ttl) / 1000
    const id = escapeHtml(rule.id)
    return `<li class="card" data-rule="${id}">
<h2><span>${id}</span><span class="pos">#${index + 1} · line ${lines[index] ?? '?'}</span></h2>
${rule.description ? `<p class="hint">${escapeHtml(rule.description)}</p>` : ''}
<dl><dt>Paths</dt><dd>${list(rule.match.paths, 'any')}</dd>
<dt>Methods</dt><dd>${list(rule.match.methods, 'every method')}</dd>
<dt>Hosts</dt><dd>${list(rule.match.hosts, 'every host')}</dd>
<dt>Access</dt><dd>${access}</dd>
${rule.require ? `<dt>Unlocked by</dt><dd>${requirementHtml(rule.require, vibes)}</dd>` : ''}
<dt>Token</dt><dd>${rule.access === 'public' ? '<span class="muted">none (public)</span>' : `${ttl} s${rule.token?.audience ? `, audience <code>${escapeHtml(rule.token.audience)}</code>` : ''}`}</dd></dl>
<div class="actions">
<a class="button" href="/console/rules/${escapeHtml(encodeURIComponent(rule.id))}/edit" aria-label="Edit ${id}">Edit</a>
<button type="button" data-edit="move" data-id="${id}" data-to="${index - 1}"${index === 0 ? ' disabled' : ''} aria-label="Move ${id} up">↑ Up</button>
<button type="button" data-edit="move" data-id="${id}" data-to="${index + 1}"${index === rules.length - 1 ? ' disabled' : ''} aria-label="Move ${id} down">↓ Down</button>
<button type="button" class="danger" data-edit="delete" data-id="${id}" aria-label="Delete ${id}">Delete</button>
</div></li>`
  })
  return `<ol class="cards">${cards.join('\n')}</ol>`
}

function requirementHtml(r: RequirementInput, vibes: ReadonlyMap<string, VibeInfo>): string {
  if ('vibe' in r) {
    const info = vibes.get(r.vibe)
    const cover =
      info?.cover_image && /^https?:\/\//i.test(info.cover_image)
        ? `<img src="${escapeHtml(info.cover_image)}" alt="" loading="lazy">`
        : '<span class="ph" aria-hidden="true">♪</span>'
    const ids = r.token_ids ? `, token ${escapeHtml(r.token_ids.join(', '))}` : ''
    const amount = r.min_amount ? `, at least ${r.min_amount}` : ''
    const title = info?.title ? `<strong>${escapeHtml(info.title)}</strong> ` : ''
    return `<div class="vibe">${cover}<span>${title}<code>${escapeHtml(r.vibe)}</code>${ids}${amount}</span></div>`
  }
  if ('issuer' in r) return `any vibe created by <code>${escapeHtml(r.issuer)}</code>`
  const [word, parts] = 'any' in r ? ['any one of', r.any] : ['all of', r.all]
  return `${word}:<ul class="req">${parts.map((p) => `<li>${requirementHtml(p, vibes)}</li>`).join('')}</ul>`
}
