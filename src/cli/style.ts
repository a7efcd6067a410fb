// Terminal colours for the CLI, only when stdout is a terminal and NO_COLOR is unset (no-color.org).

const enabled = process.stdout.isTTY === true && !process.env.NO_COLOR;

function paint(code: string): (text: string) => string {
  return (text) => (enabled ? `\x1b[${code}m${text}\x1b[0m` : text);
}

export const style = {
  title: paint('1'),
  dim: paint('2'),
  phase: paint('1;34'),
  client: paint('36'),
  server: paint('35'),
  state: paint('33'),
  ok: paint('32'),
  bad: paint('1;31'),
};
