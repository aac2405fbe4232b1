// The README's fenced code blocks, with the test marker that precedes each one:
//   <!-- readme-test: KIND -->   (an HTML comment on the line before the fence, unseen on npm)
// A ```js block without a marker is an ES module run in Node; `cjs` runs it with require();
// `page`, `worker-main` and `worker` are the browser quick start (test/browser/readme.test.mjs);
// `ts` is compiled by tsc; `parse-only` (e.g. a bundler's config file) must parse as an ES
// module but is not run. Used by test/js/readme.test.mjs and test/browser/readme.test.mjs.
import { readFileSync } from 'node:fs';

export const README = new URL('../../README.md', import.meta.url);

/** [{ lang, kind, code, line }] for every fenced block of the README, in order. */
export function readmeBlocks(text = readFileSync(README, 'utf8')) {
  const blocks = [];
  const lines = text.split('\n');
  let kind = null;
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- readme-test: ([\w-]+) -->$/.exec(lines[i]);
    if (marker) {
      kind = marker[1];
      continue;
    }
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) {
      if (lines[i].trim() !== '') kind = null; // a marker applies to the next block only
      continue;
    }
    const start = i;
    const body = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    blocks.push({ lang: open[1], kind, code: body.join('\n') + '\n', line: start + 1 });
    kind = null;
  }
  return blocks;
}

/** The outputs a block promises: `console.log(...); // expected` (up to a ';' in the comment),
 * with whitespace removed so that Node's and Chromium's formatting compare alike. */
export function expectedOutputs(code) {
  const out = [];
  for (const line of code.split('\n')) {
    const m = /console\.log\(.*\);?\s*\/\/\s*(.+)$/.exec(line);
    if (m) out.push(squash(m[1].split(';')[0]));
  }
  return out;
}

export const squash = (s) => s.replace(/\s+/g, '');
