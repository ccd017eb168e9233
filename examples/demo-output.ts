// How the demos print: a line, and command output indented under its heading.

export function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}
