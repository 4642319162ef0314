import {
  candidateNames,
  chooseFileName,
  contentDispositionFileName,
  safeFileName,
} from '../../src/client/filename';

describe('contentDispositionFileName (RFC 6266)', () => {
  it.each([
    ['attachment; filename="report.pdf"', 'report.pdf'],
    ['attachment; filename=plain.png', 'plain.png'],
    ['inline; filename="with \\"quote\\".txt"', 'with "quote".txt'],
    [
      'attachment; filename="fallback.txt"; filename*=UTF-8\'\'%E2%82%AC%20rates.txt',
      '€ rates.txt',
    ],
    ["attachment; filename*=iso-8859-1''caf%E9.txt", 'café.txt'],
    ['attachment; FILENAME="upper.txt"', 'upper.txt'],
    ['attachment', null],
    ['attachment; size=3', null],
  ])('%s -> %j', (value, name) => {
    expect(contentDispositionFileName(value)).toBe(name);
  });
});

describe('safeFileName', () => {
  it('keeps an ordinary name', () => {
    expect(safeFileName('photo 1.png')).toEqual({ name: 'photo 1.png', changed: null });
  });
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['/etc/passwd', 'passwd'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['C:\\temp\\x.exe', 'x.exe'],
    ['..hidden', 'hidden'],
    ['.bashrc', 'bashrc'],
    ['a\x1b[31mb.txt', 'a_[31mb.txt'],
    ['c:x.txt', 'c_x.txt'],
  ])('%j becomes %j, with a reason', (input, name) => {
    const safe = safeFileName(input);
    expect(safe?.name).toBe(name);
    expect(safe?.changed).not.toBeNull();
  });
  it.each(['..', '.', '', '/', '../', 'a/..', '...'])('%j leaves nothing usable', (input) => {
    expect(safeFileName(input)).toBeNull();
  });
  it('shortens very long names but keeps the extension', () => {
    const safe = safeFileName('x'.repeat(500) + '.pdf');
    expect(safe?.name.length).toBe(200);
    expect(safe?.name.endsWith('.pdf')).toBe(true);
  });
});

describe('chooseFileName', () => {
  it('prefers Content-Disposition', () => {
    expect(
      chooseFileName({
        contentDisposition: 'attachment; filename="r.pdf"',
        urlPath: '/x/y.bin',
        mediaType: 'application/pdf',
      }),
    ).toEqual({ name: 'r.pdf', source: 'content-disposition', warning: null });
  });
  it('sanitises a traversal name from Content-Disposition and says so', () => {
    const c = chooseFileName({
      contentDisposition: 'attachment; filename="../../evil.png"',
      urlPath: '/img',
      mediaType: 'image/png',
    });
    expect(c.name).toBe('evil.png');
    expect(c.warning).toMatch(/unsafe file name '\.\.\/\.\.\/evil\.png'.*directory part removed/);
  });
  it('falls back to the URL when Content-Disposition has nothing usable', () => {
    const c = chooseFileName({
      contentDisposition: 'attachment; filename=".."',
      urlPath: '/files/a.png',
      mediaType: 'image/png',
    });
    expect(c).toMatchObject({ name: 'a.png', source: 'url' });
    expect(c.warning).toMatch(/unusable/);
  });
  it('decodes the URL segment, then sanitises it (an encoded ../ does not escape)', () => {
    expect(
      chooseFileName({ contentDisposition: undefined, urlPath: '/a%20b.pdf', mediaType: '' }).name,
    ).toBe('a b.pdf');
    const c = chooseFileName({
      contentDisposition: undefined,
      urlPath: '/..%2F..%2Fetc%2Fpasswd',
      mediaType: '',
    });
    expect(c.name).toBe('passwd');
    expect(c.warning).not.toBeNull();
  });
  it('adds an extension from the media type to a URL name without one', () => {
    expect(
      chooseFileName({ contentDisposition: undefined, urlPath: '/image', mediaType: 'image/png' })
        .name,
    ).toBe('image.png');
  });
  it('uses "download" + extension when neither gives a name', () => {
    expect(
      chooseFileName({ contentDisposition: undefined, urlPath: '/', mediaType: 'application/pdf' }),
    ).toEqual({
      name: 'download.pdf',
      source: 'default',
      warning: null,
    });
    expect(
      chooseFileName({ contentDisposition: undefined, urlPath: '/dir/', mediaType: 'x/unknown' })
        .name,
    ).toBe('download');
  });
});

describe('candidateNames', () => {
  it('numbers before the extension, bounded', () => {
    const names = [...candidateNames('a.tar.gz', 4)];
    expect(names).toEqual(['a.tar.gz', 'a.tar-1.gz', 'a.tar-2.gz', 'a.tar-3.gz']);
    expect([...candidateNames('README', 3)]).toEqual(['README', 'README-1', 'README-2']);
  });
});
