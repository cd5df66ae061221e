// What a PromQL expression (as a Grafana panel writes it) asks a Prometheus for: the metrics it selects, the
// label names it matches on or groups by, the functions it calls. Enough for checking a dashboard against the
// metrics a server exports; not a PromQL parser.

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset']);

export interface Selector {
  metric: string;
  labels: string[];
}

/**
 * The series selectors of a PromQL expression with the label names it matches on or groups by. Grafana's
 * variables ($swarm, $__rate_interval) sit only in label values and ranges, which are read past.
 */
export function selectorsOf(expr: string): {
  selectors: Selector[];
  grouping: string[];
  functions: string[];
} {
  const grouping: string[] = [];
  const functions: string[] = [];
  const selectors: Selector[] = [];
  let rest = expr.replace(/\[[^\]]*\]/g, ' ');
  // Grafana's label_values(metric, label): a selector and a label name.
  rest = rest.replace(/label_values\(\s*([^,]+),\s*(\w+)\s*\)/g, (_, selector, label) => {
    grouping.push(label as string);
    functions.push('label_values');
    return ` ${selector} `;
  });
  rest = rest.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, names) => {
    grouping.push(
      ...(names as string)
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  rest = rest.replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g, (_, metric, matchers) => {
    const labels = [...(matchers as string).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"/g)].map(
      (match) => match[1] as string,
    );
    selectors.push({ metric, labels });
    return ' ';
  });
  for (const match of rest.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = match as unknown as [string, string, string | undefined];
    if (call) functions.push(name);
    else if (!KEYWORDS.has(name)) selectors.push({ metric: name, labels: [] });
  }
  return { selectors, grouping, functions };
}
