import { CidrSet, isIPv4, isIPv6, parseCidr, parseIp } from '../../src/config/cidr';

describe('parseIp', () => {
  test.each([
    ['0.0.0.0', 0],
    ['1.2.3.4', 0x01020304],
    ['255.255.255.255', 0xffffffff],
  ])('IPv4 %s', (text, value) => {
    expect(parseIp(text)).toEqual({ family: 4, value });
  });

  test.each([
    ['::', [0, 0, 0, 0]],
    ['::1', [0, 0, 0, 1]],
    ['1::', [0x00010000, 0, 0, 0]],
    ['2001:db8::8a2e:370:7334', [0x20010db8, 0, 0x8a2e, 0x03707334]],
    ['2001:DB8:0:0:0:0:0:1', [0x20010db8, 0, 0, 1]],
    ['::ffff:1.2.3.4', [0, 0, 0xffff, 0x01020304]],
    ['64:ff9b::192.0.2.33', [0x0064ff9b, 0, 0, 0xc0000221]],
    ['1:2:3:4:5:6:7:8', [0x00010002, 0x00030004, 0x00050006, 0x00070008]],
    ['1:2:3:4:5:6:1.2.3.4', [0x00010002, 0x00030004, 0x00050006, 0x01020304]],
  ])('IPv6 %s', (text, words) => {
    expect(parseIp(text)).toEqual({ family: 6, words });
  });

  test.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.4 ',
    '1..2.3',
    'a.b.c.d',
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '12345::',
    '1:',
    ':1',
    'g::',
    '::1.2.3',
    '1:2:3:4:5:6:7:1.2.3.4',
    'fe80::1%eth0', // zone ids are only accepted where sockets report them (CidrSet.has)
  ])('rejects %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  test('isIPv4 / isIPv6', () => {
    expect(isIPv4('10.0.0.1')).toBe(true);
    expect(isIPv4('::1')).toBe(false);
    expect(isIPv6('::1')).toBe(true);
    expect(isIPv6('fe80::1%eth0')).toBe(false);
    expect(isIPv6('fe80::1%eth0', true)).toBe(true);
    expect(isIPv6('10.0.0.1')).toBe(false);
  });
});

describe('parseCidr', () => {
  test('normalises host bits and bare addresses', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ family: 4, prefix: 8, text: '10.0.0.0/8' });
    expect(parseCidr('192.168.1.7')).toMatchObject({
      family: 4,
      prefix: 32,
      text: '192.168.1.7/32',
    });
    expect(parseCidr('2001:db8::1/32')).toMatchObject({
      family: 6,
      prefix: 32,
      text: '2001:db8::/32',
    });
    expect(parseCidr('::1')).toMatchObject({ family: 6, prefix: 128, text: '::1/128' });
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ family: 4, prefix: 0, text: '0.0.0.0/0' });
    expect(parseCidr('1:0:0:2::/64')).toMatchObject({ text: '1:0:0:2::/64' });
  });

  test('an IPv4-mapped IPv6 range becomes the IPv4 range it denotes', () => {
    expect(parseCidr('::ffff:10.0.0.0/104')).toMatchObject({
      family: 4,
      prefix: 8,
      text: '10.0.0.0/8',
    });
    expect(parseCidr('::ffff:0:0/96')).toMatchObject({ family: 4, prefix: 0 });
  });

  test.each([
    ['10.0.0.0/33', /invalid prefix length/],
    ['10.0.0.0/', /invalid prefix length/],
    ['10.0.0.0/-1', /invalid prefix length/],
    ['10.0.0.0/+8', /invalid prefix length/],
    ['10.0.0.0/8/8', /invalid prefix length/],
    ['::/129', /invalid prefix length/],
    ['10.0.0/8', /not an IP address or CIDR/],
    ['example.com/8', /not an IP address or CIDR/],
    ['', /not an IP address or CIDR/],
  ])('rejects %j', (text, pattern) => {
    const r = parseCidr(text);
    expect(typeof r).toBe('string');
    expect(r).toMatch(pattern);
  });
});

describe('CidrSet', () => {
  test('IPv4 ranges', () => {
    const set = new CidrSet(['10.0.0.0/8', '192.168.1.0/24', '172.16.0.5']);
    expect(set.has('10.0.0.1')).toBe(true);
    expect(set.has('10.255.255.255')).toBe(true);
    expect(set.has('11.0.0.0')).toBe(false);
    expect(set.has('192.168.1.200')).toBe(true);
    expect(set.has('192.168.2.1')).toBe(false);
    expect(set.has('172.16.0.5')).toBe(true);
    expect(set.has('172.16.0.6')).toBe(false);
  });

  test('a /0 matches every address of its family, and the top bit does not confuse signed ints', () => {
    const all4 = new CidrSet(['0.0.0.0/0']);
    expect(all4.has('255.255.255.255')).toBe(true);
    expect(all4.has('::1')).toBe(false);
    const high = new CidrSet(['200.0.0.0/5', 'ffff::/16']);
    expect(high.has('207.255.1.1')).toBe(true);
    expect(high.has('199.0.0.1')).toBe(false);
    expect(high.has('ffff:1::1')).toBe(true);
    expect(high.has('fffe::1')).toBe(false);
  });

  test('IPv6 ranges, including prefixes that cut inside a 32-bit word', () => {
    const set = new CidrSet(['2001:db8::/32', 'fd00::/8', '::1', '2001:db9:8000::/33']);
    expect(set.has('2001:db8::1')).toBe(true);
    expect(set.has('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true);
    expect(set.has('2001:db9::1')).toBe(false);
    expect(set.has('2001:db9:8000::1')).toBe(true);
    expect(set.has('2001:db9:7fff::1')).toBe(false);
    expect(set.has('fd12:3456::1')).toBe(true);
    expect(set.has('fe00::1')).toBe(false);
    expect(set.has('::1')).toBe(true);
    expect(set.has('::2')).toBe(false);
    expect(set.has('fe80::1%eth0')).toBe(false);
  });

  test('IPv4-mapped IPv6 peers match IPv4 ranges, and mapped ranges match IPv4 peers', () => {
    const set = new CidrSet(['1.2.3.0/24', '::ffff:10.0.0.0/104']);
    expect(set.has('::ffff:1.2.3.4')).toBe(true);
    expect(set.has('::FFFF:1.2.3.4')).toBe(true);
    expect(set.has('::ffff:102:304')).toBe(true); // the same address in hex
    expect(set.has('::ffff:1.2.4.4')).toBe(false);
    expect(set.has('10.9.9.9')).toBe(true);
    expect(set.has('::ffff:10.9.9.9')).toBe(true);
    expect(set.has('11.0.0.1')).toBe(false);
  });

  test('non-mapped IPv6 ranges do not swallow IPv4 peers', () => {
    const set = new CidrSet(['::/0']);
    expect(set.has('2001:db8::1')).toBe(true);
    expect(set.has('1.2.3.4')).toBe(false);
    expect(set.has('::ffff:1.2.3.4')).toBe(false);
  });

  test('link-local peers with a zone id match by address', () => {
    expect(new CidrSet(['fe80::/10']).has('fe80::1%eth0')).toBe(true);
  });

  test('garbage is never a member', () => {
    const set = new CidrSet(['0.0.0.0/0', '::/0']);
    for (const bad of ['', 'localhost', '1.2.3', '1.2.3.4.5', ':::', '1.2.3.4/8', 'unix:/tmp/s']) {
      expect(set.has(bad)).toBe(false);
    }
  });

  test('an empty set trusts nobody', () => {
    const set = new CidrSet([]);
    expect(set.size).toBe(0);
    expect(set.has('127.0.0.1')).toBe(false);
  });

  test('an invalid entry throws with the entry in the message', () => {
    expect(() => new CidrSet(['10.0.0.0/8', 'nope'])).toThrow(/'nope'/);
  });

  test('repeated lookups give the same answers (no state leaks between calls)', () => {
    const set = new CidrSet(['2001:db8::/32', '10.0.0.0/8']);
    for (let i = 0; i < 1000; i++) {
      expect(set.has('2001:db8::1')).toBe(true);
      expect(set.has('2002::1')).toBe(false);
      expect(set.has('::ffff:10.1.1.1')).toBe(true);
      expect(set.has('::')).toBe(false);
    }
  });
});
