import { box, fullBox, mvhd, u32, videoTrak } from './mp4-box.js'
import { pcmH264, type PcmPictureOptions } from './pcm-h264.js'

export { PCM_VIDEO_CODECS, type PixelShader } from './pcm-h264.js'

/** What {@link pcmVideoMp4} draws. */
export interface PcmVideoOptions extends PcmPictureOptions {
  /** Frames per second, dividing 600 (1, 2, 3, 4, 5, 6, 8, 10, 12, ...). */
  fps: number
  /** Number of frames. */
  frames: number
}

/**
 * A small, valid H.264 MP4 drawn pixel by pixel, with no encoder (see {@link pcmH264}).
 * Chromium, Firefox and Safari play it. The demo makes its clips this way so that nothing
 * is downloaded and no binary is committed.
 */
export function pcmVideoMp4(options: PcmVideoOptions): Buffer {
  const { width, height, fps, frames } = options
  if (width % 16 || height % 16 || width <= 0 || height <= 0)
    throw new TypeError('pcmVideoMp4: width and height must be positive multiples of 16')
  if (!Number.isInteger(fps) || fps <= 0 || 600 % fps)
    throw new TypeError('pcmVideoMp4: fps must divide 600')
  const { sps, pps, samples } = pcmH264(options, 0, frames)
  const timescale = 600
  const delta = 600 / fps
  const duration = delta * samples.length
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32(512), Buffer.from('isomiso2avc1mp41'))
  const moov = (mdatOffset: number): Buffer =>
    box(
      'moov',
      mvhd(timescale, duration, 2),
      videoTrak({
        trackId: 1,
        width,
        height,
        timescale,
        duration,
        sps,
        pps,
        sampleTable: [
          fullBox('stts', 0, 0, u32(1), u32(samples.length), u32(delta)),
          fullBox('stsc', 0, 0, u32(1), u32(1), u32(samples.length), u32(1)),
          fullBox('stsz', 0, 0, u32(0), u32(samples.length), ...samples.map((s) => u32(s.length))), // prettier-ignore
          fullBox('stco', 0, 0, u32(1), u32(mdatOffset)),
        ],
      }),
    )
  // The moov comes first (a "fast start" file); its size does not depend on the offset.
  const offset = ftyp.length + moov(0).length + 8
  return Buffer.concat([ftyp, moov(offset), box('mdat', ...samples)])
}
