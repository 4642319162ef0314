/**
 * A parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) for tests: # TYPE / # HELP
 * lines and samples `name{label="value",...} value`, with label value escapes (\\ \" \n).
 * Malformed lines throw: /metrics output must parse.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusText {
  readonly samples: Sample[];
  /** Metric family name -> type (counter, gauge, histogram...). */
  readonly types: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parsePrometheusText(text: string): PrometheusText {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
      if (m === null) continue; // a plain comment
      if (m[1] === 'TYPE') types.set(m[2]!, m[3]!);
      continue;
    }
    samples.push(parseSample(line, i + 1));
  }
  return { samples, types };
}

function parseSample(line: string, n: number): Sample {
  const nameMatch = NAME.exec(line);
  if (nameMatch === null) throw new Error(`line ${n}: no metric name: ${line}`);
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (ln === null || line[i + ln[0].length] !== '=' || line[i + ln[0].length + 1] !== '"')
        throw new Error(`line ${n}: bad label at ${i}: ${line}`);
      i += ln[0].length + 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`line ${n}: unterminated label value: ${line}`);
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          value += e === 'n' ? '\n' : (e ?? '');
        } else {
          value += c;
        }
      }
      labels[ln[0]] = value;
      if (line[i] === ',') i++;
    }
    i++;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  const raw = rest[0] ?? '';
  // Prometheus parses values with Go's ParseFloat: Inf and NaN in any letter case.
  const word = raw.toLowerCase();
  const value =
    word === '+inf' || word === 'inf'
      ? Infinity
      : word === '-inf'
        ? -Infinity
        : word === 'nan'
          ? NaN
          : Number(raw);
  if (raw === '' || (Number.isNaN(value) && word !== 'nan'))
    throw new Error(`line ${n}: bad value: ${line}`);
  return { name, labels, value };
}

/** The value of the sample with exactly these labels (undefined when absent). */
export function sampleValue(
  text: PrometheusText,
  name: string,
  labels: Readonly<Record<string, string>>,
): number | undefined {
  const want = Object.entries(labels);
  for (const s of text.samples) {
    if (s.name !== name) continue;
    const keys = Object.keys(s.labels);
    if (keys.length !== want.length) continue;
    if (want.every(([k, v]) => s.labels[k] === v)) return s.value;
  }
  return undefined;
}
