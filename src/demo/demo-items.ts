/** How a demo item's content is shown on its page. */
export type DemoKind = 'video' | 'stream' | 'audio' | 'photo' | 'page'

/** One piece of content on the demo fan-club site and the rule that guards it. */
export interface DemoItem {
  /** Its page; the rule of rules/demo.yaml that matches it also guards its media below it. */
  path: string
  title: string
  kind: DemoKind
  /** What unlocks it, in plain words a fan understands (mirrors rules/demo.yaml). */
  unlock: string
  /** Its cover: a vibe id of fixtures/demo.yaml, or a name of the demo's own covers. */
  cover: string
  /** What the page says about the content, one short paragraph. */
  blurb: string
}

/** The sample site's content, one entry per protected area of rules/demo.yaml. */
export const DEMO_ITEMS: readonly DemoItem[] = [
  {
    path: '/members',
    title: 'Members’ lounge',
    kind: 'photo',
    unlock: 'Any fan signed in with OurSong',
    cover: 'lounge',
    blurb: 'A backstage photo for everyone who signed in.',
  },
  {
    path: '/videos/yellow',
    title: 'Coldplay - Yellow',
    kind: 'video',
    unlock: 'Own any Coldplay - Yellow token',
    cover: 'nxwyqqow',
    blurb: 'The official video, for every holder of the vibe.',
  },
  {
    path: '/videos/yellow/hd',
    title: 'Coldplay - Yellow (HD cut)',
    kind: 'video',
    unlock: 'Own Coldplay - Yellow token #1 to #5',
    cover: 'nxwyqqow',
    blurb: 'The HD cut, for the first five token holders only.',
  },
  {
    path: '/videos/dont-stop-me-now',
    title: 'Don’t Stop Me Now',
    kind: 'video',
    unlock: 'Own Don’t Stop Me Now (the collector’s edition), or 3 of the fan edition',
    cover: 'xdwbppyw',
    blurb: 'Live at the fan club, for holders of either edition.',
  },
  {
    path: '/stream/studio',
    title: 'Live from the studio',
    kind: 'stream',
    unlock: 'Own any Coldplay - Yellow token',
    cover: 'studio',
    blurb: 'A short stream from the recording session, for every holder of the vibe.',
  },
  {
    path: '/audio/under-pressure',
    title: 'Under Pressure',
    kind: 'audio',
    unlock: 'Own an Under Pressure token',
    cover: 'mzwkaxwy',
    blurb: 'The studio stems, for holders of the vibe.',
  },
  {
    path: '/videos/radio-star',
    title: 'Video Killed The Radio Star',
    kind: 'video',
    unlock: 'Own a Video Killed The Radio Star token',
    cover: 'npwjlbwq',
    blurb: 'The remastered video, for holders of the vibe.',
  },
  {
    path: '/queen',
    title: 'Queen fan club',
    kind: 'page',
    unlock: 'Own any vibe Queen created',
    cover: 'queen-club',
    blurb: 'News from the band and early tickets, for holders of any Queen vibe.',
  },
]

/** The address of an item's media under its page, which the item's rule also guards. */
export function mediaPath(item: DemoItem): string | undefined {
  if (item.kind === 'video') return `${item.path}/media.mp4`
  if (item.kind === 'stream') return `${streamDir(item)}/index.m3u8`
  if (item.kind === 'audio') return `${item.path}/media.wav`
  if (item.kind === 'photo') return `${item.path}/photo.svg`
  return undefined
}

/** The folder of a stream item's playlists and segments (see `createHlsStream`). */
export const streamDir = (item: DemoItem): string => `${item.path}/hls`

/** The poster of a stream item, under its page so its rule guards it too. */
export const posterPath = (item: DemoItem): string => `${item.path}/poster.svg`
