import { u32 } from './mp4-box.js'

/** One frame's colour at a pixel: `[r, g, b]`, each 0-255. */
export type PixelShader = (x: number, y: number, frame: number) => readonly [number, number, number]

/** The pictures {@link pcmH264} draws. */
export interface PcmPictureOptions {
  /** Width in pixels, a multiple of 16. */
  width: number
  /** Height in pixels, a multiple of 16. */
  height: number
  shade: PixelShader
}

/** An H.264 stream ready for an MP4 track: its parameter sets and one sample per frame. */
export interface PcmH264Stream {
  /** The sequence parameter set NAL unit (no start code, no length prefix). */
  sps: Buffer
  /** The picture parameter set NAL unit. */
  pps: Buffer
  /** One MP4 sample per frame: a 4-byte big-endian length, then one IDR slice NAL unit. */
  samples: Buffer[]
}

/** The `codecs` parameter of the stream's MIME type (Baseline profile, level 3.0). */
export const PCM_VIDEO_CODECS = 'avc1.42C01E'

/**
 * Frames `from` to `to - 1` (frame numbers passed to `shade`) as H.264 drawn pixel by pixel,
 * with no encoder: every macroblock is I_PCM (raw samples), every frame an IDR, so any frame
 * starts a segment. Large for its size (384 bytes per 16x16 block per frame): keep it tiny.
 */
export function pcmH264(options: PcmPictureOptions, from: number, to: number): PcmH264Stream {
  const { width, height } = options
  if (width % 16 || height % 16 || width <= 0 || height <= 0)
    throw new TypeError('pcmH264: width and height must be positive multiples of 16')
  const sps = nal(0x67, spsBits(width / 16, height / 16))
  const pps = nal(0x68, ppsBits())
  const samples: Buffer[] = []
  for (let i = from; i < to; i++) {
    const slice = nal(0x65, sliceBits(options, i))
    samples.push(Buffer.concat([u32(slice.length), slice]))
  }
  return { sps, pps, samples }
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

function sliceBits(options: PcmPictureOptions, frame: number): Buffer {
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
function pcmMacroblock(
  options: PcmPictureOptions,
  x0: number,
  y0: number,
  frame: number,
): number[] {
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
