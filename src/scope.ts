// The data source's scope (jsonData.scope, docs/scope.md): organisations ("acme"), all repositories of one
// ("acme/*"), or single repositories ("acme/web"). The backend enforces it and refuses a malformed one; the
// config editor checks it here with the same rules and words, so the wrong entry is named before saving.

export const MAX_SCOPE_ENTRIES = 1000;

const NAME = /^[A-Za-z0-9._-]+$/;

// scopeEntryProblem says what is wrong with one entry, or undefined when nothing is.
function scopeEntryProblem(e: string): string | undefined {
  const slash = e.indexOf('/');
  const owner = slash < 0 ? e : e.slice(0, slash);
  const repo = slash < 0 ? '' : e.slice(slash + 1);
  if (e === '') {
    return 'is empty';
  }
  if (e === '*' || owner === '*') {
    return 'has a wildcard owner: only a whole repository name may be *, as in owner/*; to allow everything, leave the scope empty';
  }
  if (e.split('/').length > 2) {
    return 'has more than one /: use an organisation, owner/repo or owner/*';
  }
  if (owner === '') {
    return 'has an empty owner before the /';
  }
  if (slash >= 0 && repo === '') {
    return 'has an empty repository after the /: use owner/* for all of them';
  }
  if (owner.includes('*') || (repo !== '*' && repo.includes('*'))) {
    return 'has a wildcard inside a name: only owner/* is allowed';
  }
  for (const part of [owner, repo]) {
    if (part !== '' && part !== '*' && !NAME.test(part)) {
      const bad = Array.from(part).find((c) => !NAME.test(c));
      return `holds ${JSON.stringify(bad)}, which no GitHub owner or repository name has`;
    }
  }
  return undefined;
}

// validateScope names the first wrong entry (counted from 1), or returns undefined for a valid scope.
export function validateScope(entries: string[]): string | undefined {
  if (entries.length > MAX_SCOPE_ENTRIES) {
    return `scope has ${entries.length} entries: at most ${MAX_SCOPE_ENTRIES} are allowed`;
  }
  for (let i = 0; i < entries.length; i++) {
    const problem = scopeEntryProblem(entries[i]);
    if (problem) {
      return `scope entry ${i + 1} ${JSON.stringify(entries[i])} ${problem}`;
    }
  }
  return undefined;
}

// parseScopeText reads the editor's text: one entry per line or comma, blank ones skipped. Every other entry is
// kept as typed, wrong or not: storing a shorter list than the user wrote could widen the scope.
export function parseScopeText(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
}
