/** One frame's colour at a pixel: `[r, g, b]`, each 0-255. */
export type PixelShader = (x: number, y: number, frame: number) => readonly [number, number, number]

/** What {@link pcmVideoMp4} draws. */
export interface PcmVideoOptions {
  /** Width in pixels, a multiple of 16. */
  width: number
  /** Height in pixels, a multiple of 16. */
  height: number
  /** Frames per second, dividing 600 (1, 2, 3, 4, 5, 6, 8, 10, 12, ...). */
  fps: number
  /** Number of frames. */
  frames: number
  shade: PixelShader
}

/** The `codecs` parameter of the file's MIME type (Baseline profile, level 3.0). */
export const PCM_VIDEO_CODECS = 'avc1.42C01E'

/**
 * A small, valid H.264 MP4 drawn pixel by pixel, with no encoder: every macroblock is
 * I_PCM (raw samples), every frame an IDR. Chromium, Firefox and Safari play it. It is
 * large for its size (384 bytes per 16x16 block per frame), so keep it tiny; the demo
 * makes its clips this way so that nothing is downloaded and no binary is committed.
 */
export function pcmVideoMp4(options: PcmVideoOptions): Buffer {
  const { width, height, fps, frames } = options
  if (width % 16 || height % 16 || width <= 0 || height <= 0)
    throw new TypeError('pcmVideoMp4: width and height must be positive multiples of 16')
  if (!Number.isInteger(fps) || fps <= 0 || 600 % fps)
    throw new TypeError('pcmVideoMp4: fps must divide 600')
  const sps = nal(0x67, spsBits(width / 16, height / 16))
  const pps = nal(0x68, ppsBits())
  const samples = Array.from({ length: frames }, (_, i) => {
    const slice = nal(0x65, sliceBits(options, i))
    return Buffer.concat([u32(slice.length), slice])
  })
  return mp4(options, sps, pps, samples, 600 / fps)
}

/** Writes bits most significant first; Exp-Golomb codes as H.264 defines them. */
class BitWriter {
  private bytes: number[] = []
  private current = 0
  private count = 0
  bit(b: number): void {
    this.current = (this.current << 1) | (b & 1)
    if (++this.count === 8) this.flush()
  }
  bits(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.bit((value >>> i) & 1)
  }
  ue(value: number): void {
    const v = value + 1
    const len = 32 - Math.clz32(v)
    this.bits(0, len - 1)
    this.bits(v, len)
  }
  se(value: number): void {
    this.ue(value <= 0 ? -2 * value : 2 * value - 1)
  }
  align(): void {
    while (this.count) this.bit(0)
  }
  byte(value: number): void {
    this.bits(value, 8)
  }
  trailing(): Buffer {
    this.bit(1)
    this.align()
    return Buffer.from(this.bytes)
  }
  private flush(): void {
    this.bytes.push(this.current)
    this.current = 0
    this.count = 0
  }
}

function spsBits(mbWidth: number, mbHeight: number): Buffer {
  const w = new BitWriter()
  w.byte(66) // Baseline
  w.byte(0xc0) // constraint_set0 and 1
  w.byte(30) // level 3.0
  w.ue(0) // seq_parameter_set_id
  w.ue(0) // log2_max_frame_num_minus4
  w.ue(2) // pic_order_cnt_type: output order = decoding order
  w.ue(1) // max_num_ref_frames
  w.bit(0) // gaps_in_frame_num_value_allowed_flag
  w.ue(mbWidth - 1)
  w.ue(mbHeight - 1)
  w.bit(1) // frame_mbs_only_flag
  w.bit(1) // direct_8x8_inference_flag
  w.bit(0) // frame_cropping_flag
  w.bit(0) // vui_parameters_present_flag
  return w.trailing()
}

function ppsBits(): Buffer {
  const w = new BitWriter()
  w.ue(0) // pic_parameter_set_id
  w.ue(0) // seq_parameter_set_id
  w.bit(0) // entropy_coding_mode_flag: CAVLC
  w.bit(0) // bottom_field_pic_order_in_frame_present_flag
  w.ue(0) // num_slice_groups_minus1
  w.ue(0) // num_ref_idx_l0_default_active_minus1
  w.ue(0) // num_ref_idx_l1_default_active_minus1
  w.bit(0) // weighted_pred_flag
  w.bits(0, 2) // weighted_bipred_idc
  w.se(0) // pic_init_qp_minus26
  w.se(0) // pic_init_qs_minus26
  w.se(0) // chroma_qp_index_offset
  w.bit(0) // deblocking_filter_control_present_flag
  w.bit(0) // constrained_intra_pred_flag
  w.bit(0) // redundant_pic_cnt_present_flag
  return w.trailing()
}

function sliceBits(options: PcmVideoOptions, frame: number): Buffer {
  const w = new BitWriter()
  w.ue(0) // first_mb_in_slice
  w.ue(7) // slice_type: I, and every slice of the picture is I
  w.ue(0) // pic_parameter_set_id
  w.bits(0, 4) // frame_num
  w.ue(frame & 0xffff) // idr_pic_id: consecutive IDRs must differ
  w.bit(0) // no_output_of_prior_pics_flag
  w.bit(0) // long_term_reference_flag
  w.se(0) // slice_qp_delta
  const mbWidth = options.width / 16
  const mbHeight = options.height / 16
  for (let my = 0; my < mbHeight; my++) {
    for (let mx = 0; mx < mbWidth; mx++) {
      w.ue(25) // mb_type I_PCM
      w.align() // pcm_alignment_zero_bit
      for (const value of pcmMacroblock(options, mx * 16, my * 16, frame)) w.byte(value)
    }
  }
  return w.trailing()
}

/** 256 luma then 64 Cb and 64 Cr samples (4:2:0), BT.601 limited range, never 0. */
function pcmMacroblock(options: PcmVideoOptions, x0: number, y0: number, frame: number): number[] {
  const luma: number[] = []
  const cb: number[] = []
  const cr: number[] = []
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const [r, g, b] = options.shade(x0 + x, y0 + y, frame)
      luma.push(clamp(16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256))
      if (x % 2 === 0 && y % 2 === 0) {
        cb.push(clamp(128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256))
        cr.push(clamp(128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256))
      }
    }
  }
  return [...luma, ...cb, ...cr]
}

const clamp = (v: number): number => Math.min(255, Math.max(1, Math.round(v)))

/** A NAL unit: header byte, then the RBSP with emulation-prevention bytes. */
function nal(header: number, rbsp: Buffer): Buffer {
  const out: number[] = [header]
  let zeros = 0
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3)
      zeros = 0
    }
    out.push(byte)
    zeros = byte === 0 ? zeros + 1 : 0
  }
  return Buffer.from(out)
}

const u8 = (v: number): Buffer => Buffer.from([v & 0xff])
const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(v)
  return b
}
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(v >>> 0)
  return b
}
const box = (type: string, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts)
  return Buffer.concat([u32(body.length + 8), Buffer.from(type, 'latin1'), body])
}
const fullBox = (type: string, version: number, flags: number, ...parts: Buffer[]): Buffer =>
  box(type, u32((version << 24) | flags), ...parts)
const MATRIX = Buffer.concat([0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000].map(u32))

function mp4(
  options: PcmVideoOptions,
  sps: Buffer,
  pps: Buffer,
  samples: Buffer[],
  delta: number,
): Buffer {
  const { width, height } = options
  const timescale = 600
  const duration = delta * samples.length
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32(512), Buffer.from('isomiso2avc1mp41'))
  const avcC = box(
    'avcC',
    Buffer.from([1, sps[1]!, sps[2]!, sps[3]!, 0xff, 0xe1]),
    u16(sps.length),
    sps,
    u8(1),
    u16(pps.length),
    pps,
  )
  const compressor = Buffer.alloc(32)
  const avc1 = box(
    'avc1',
    Buffer.alloc(6),
    u16(1), // data_reference_index
    Buffer.alloc(16),
    u16(width),
    u16(height),
    u32(0x00480000),
    u32(0x00480000),
    u32(0),
    u16(1), // frame_count
    compressor,
    u16(0x18),
    u16(0xffff),
    avcC,
  )
  const moov = (mdatOffset: number): Buffer =>
    box(
      'moov',
      fullBox('mvhd', 0, 0, u32(0), u32(0), u32(timescale), u32(duration), u32(0x10000), u16(0x100), Buffer.alloc(10), MATRIX, Buffer.alloc(24), u32(2)), // prettier-ignore
      box(
        'trak',
        fullBox('tkhd', 0, 3, u32(0), u32(0), u32(1), u32(0), u32(duration), Buffer.alloc(8), u16(0), u16(0), u16(0), u16(0), MATRIX, u32(width << 16), u32(height << 16)), // prettier-ignore
        box(
          'mdia',
          fullBox('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(duration), u16(0x55c4), u16(0)), // prettier-ignore
          fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide', 'latin1'), Buffer.alloc(12), Buffer.from('Video\0', 'latin1')), // prettier-ignore
          box(
            'minf',
            fullBox('vmhd', 0, 1, Buffer.alloc(8)),
            box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1))),
            box(
              'stbl',
              fullBox('stsd', 0, 0, u32(1), avc1),
              fullBox('stts', 0, 0, u32(1), u32(samples.length), u32(delta)),
              fullBox('stsc', 0, 0, u32(1), u32(1), u32(samples.length), u32(1)),
              fullBox('stsz', 0, 0, u32(0), u32(samples.length), ...samples.map((s) => u32(s.length))), // prettier-ignore
              fullBox('stco', 0, 0, u32(1), u32(mdatOffset)),
            ),
          ),
        ),
      ),
    )
  // The moov comes first (a "fast start" file); its size does not depend on the offset.
  const offset = ftyp.length + moov(0).length + 8
  return Buffer.concat([ftyp, moov(offset), box('mdat', ...samples)])
}
