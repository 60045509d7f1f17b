/** One media segment of a playlist. */
export interface HlsSegment {
  /** Its address, relative to the playlist. */
  uri: string
  /** Its duration in seconds. */
  duration: number
}

/** What {@link hlsMediaPlaylist} lists. */
export interface HlsMediaPlaylistInput {
  /** The initialization segment (fragmented MP4 `ftyp` + `moov`), relative to the playlist. */
  map: string
  segments: readonly HlsSegment[]
}

/**
 * A complete (VOD) HLS media playlist of fragmented MP4 segments (RFC 8216): every segment
 * is listed and `#EXT-X-ENDLIST` closes it, so a player knows the duration and may seek.
 */
export function hlsMediaPlaylist(input: HlsMediaPlaylistInput): string {
  if (input.segments.length === 0) throw new TypeError('hlsMediaPlaylist: segments is empty')
  // Each duration rounded to the nearest integer must not exceed the target (RFC 8216 4.3.3.1).
  const target = Math.max(1, ...input.segments.map((s) => Math.round(s.duration)))
  return [
    '#EXTM3U',
    // Fragmented MP4 segments (EXT-X-MAP without I-frames only) need version 6; Apple's
    // authoring specification asks 7 for them.
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI="${quoted(input.map)}"`,
    ...input.segments.flatMap((s) => [`#EXTINF:${s.duration.toFixed(3)},`, s.uri]),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n')
}

/** The one rendition a {@link hlsMultivariantPlaylist} offers. */
export interface HlsVariant {
  /** The media playlist, relative to this one. */
  uri: string
  /** Peak bit rate in bits per second. */
  bandwidth: number
  /** RFC 6381 codecs, e.g. `avc1.42C01E`: a player checks it can decode them before loading. */
  codecs: string
  width: number
  height: number
  /** Frames per second. */
  frameRate: number
}

/** A multivariant (master) playlist naming each variant's codecs, size and bit rate. */
export function hlsMultivariantPlaylist(variants: readonly HlsVariant[]): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...variants.flatMap((v) => [
      `#EXT-X-STREAM-INF:BANDWIDTH=${Math.ceil(v.bandwidth)},CODECS="${quoted(v.codecs)}",RESOLUTION=${v.width}x${v.height},FRAME-RATE=${v.frameRate.toFixed(3)}`,
      v.uri,
    ]),
    '',
  ].join('\n')
}

/** A quoted-string may hold neither a double quote nor a line break (RFC 8216 4.2). */
function quoted(value: string): string {
  if (/["\r\n]/.test(value))
    throw new TypeError(`HLS quoted-string cannot hold ${JSON.stringify(value)}`)
  return value
}
