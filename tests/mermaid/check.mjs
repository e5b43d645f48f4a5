// Parse a Mermaid diagram from standard input with Mermaid's own parser.
// Prints the diagram type and exits 0, or prints the parse error and exits 1.
// Mermaid expects a browser; jsdom stands in for one.
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

let text = '';
for await (const chunk of process.stdin) text += chunk;
try {
  const result = await mermaid.parse(text);
  console.log(result.diagramType);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
