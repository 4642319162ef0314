import { percentDecode } from './url';

/**
 * Choosing where a downloaded body is saved. The name comes from the server (Content-Disposition)
 * or the URL, so it is untrusted input: it is reduced to one plain file name that cannot leave
 * the output directory (no '/', '\', '..', absolute or drive paths, control characters).
 */

/** Extensions for the binary types we name when neither the header nor the URL gives a name. */
const EXTENSION_BY_TYPE: Readonly<Record<string, string>> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/svg+xml': '.svg',
  'application/pdf': '.pdf',
  'application/zip': '.zip',
  'application/gzip': '.gz',
  'application/octet-stream': '.bin',
};

const MAX_NAME_LENGTH = 200;

/** Unquotes an RFC 9110 5.6.4 quoted-string body (the quotes already removed). */
function unquote(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/**
 * The file name a Content-Disposition value proposes (RFC 6266 4.3): `filename*` (RFC 8187
 * ext-value, UTF-8 or ISO-8859-1) wins over `filename`. Returns null when there is none.
 */
export function contentDispositionFileName(value: string): string | null {
  let plain: string | null = null;
  let extended: string | null = null;
  // parameter = token "=" ( token / quoted-string ), separated by ';'
  const re = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    const name = m[1]!.toLowerCase();
    let v = m[2]!.trim();
    if (v.startsWith('"')) v = unquote(v.slice(1, -1));
    if (name === 'filename') plain = v;
    else if (name === 'filename*') {
      const ext = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'[^']*'(.*)$/.exec(v);
      if (ext !== null) {
        const charset = ext[1]!.toLowerCase();
        if (charset === 'utf-8') extended = percentDecode(ext[2]!);
        else if (charset === 'iso-8859-1') {
          extended = ext[2]!.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) =>
            String.fromCharCode(parseInt(h, 16)),
          );
        }
      }
    }
  }
  return extended ?? plain;
}

export interface SafeName {
  readonly name: string;
  /** Why the proposed name was changed, for a warning on stderr; null when kept as it was. */
  readonly changed: string | null;
}

/**
 * Reduces an untrusted name to a safe file name in the output directory, or null when nothing
 * usable is left. Directory parts are dropped (only the last segment counts), leading dots are
 * removed (no '..', no hidden files), control characters and ':' become '_'.
 */
export function safeFileName(proposed: string): SafeName | null {
  const reasons: string[] = [];
  const segments = proposed.split(/[/\\]/);
  let name = segments[segments.length - 1]!;
  if (segments.length > 1) reasons.push('directory part removed');
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\x00-\x1f\x7f\u0080-\u009f:*?"<>|]/g, '_');
  if (cleaned !== name) reasons.push('unsafe characters replaced');
  name = cleaned;
  const undotted = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (undotted !== name) reasons.push('leading/trailing dots removed');
  name = undotted;
  if (name.length > MAX_NAME_LENGTH) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = name.slice(0, MAX_NAME_LENGTH - ext.length) + ext;
    reasons.push('shortened');
  }
  if (name === '') return null;
  return { name, changed: reasons.length === 0 ? null : reasons.join(', ') };
}

export interface ChosenName {
  readonly name: string;
  readonly source: 'content-disposition' | 'url' | 'default';
  /** Set when the server's or URL's name was unsafe and was changed or ignored. */
  readonly warning: string | null;
}

/**
 * The file name for a body to save: Content-Disposition's, else the last segment of the URL
 * path (percent-decoded), else "download" with an extension from the media type.
 */
export function chooseFileName(opts: {
  readonly contentDisposition: string | undefined;
  readonly urlPath: string;
  readonly mediaType: string;
}): ChosenName {
  const warnings: string[] = [];
  if (opts.contentDisposition !== undefined) {
    const proposed = contentDispositionFileName(opts.contentDisposition);
    if (proposed !== null) {
      const safe = safeFileName(proposed);
      if (safe !== null) {
        const warning =
          safe.changed === null
            ? null
            : `unsafe file name '${proposed}' from Content-Disposition: ${safe.changed}`;
        return { name: safe.name, source: 'content-disposition', warning };
      }
      warnings.push(`unusable file name '${proposed}' from Content-Disposition ignored`);
    }
  }
  const path = opts.urlPath;
  const lastSlash = path.lastIndexOf('/');
  const rawSegment = path.slice(lastSlash + 1);
  if (rawSegment !== '') {
    const decoded = percentDecode(rawSegment);
    const safe = safeFileName(decoded);
    if (safe !== null) {
      if (safe.changed !== null)
        warnings.push(`unsafe file name '${decoded}' from the URL: ${safe.changed}`);
      // "/image" served as image/png is saved as "image.png", so the file opens with the right tool.
      const ext = safe.name.includes('.') ? '' : (EXTENSION_BY_TYPE[opts.mediaType] ?? '');
      return {
        name: safe.name + ext,
        source: 'url',
        warning: warnings.length === 0 ? null : warnings.join('; '),
      };
    }
    warnings.push(`unusable file name '${decoded}' from the URL ignored`);
  }
  const ext = EXTENSION_BY_TYPE[opts.mediaType] ?? '';
  return {
    name: 'download' + ext,
    source: 'default',
    warning: warnings.length === 0 ? null : warnings.join('; '),
  };
}

/**
 * Names tried in turn so an existing file is never overwritten: "a.png", "a-1.png", "a-2.png"...
 * Bounded: the caller gives up after the last one.
 */
export function* candidateNames(name: string, max = 1000): Generator<string> {
  yield name;
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let i = 1; i < max; i++) yield `${stem}-${i}${ext}`;
}
