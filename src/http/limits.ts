/** Bounds the codec enforces; a subset of the proxy's LimitsConfig, so the codec stays standalone. */
export interface CodecLimits {
  /** Request line (or status line) bytes -> 414 for requests. */
  maxStartLineBytes: number;
  /** Header section bytes, excluding the start line -> 431. */
  maxHeaderBytes: number;
  /** Number of header fields -> 431. */
  maxHeaderCount: number;
  /** One chunk-size line including extensions. */
  maxChunkLineBytes: number;
  /** Trailer section bytes. */
  maxTrailerBytes: number;
}

export const DEFAULT_CODEC_LIMITS: Readonly<CodecLimits> = Object.freeze({
  maxStartLineBytes: 8 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxHeaderCount: 100,
  maxChunkLineBytes: 4 * 1024,
  maxTrailerBytes: 16 * 1024,
});
