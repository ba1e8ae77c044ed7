import fs from 'fs';
import path from 'path';

// The data source's README (its catalogue page) names the configuration fields as the editor labels them.
const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const editor = fs.readFileSync(path.join(__dirname, 'ConfigEditor.tsx'), 'utf8');

function readmeFields(): string[] {
  const section = readme.split('## Configuration')[1].split('\n## ')[0];
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| field ') && !line.startsWith('|---'))
    .flatMap((line) => line.split('|')[1].split(','))
    .map((name) => name.trim());
}

function editorLabels(): string[] {
  return Array.from(editor.matchAll(/<Field\s[^>]*?label="([^"]+)"/g), (m) => m[1]);
}

describe('src/README.md configuration table', () => {
  it('finds the fields on both sides', () => {
    expect(readmeFields().length).toBeGreaterThan(5);
    expect(editorLabels().length).toBeGreaterThan(5);
  });

  it('names every field as the config editor labels it', () => {
    expect(readmeFields().filter((name) => !editorLabels().includes(name))).toEqual([]);
  });

  it('names every field of the config editor', () => {
    expect(editorLabels().filter((label) => !readmeFields().includes(label))).toEqual([]);
  });
});
