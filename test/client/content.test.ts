import {
  decoderEncoding,
  isTextual,
  looksLikeText,
  parseMediaType,
  TerminalSanitizer,
} from '../../src/client/content';

describe('parseMediaType / isTextual', () => {
  it.each([
    ['text/html; charset=UTF-8', 'text/html', 'utf-8', true],
    ['TEXT/Plain', 'text/plain', null, true],
    ['application/json', 'application/json', null, true],
    ['application/vnd.api+json', 'application/vnd.api+json', null, true],
    ['image/svg+xml', 'image/svg+xml', null, true],
    ['image/png', 'image/png', null, false],
    ['application/pdf', 'application/pdf', null, false],
    ['application/octet-stream', 'application/octet-stream', null, false],
    ['garbage', '', null, false],
  ])('%j', (value, essence, charset, textual) => {
    const mt = parseMediaType(value);
    expect(mt).toEqual({ essence, charset });
    expect(isTextual(mt)).toBe(textual);
  });
  it('no Content-Type', () => {
    expect(parseMediaType(undefined)).toEqual({ essence: '', charset: null });
  });
  it('picks latin1 for latin1 charsets, UTF-8 otherwise', () => {
    expect(decoderEncoding('iso-8859-1')).toBe('latin1');
    expect(decoderEncoding('utf-8')).toBe('utf8');
    expect(decoderEncoding(null)).toBe('utf8');
  });
});

describe('looksLikeText', () => {
  it('text has no NUL and few controls', () => {
    expect(looksLikeText(Buffer.from('hello\nworld\t!\r\n'))).toBe(true);
    expect(
      looksLikeText(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])),
    ).toBe(false);
    expect(looksLikeText(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]))).toBe(false);
  });
});

describe('TerminalSanitizer', () => {
  const clean = (...chunks: string[]): string => {
    const s = new TerminalSanitizer();
    return chunks.map((c) => s.push(c)).join('') + s.end();
  };

  it('shows ESC sequences as text, so colours, titles and cursor moves are not executed', () => {
    const out = clean('a\x1b[31mred\x1b]0;title\x07b');
    expect(out).toBe('a^[[31mred^[]0;title^Gb');
    expect(out).not.toContain('\x1b');
    expect(out).not.toContain('\x07');
  });
  it('neutralises C1 controls (8-bit CSI), DEL, backspace and bidi overrides', () => {
    expect(clean('x\u009b31my\x7f\bz\u202Eevil')).toBe('x<U+009B>31my^?^Hz<U+202E>evil');
  });
  it('keeps tabs, newlines and CRLF; a bare CR is shown', () => {
    expect(clean('a\tb\r\nc\rd\n')).toBe('a\tb\r\nc^Md\n');
  });
  it('handles a CR split from its LF across chunks', () => {
    expect(clean('line\r', '\nnext\r', 'x', '\r')).toBe('line\r\nnext^Mx^M');
    expect(clean('a\r', '', '\n')).toBe('a\r\n');
  });
  it('leaves ordinary Unicode alone', () => {
    expect(clean('€ 日本 😀')).toBe('€ 日本 😀');
  });
});
