/**
 * Deciding what to do with a response body (show it or save it) and making text safe for a
 * terminal. Pure functions; the output module does the writing.
 */

export interface MediaType {
  /** type/subtype, lower-cased; '' when the response had no (valid) Content-Type. */
  readonly essence: string;
  /** The charset parameter, lower-cased, or null. */
  readonly charset: string | null;
}

/** Parses a Content-Type value (RFC 9110 8.3.1): `type/subtype *( ";" parameter )`. */
export function parseMediaType(value: string | undefined): MediaType {
  if (value === undefined) return { essence: '', charset: null };
  const parts = value.split(';');
  const essence = parts[0]!.trim().toLowerCase();
  let charset: string | null = null;
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq === -1) continue;
    if (p.slice(0, eq).trim().toLowerCase() === 'charset') {
      charset = p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '')
        .toLowerCase();
    }
  }
  return { essence: /^[^/\s]+\/[^/\s]+$/.test(essence) ? essence : '', charset };
}

const TEXTUAL_APPLICATION_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/ecmascript',
  'application/x-www-form-urlencoded',
  'application/x-ndjson',
  'application/yaml',
  'application/problem+json',
]);

/** True for types meant to be read as text: text/*, JSON, XML and friends. */
export function isTextual(mt: MediaType): boolean {
  const e = mt.essence;
  return (
    e.startsWith('text/') ||
    TEXTUAL_APPLICATION_TYPES.has(e) ||
    e.endsWith('+json') ||
    e.endsWith('+xml')
  );
}

/**
 * For a body without Content-Type (RFC 9110 8.3 lets a recipient examine the data): text when
 * the first bytes hold no NUL and few control bytes.
 */
export function looksLikeText(sample: Buffer): boolean {
  const n = Math.min(sample.length, 1024);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const c = sample[i]!;
    if (c === 0) return false;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x1b) controls++;
  }
  return controls * 20 <= n;
}

/** Node's decoder name for a response charset: latin1 family as latin1, everything else UTF-8. */
export function decoderEncoding(charset: string | null): 'latin1' | 'utf8' {
  if (charset === null) return 'utf8';
  return /^(iso-8859-1|latin1|iso_8859-1|windows-1252|us-ascii|ascii)$/.test(charset)
    ? 'latin1'
    : 'utf8';
}

function visible(cp: number): string {
  if (cp < 0x20) return '^' + String.fromCharCode(cp + 0x40); // caret notation: ESC -> ^[
  if (cp === 0x7f) return '^?';
  return `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/**
 * Makes decoded text harmless for a terminal: control characters (ESC and so every CSI/OSC
 * sequence, C1 controls, backspace, bell) and bidi overrides ("Trojan Source") are shown as
 * visible text instead of being executed. Tab and newline stay; CR stays only before LF (a bare
 * CR would let a page overwrite what was printed). Streaming: a CR at the end of one chunk is held
 * until the next one shows whether LF follows.
 */
export class TerminalSanitizer {
  private pendingCr = false;

  push(text: string): string {
    let out = '';
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.length === 0) {
        this.pendingCr = true;
        return '';
      }
      out += text.charCodeAt(0) === 0x0a ? '\r' : '^M';
    }
    for (; i < text.length; i++) {
      const cp = text.charCodeAt(i);
      if (cp === 0x0d) {
        if (i + 1 === text.length) this.pendingCr = true;
        else out += text.charCodeAt(i + 1) === 0x0a ? '\r' : '^M';
      } else if (
        (cp < 0x20 && cp !== 0x09 && cp !== 0x0a) ||
        (cp >= 0x7f && cp <= 0x9f) ||
        (cp >= 0x202a && cp <= 0x202e) ||
        (cp >= 0x2066 && cp <= 0x2069)
      ) {
        out += visible(cp);
      } else {
        out += text[i];
      }
    }
    return out;
  }

  end(): string {
    const out = this.pendingCr ? '^M' : '';
    this.pendingCr = false;
    return out;
  }
}
