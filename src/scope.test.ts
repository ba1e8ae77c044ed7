import { MAX_SCOPE_ENTRIES, parseScopeText, validateScope } from './scope';

describe('validateScope', () => {
  it.each([
    ['organisations and patterns', ['acme', 'octo', 'gamma/*', 'acme/web', 'my-org/site.github.io']],
    ['nothing, which means every repository', []],
  ])('accepts %s', (_name, entries) => {
    expect(validateScope(entries)).toBeUndefined();
  });

  it.each([
    ['an empty entry', ['acme', ''], 'scope entry 2 "" is empty'],
    ['an empty owner', ['/web'], 'scope entry 1 "/web" has an empty owner'],
    ['an empty repository', ['acme/'], 'scope entry 1 "acme/" has an empty repository'],
    ['a wildcard for everything', ['*'], 'scope entry 1 "*" has a wildcard owner'],
    ['a wildcard owner', ['acme', '*/web'], 'scope entry 2 "*/web" has a wildcard owner'],
    ['a wildcard in the middle', ['acme/we*b'], 'scope entry 1 "acme/we*b" has a wildcard inside a name'],
    ['a prefix wildcard', ['acme/web-*'], 'scope entry 1 "acme/web-*" has a wildcard inside a name'],
    ['two slashes', ['acme/web/x'], 'scope entry 1 "acme/web/x" has more than one /'],
    ['a space inside', ['ac me'], 'scope entry 1 "ac me" holds " "'],
  ])('refuses %s, naming the entry', (_name, entries, message) => {
    expect(validateScope(entries)).toContain(message);
  });

  it('refuses more than the maximum of entries', () => {
    const entries = Array.from({ length: MAX_SCOPE_ENTRIES + 1 }, (_, i) => `org/repo${i}`);
    expect(validateScope(entries)).toBe('scope has 1001 entries: at most 1000 are allowed');
    expect(validateScope(entries.slice(1))).toBeUndefined();
  });
});

describe('parseScopeText', () => {
  it('reads one entry per line or comma, skipping blank ones and keeping wrong ones', () => {
    expect(parseScopeText(' acme\n\nocto/*, acme/we*b \n')).toEqual(['acme', 'octo/*', 'acme/we*b']);
    expect(parseScopeText('  \n ')).toEqual([]);
  });
});
